"""Organisation material-mapping tables for a caller: an organisation's members (and admins) write its table;
its members, auditors and admins read it. To anyone else a table is 404, worded as for an organisation
without one, so neither its names nor its existence are revealed."""

from __future__ import annotations

from typing import Any

from registry.access.policy import PASSPORT_WRITERS, check_write, sees_everything
from registry.access.tokens import ORG_PATTERN
from registry.errors import MalformedInput, NotFound
from registry.importers.mappings import MappingTable, MaterialMappings, parse_table
from registry.passports.model import Agent


def _organisation(organisation: str) -> str:
    if not ORG_PATTERN.match(organisation):
        raise MalformedInput(f"invalid organisation {organisation!r}: use 1-64 lower-case letters, digits, '.', '_' "
                             "or '-'")
    return organisation


class AccessControlledMappings:
    #: The roles of an organisation's members that may write its table (what the page tells a user).
    writers = PASSPORT_WRITERS

    def __init__(self, mappings: MaterialMappings) -> None:
        self.mappings = mappings

    def check_read(self, agent: Agent, organisation: str) -> str:
        org = _organisation(organisation)
        if not (sees_everything(agent) or agent.organisation == org):
            raise NotFound(f"no material mappings for organisation {org!r}")
        return org

    def get(self, agent: Agent, organisation: str) -> MappingTable:
        return self.mappings.get(self.check_read(agent, organisation))

    def turtle(self, agent: Agent, organisation: str) -> bytes:
        return self.mappings.turtle(self.check_read(agent, organisation))

    def put(self, agent: Agent, organisation: str, body: Any, expected_version: int | None) -> MappingTable:
        org = _organisation(organisation)
        check_write(agent, f"{org}/material-mappings", org, self.writers, "material mapping table")
        table = parse_table(body, self.mappings.concepts)
        return self.mappings.put(org, table, agent.name, expected_version)

    def for_import(self, agent: Agent, organisation: str | None) -> dict[str, str]:
        """The names -> concepts an import applies; only a caller who may read the table may apply it."""
        if organisation is None:
            return {}
        return self.get(agent, organisation).concepts()
