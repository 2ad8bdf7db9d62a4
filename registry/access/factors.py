"""Organisations' carbon factor sets for a caller: an organisation's members (builders, manufacturers) and admins
write its sets; a public set is read and used by anyone, a restricted one only by the organisation's members,
auditors and admins. To anyone else a restricted set is 404, worded as for a set that does not exist, so
neither its values nor its existence are revealed; the indicators apply the same rule before using a set."""

from __future__ import annotations

from registry.access.policy import PASSPORT_WRITERS, check_write, sees_everything
from registry.errors import NotFound
from registry.indicators.factorsets import FactorSet, FactorSets, check_name, parse_reference, read_upload
from registry.passports.model import Agent


class AccessControlledFactorSets:
    #: The roles of an organisation's members that may write its sets.
    writers = PASSPORT_WRITERS

    def __init__(self, sets: FactorSets) -> None:
        self.sets = sets

    @staticmethod
    def _member(agent: Agent, organisation: str) -> bool:
        return sees_everything(agent) or agent.organisation == organisation

    def get(self, agent: Agent, organisation: str, name: str, version: int | None = None) -> FactorSet:
        """The set (at `version`), or 404 as if absent when it is restricted and the caller no member."""
        current = self.sets.current(organisation, name)
        if current is None or (current.visibility != "public" and not self._member(agent, organisation)):
            raise NotFound(f"no carbon factor set {organisation}/{name}")
        return self.sets.get(organisation, name, version)

    def turtle(self, agent: Agent, organisation: str, name: str, version: int | None = None) -> bytes:
        self.get(agent, organisation, name, version)
        return self.sets.turtle(organisation, name, version)

    def list(self, agent: Agent, organisation: str) -> list[FactorSet]:
        """The organisation's sets the caller may see (its restricted ones only for members)."""
        found = [self.sets.current(organisation, n) for n in self.sets.names(check_name(organisation, "organisation"))]
        return [s for s in found if s is not None
                and (s.visibility == "public" or self._member(agent, organisation))]

    def put(self, agent: Agent, organisation: str, name: str, data: bytes, media_type: str,
            visibility: str | None, expected_version: int | None) -> FactorSet:
        """The caller's right to write is checked before the body is read: an outsider learns nothing from it."""
        check_name(organisation, "organisation")
        check_write(agent, f"{organisation}/carbon-factors/{check_name(name)}", organisation, self.writers,
                    "carbon factor set")
        rows = read_upload(data, media_type, self.sets.concepts, self.sets.graph(organisation, name).value)
        return self.sets.put(organisation, name, rows, visibility, agent.name, expected_version)

    def for_indicators(self, agent: Agent, reference: str | None) -> FactorSet | None:
        """The set an indicator request names (`ORG/SET[@VERSION]`): only one the caller may read; None: the
        shipped reference set."""
        if reference is None:
            return None
        organisation, name, version = parse_reference(reference)
        return self.get(agent, organisation, name, version)
