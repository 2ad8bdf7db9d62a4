"""Passports as a given caller may see and change them: the access rule applied around the passport service.

Every HTTP route and the CLI go through this class for passports, so the rule lives in one place.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyoxigraph import RdfFormat, Triple

from registry.access.policy import check_read, check_write, sees_everything, sees_full
from registry.access.projection import public_view
from registry.errors import NotFound
from registry.namespaces import mpr
from registry.passports.model import Agent, ChangeInfo, Diff, Page, PassportRecord, WriteResult, diff_of
from registry.passports.service import PassportService

PATCH = mpr("patch")


class AccessControlledPassports:
    def __init__(self, passports: PassportService, restricted: frozenset) -> None:
        self.passports = passports
        self.restricted = restricted

    # --- reads ------------------------------------------------------------------------------------

    def record(self, agent: Agent, passport_id: str) -> PassportRecord:
        record = self.passports.record(passport_id)
        check_read(agent, passport_id, record.visibility, record.owner)
        return record

    def visible(self, agent: Agent, triples: Sequence[Triple], record: PassportRecord) -> list[Triple]:
        return list(triples) if sees_full(agent, record.owner) else public_view(triples, self.restricted)

    def content(
        self, agent: Agent, passport_id: str, version: int | None = None
    ) -> tuple[PassportRecord, list[Triple]]:
        self.record(agent, passport_id)
        record, triples = self.passports.content(passport_id, version)
        return record, self.visible(agent, triples, record)

    def history(self, agent: Agent, passport_id: str) -> list[ChangeInfo]:
        self.record(agent, passport_id)
        return self.passports.history(passport_id)

    def history_triples(self, agent: Agent, passport_id: str) -> list[Triple]:
        """Patches carry restricted values verbatim, so only full readers get them."""
        record = self.record(agent, passport_id)
        triples = self.passports.history_triples(passport_id)
        return triples if sees_full(agent, record.owner) else [t for t in triples if t.predicate != PATCH]

    def diff(self, agent: Agent, passport_id: str, from_version: int, to_version: int) -> Diff:
        record = self.record(agent, passport_id)
        if sees_full(agent, record.owner):
            return self.passports.diff(passport_id, from_version, to_version)
        _, old = self.content(agent, passport_id, from_version)
        _, new = self.content(agent, passport_id, to_version)
        return diff_of(from_version, to_version, old, new)

    def list(self, agent: Agent, offset: int = 0, limit: int = 50, search: str | None = None) -> Page:
        if sees_everything(agent):
            return self.passports.list(offset, limit, search=search)
        return self.passports.list(offset, limit, search=search, visible_to=agent.organisation)

    # --- writes -----------------------------------------------------------------------------------

    def _owner_of(self, passport_id: str) -> str | None:
        try:
            return self.passports.record(passport_id).owner
        except NotFound:
            return None

    def create(
        self, agent: Agent, data: bytes, fmt: RdfFormat, passport_id: str | None = None, reason: str | None = None
    ) -> WriteResult:
        check_write(agent)
        return self.passports.create(data, fmt, agent, passport_id, reason)

    def replace(
        self, agent: Agent, passport_id: str, data: bytes, fmt: RdfFormat, expected_version: int | None = None,
        reason: str | None = None,
    ) -> tuple[WriteResult, bool]:
        check_write(agent, passport_id, self._owner_of(passport_id))
        return self.passports.replace(passport_id, data, fmt, agent, expected_version, reason)

    def withdraw(
        self, agent: Agent, passport_id: str, expected_version: int | None = None, reason: str | None = None
    ) -> WriteResult:
        check_write(agent, passport_id, self._owner_of(passport_id))
        return self.passports.withdraw(passport_id, agent, expected_version, reason)
