"""Demands as a given caller may see and change them: exchanges, builders and manufacturers write their
own organisation's demands; reads follow the same rule as passports (a restricted demand is 404 to others)."""

from __future__ import annotations

from pyoxigraph import NamedNode, RdfFormat

from registry.access.policy import DEMAND_WRITERS
from registry.access.records import GuardedRecords
from registry.matching.demand import Demand
from registry.matching.service import MatchingService
from registry.passports.model import Agent, WriteResult
from registry.passports.service import PassportService


class AccessControlledDemands(GuardedRecords):
    def __init__(self, demands: PassportService, matching: MatchingService, restricted: frozenset[NamedNode]) -> None:
        super().__init__(demands, restricted, DEMAND_WRITERS)
        self.matching = matching

    def create(
        self, agent: Agent, data: bytes, fmt: RdfFormat | None, record_id: str | None = None,
        reason: str | None = None,
    ) -> WriteResult:
        """RDF as sent, or a JSON demand (`fmt` None); rights are checked before the body is read."""
        self.check_writer(agent)
        data, rdf = self.matching.demand_body(data, fmt)
        return self.records.create(data, rdf, agent, record_id, reason)

    def replace(
        self, agent: Agent, record_id: str, data: bytes, fmt: RdfFormat | None, expected_version: int | None = None,
        reason: str | None = None,
    ) -> tuple[WriteResult, bool]:
        self._check_change(agent, record_id)
        data, rdf = self.matching.demand_body(data, fmt)
        return self.records.replace(record_id, data, rdf, agent, expected_version, reason)

    def demand(self, agent: Agent, demand_id: str) -> Demand:
        """A stored demand, as far as the caller may read it, ready to match."""
        return self.matching.stored_demand(self.content(agent, demand_id).triples)
