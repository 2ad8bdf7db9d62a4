"""Versioned records (passports, demands) as a given caller may see and change them.

The one place where the read rule (404 for what a caller may not see, version by version) and the
write rule (who may write, and whose record) meet the record service. Passports and demands share
it; `registry.access.passports` adds what only passports have (history as RDF, diffs, lists).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pyoxigraph import NamedNode, RdfFormat, Triple

from registry.access.policy import check_read, check_write, sees_everything, sees_full
from registry.access.projection import public_view
from registry.access.views import representation_etag, view_etag
from registry.errors import NotFound
from registry.passports.model import Agent, PassportRecord, WriteResult
from registry.passports.service import PassportService


@dataclass(frozen=True)
class View:
    """What one caller was shown of one version, and the validator that names exactly that."""

    record: PassportRecord
    version: int
    triples: list[Triple]
    full: bool  # False: restricted properties were left out of it

    @property
    def etag(self) -> str:
        return view_etag(self.record.id, self.version, self.full)

    def representation_etag(self, representation: str) -> str:
        """The validator of one representation of this view (`ttl`, `jsonld`, `html-<digest>`)."""
        return representation_etag(self.record.id, self.version, self.full, representation)


class GuardedRecords:
    """Every method takes the caller first; none returns or changes anything the caller may not."""

    def __init__(self, records: PassportService, restricted: frozenset[NamedNode], writers: frozenset[str]) -> None:
        self.records = records
        self.restricted = restricted
        self.writers = writers
        self.noun = records.noun

    # --- reads ------------------------------------------------------------------------------------

    def record(self, agent: Agent, record_id: str) -> PassportRecord:
        record = self.records.record(record_id)
        check_read(agent, record_id, self._visibility(agent, record), record.owner, self.noun)
        return record

    def _visibility(self, agent: Agent, record: PassportRecord) -> str:
        """A withdrawn record's content is empty; it stays under the visibility it was withdrawn with."""
        if record.status == "active" or sees_full(agent, record.owner):
            return record.visibility
        return self.records.visibilities(record.id)[record.version]

    def hidden_versions(self, agent: Agent, record: PassportRecord) -> set[int]:
        """Versions published as restricted, unless the caller sees this record in full."""
        if sees_full(agent, record.owner):
            return set()
        return {v for v, seen in self.records.visibilities(record.id).items() if seen != "public"}

    def hidden_of(self, agent: Agent, owner: str | None = None) -> dict[str, set[int]]:
        """`hidden_versions` of every record (of `owner`, if given) by IRI, in two queries for all of them (a
        report `?at=` a moment); nothing to read for a caller who sees them all in full."""
        if sees_everything(agent) or (owner is not None and sees_full(agent, owner)):
            return {}
        return {iri: {v for v, seen in published.visibilities.items() if seen != "public"}
                for iri, published in self.records.published(owner).items() if not sees_full(agent, published.owner)}

    def check_version(self, agent: Agent, record: PassportRecord, version: int) -> None:
        if version in self.hidden_versions(agent, record):
            raise NotFound(f"version {version} of {self.noun} {record.id!r} was not public")

    def visible(self, agent: Agent, triples: Sequence[Triple], record: PassportRecord) -> list[Triple]:
        return list(triples) if sees_full(agent, record.owner) else public_view(triples, self.restricted)

    def content(self, agent: Agent, record_id: str, version: int | None = None) -> View:
        """The current or an earlier version, as far as this caller may see it."""
        record = self.record(agent, record_id)
        shown = version or record.version
        if shown != record.version:
            self.check_version(agent, record, shown)
        record, triples = self.records.content(record_id, version)
        visible = self.visible(agent, triples, record)
        # Where nothing was left out the view is the passport itself, and shares its strong validator.
        return View(record, shown, visible, len(visible) == len(triples))

    # --- writes -----------------------------------------------------------------------------------

    def check_writer(self, agent: Agent) -> None:
        """May this caller write records of this kind at all? The same answer whatever the id."""
        check_write(agent, writers=self.writers, noun=self.noun)

    def check_change(self, agent: Agent, record_id: str) -> PassportRecord:
        """May this caller change this existing record (and its derived resources, e.g. revoke its
        credentials)? The record, or the 404/401/403 a write would get."""
        self._check_change(agent, record_id)
        return self.records.record(record_id)

    def _check_change(self, agent: Agent, record_id: str) -> None:
        """Outsiders get the 404 a read gives them: a 403 naming the owner would tell that a restricted
        record exists, and whose it is. A 403 names the owner only where the record shows it anyway."""
        self.check_writer(agent)
        try:
            record = self.records.record(record_id)
        except NotFound:
            return  # a new id: a PUT creates it
        check_read(agent, record_id, self._visibility(agent, record), record.owner, self.noun)
        check_write(agent, record_id, record.owner, self.writers, self.noun)

    def create(
        self, agent: Agent, data: bytes, fmt: RdfFormat, record_id: str | None = None, reason: str | None = None
    ) -> WriteResult:
        self.check_writer(agent)
        return self.records.create(data, fmt, agent, record_id, reason)

    def replace(
        self, agent: Agent, record_id: str, data: bytes, fmt: RdfFormat, expected_version: int | None = None,
        reason: str | None = None,
    ) -> tuple[WriteResult, bool]:
        self._check_change(agent, record_id)
        return self.records.replace(record_id, data, fmt, agent, expected_version, reason)

    def withdraw(
        self, agent: Agent, record_id: str, expected_version: int | None = None, reason: str | None = None
    ) -> WriteResult:
        self._check_change(agent, record_id)
        return self.records.withdraw(record_id, agent, expected_version, reason)
