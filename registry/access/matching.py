"""Supply search and matching for a caller: what it finds is what it may see.

The supply index narrows items to the caller's visible passports (`MatchingService` applies the one
rule of `registry.access.policy`); stored demands are read through the demand guard, so a demand the
caller may not read is 404 here too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pyoxigraph import RdfFormat

from registry.access.demands import AccessControlledDemands
from registry.errors import MalformedInput
from registry.matching.demand import Demand
from registry.matching.scoring import Match, Weights
from registry.matching.service import MatchingService, PortfolioResult, SearchPage
from registry.matching.supply import SupplyFilter
from registry.nesting import load_json
from registry.passports.model import Agent

PORTFOLIO_FORM = '{"demands": [DEMAND-ID or JSON demand, ...], "objective": "carbon"|"transport"}'


class AccessControlledMatching:
    def __init__(self, matching: MatchingService, demands: AccessControlledDemands) -> None:
        self.matching = matching
        self.demands = demands

    def supply_filter(self, materials: Sequence[str], narrower: bool = True, products: Sequence[str] = (),
                      **criteria: Any) -> SupplyFilter:
        return self.matching.materials_filter(materials, narrower, products, **criteria)

    def search(self, agent: Agent, flt: SupplyFilter, sort: str | None, offset: int, limit: int) -> SearchPage:
        return self.matching.search(flt, agent, sort, offset, limit)

    def unsaved(self, body: bytes, fmt: RdfFormat | None) -> Demand:
        """A demand sent with the request (RDF, or JSON when `fmt` is None), validated, never stored."""
        data, rdf = self.matching.demand_body(body, fmt)
        return self.matching.unsaved_demand(data, rdf)

    def matches(self, agent: Agent, demand: Demand, limit: int = 20, weights: Weights | None = None) -> list[Match]:
        return self.matching.matches(demand, agent, limit, weights)

    def stored_matches(
        self, agent: Agent, demand_id: str, limit: int = 20, weights: Weights | None = None
    ) -> tuple[Demand, list[Match]]:
        demand = self.demands.demand(agent, demand_id)
        return demand, self.matching.matches(demand, agent, limit, weights)

    def portfolio(self, agent: Agent, body: bytes) -> PortfolioResult:
        """Many demands (stored ids or JSON demands) assigned at once, from a JSON request body."""
        request = load_json(body)  # depth-bounded: deep JSON is a 400, not a RecursionError
        if not isinstance(request, dict) or not isinstance(request.get("demands"), list) or not request["demands"]:
            raise MalformedInput(f"send {PORTFOLIO_FORM}")
        demands = [
            self.demands.demand(agent, entry) if isinstance(entry, str)
            else self.unsaved(json.dumps(entry).encode(), None)
            for entry in request["demands"]
        ]
        return self.matching.portfolio(demands, agent, str(request.get("objective", "carbon")))
