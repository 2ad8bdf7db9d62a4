"""Passports as a given caller may see and change them: the access rule applied around the passport service.

Every HTTP route goes through this class (or another class of `registry.access`) for passports, so
the rule lives in one place; tests/test_access_routes.py walks the routes to hold that.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from pyoxigraph import NamedNode, RdfFormat, Triple

from registry.access.policy import PASSPORT_WRITERS, sees_everything, sees_full
from registry.access.records import GuardedRecords, View
from registry.errors import NotFound
from registry.identifiers import resolve
from registry.linkset import epd_links
from registry.namespaces import mpr
from registry.passports.model import Agent, ChangeInfo, Diff, Page, PassportRecord, diff_of
from registry.passports.service import PassportService
from registry.passports.timeline import VersionAt, version_at, versions_at
from registry.validation import ValidationReport

PATCH = mpr("patch")


class AccessControlledPassports(GuardedRecords):
    def __init__(self, passports: PassportService, restricted: frozenset[NamedNode]) -> None:
        super().__init__(passports, restricted, PASSPORT_WRITERS)
        self.passports = passports

    def check(
        self, data: bytes, fmt: RdfFormat, profiles: Sequence[str] = (), engine: str | None = None
    ) -> ValidationReport:
        """Validation without storing: open to anyone, since it reads nothing stored and writes nothing."""
        return self.passports.check(data, fmt, profiles, engine)

    def history(self, agent: Agent, passport_id: str) -> list[ChangeInfo]:
        """Changes that made a version the caller may not read are left out, like the version itself."""
        record = self.record(agent, passport_id)
        hidden = self.hidden_versions(agent, record)
        return [c for c in self.passports.history(passport_id) if c.version not in hidden]

    def history_triples(self, agent: Agent, passport_id: str) -> list[Triple]:
        """Patches carry restricted values verbatim, so only full readers get them."""
        record = self.record(agent, passport_id)
        triples = self.passports.history_triples(passport_id)
        if sees_full(agent, record.owner):
            return triples
        names = self.passports.names(passport_id)
        hidden = {names.change(v) for v in self.hidden_versions(agent, record)}
        return [t for t in triples if t.predicate != PATCH and t.subject not in hidden]

    def diff(self, agent: Agent, passport_id: str, from_version: int, to_version: int) -> Diff:
        """Both ends must be versions the caller may read; what lies between them is not shown."""
        record = self.record(agent, passport_id)
        if sees_full(agent, record.owner):
            return self.passports.diff(passport_id, from_version, to_version)
        old = self.content(agent, passport_id, from_version).triples
        new = self.content(agent, passport_id, to_version).triples
        return diff_of(from_version, to_version, old, new)

    def resolve(self, agent: Agent, gtin: str, serial: str | None = None) -> str:
        """The IRI a GS1 Digital Link redirects to; a passport the caller may not see is an unknown GTIN."""
        passport_id, thing = resolve(self.passports.store, self.passports.base, gtin, serial)
        try:
            record = self.record(agent, passport_id)
        except NotFound as exc:
            named = f"GTIN {gtin}" + (f" with serial number {serial}" if serial else "")
            raise NotFound(f"no passport for {named}") from exc
        return thing if thing.startswith(record.iri + "#") else record.iri

    def links(self, agent: Agent, gtin: str, serial: str | None = None) -> tuple[View, list[str]]:
        """What the resolver's linkset lists: the passport the identifier resolves to, as far as the
        caller may see it, and the EPDs its visible carbon figures cite."""
        passport_id, _thing = resolve(self.passports.store, self.passports.base, gtin, serial)
        self.resolve(agent, gtin, serial)  # the 404 of an unknown GTIN for a passport the caller may not see
        view = self.content(agent, passport_id)
        return view, epd_links(view.triples)

    def page(self, agent: Agent, offset: int = 0, limit: int = 50, search: str | None = None) -> Page:
        if sees_everything(agent):
            return self.passports.list(offset, limit, search=search)
        return self.passports.list(offset, limit, search=search, visible_to=agent.organisation)

    def summaries(self, agent: Agent, listed: Sequence[PassportRecord]) -> dict[str, list[Triple]]:
        """The list-page triples of records `page` gave this caller (one query), as far as the caller may see
        them: restricted properties are left out as in a full read."""
        found = self.passports.summary_triples(listed)
        return {r.id: self.visible(agent, found[r.id], r) for r in listed}

    # --- time travel (?at=): the versions current at a moment, rebuilt from the history -----------

    def content_at(self, agent: Agent, passport_id: str, moment: datetime) -> View:
        """404 to outsiders exactly as a read; then 404 before creation, 410 while withdrawn."""
        self.record(agent, passport_id)
        return self.content(agent, passport_id, version_at(self.passports, passport_id, moment))

    def visible_at(self, agent: Agent, moment: datetime, owner: str | None = None,
                   everything: Mapping[str, VersionAt] | None = None) -> dict[str, VersionAt]:
        """Passports active at `moment` whose version then the caller may read (of `owner` only, if given);
        `everything`: versions_at(moment, owner), when the caller has read it already."""
        found = versions_at(self.passports, moment, owner) if everything is None else everything
        live = {iri: at for iri, at in found.items() if not at.withdrawn}
        hidden = self.hidden_of(agent, owner)
        return {iri: at for iri, at in live.items() if at.version not in hidden.get(iri, ())}

    def page_at(self, agent: Agent, moment: datetime, offset: int = 0, limit: int = 50) -> Page:
        """The list as it stood at `moment`: each passport at its version then (title and owner as now)."""
        chosen = self.visible_at(agent, moment)
        items = []
        for iri in sorted(chosen)[offset:offset + limit]:
            record = self.passports.record(iri.rsplit("/", 1)[-1])
            items.append(replace(record, version=chosen[iri].version, status="active", modified=chosen[iri].since))
        return Page(items=items, total=len(chosen), offset=offset, limit=limit)

    def owned(self, agent: Agent, owner: str) -> dict[str, int]:
        """Active passports of one organisation the caller may see now, IRI -> version (those `page` lists)."""
        return self.passports.owned(owner, True if sees_everything(agent) else agent.organisation)
