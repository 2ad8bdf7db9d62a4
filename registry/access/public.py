"""The public dataset: what anonymous users and exchanges query through SPARQL.

Restricted data is kept out of their queries by design, not by filtering answers (docs/architecture.md 2): a
second store holds the public projection of every public passport, in the same graph names, and
their SPARQL runs there. It is derived data: the full store is written first (atomically), then
the projection; if the process dies in between, `repair()` at start-up brings it back in step.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from pyoxigraph import NamedNode, Triple

from registry.access.projection import public_view
from registry.errors import NotFound
from registry.namespaces import mpr
from registry.passports import records
from registry.passports.service import PassportService
from registry.store.base import Changeset, GraphChange, TripleStore

log = logging.getLogger("registry.access")
PATCH = mpr("patch")


def _replace(graph: NamedNode, have: Sequence[Triple], want: Sequence[Triple]) -> GraphChange:
    if not have:  # a new passport: no sets of a million triples to build (`want` holds no duplicates)
        return GraphChange(graph, add=want)
    have_set, want_set = set(have), set(want)
    return GraphChange(graph, remove=list(have_set - want_set), add=list(want_set - have_set))


class PublicProjection:
    def __init__(self, passports: PassportService, public: TripleStore, restricted: frozenset[NamedNode]) -> None:
        self.passports = passports
        self.public = public
        self.restricted = restricted
        # Passports the last repair() could not read (id -> reason), so start-up goes on and says which.
        self.skipped: dict[str, str] = {}

    def sync(self, passport_id: str, version: int | None = None, content: Sequence[Triple] | None = None) -> None:
        """Make the public store hold exactly the public view of this passport (or nothing of it).

        `content` is version `version`'s content as the writer just stored it: reading 100k triples back
        cost ~0.7 s of a create. It is used only while that version is still the current one (another
        writer may have come in between); otherwise, and in repair(), the content is read from the store.
        """
        names = self.passports.names(passport_id)
        try:
            record = self.passports.record(passport_id)
        except NotFound:
            record = None
        public: list[Triple] = []
        record_triples: list[Triple] = []
        if record is not None and record.status == "active" and record.visibility == "public":
            if content is None or record.version != version:
                content = self.passports.store.triples(names.content_graph)
            public = public_view(content, self.restricted)
            # Patches carry restricted values verbatim; the public history keeps who, when and how much.
            record_triples = [t for t in self.passports.store.triples(names.record_graph) if t.predicate != PATCH]
        changes = [
            _replace(names.content_graph, self.public.triples(names.content_graph), public),
            _replace(names.record_graph, self.public.triples(names.record_graph), record_triples),
        ]
        self.public.apply(Changeset([c for c in changes if c.add or c.remove]))

    def _versions(self, store: TripleStore) -> dict[str, int]:
        return records.active_versions(store)

    def repair(self) -> list[str]:
        """Re-project every passport whose public state does not match the full store. Returns their ids."""
        base = f"{self.passports.base}/{self.passports.collection}/"
        full, public = self._versions(self.passports.store), self._versions(self.public)
        stale = []
        for iri in sorted(set(full) | set(public)):
            passport_id = iri[len(base):]
            if full.get(iri) == public.get(iri):
                continue
            if iri in full and public.get(iri) is None:
                try:
                    visibility = self.passports.record(passport_id).visibility
                except NotFound as exc:  # a record written around the service, without its dates: skip it
                    self.skipped[passport_id] = exc.message
                    log.warning("public projection: passport %r skipped, its record is incomplete", passport_id)
                    continue
                if visibility != "public":
                    continue  # restricted: rightly absent from the public store
            stale.append(passport_id)
        for passport_id in stale:
            self.sync(passport_id)
        if stale:
            log.warning("public projection repaired for %d passport(s)", len(stale))
        return stale
