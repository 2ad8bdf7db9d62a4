"""What a report covers: which passports, at which versions, and a store holding their content then.

Why a store per report moment: every figure of a report comes from `IndicatorService`, which reads a
store. Now, that is the registry's store (and its stored summaries). At an earlier moment (`?at=`),
the versions current then are rebuilt from the history (registry/passports/timeline.py) into an
in-memory Oxigraph store, together with the product types they refer to as they were then, and a
second IndicatorService computes over it: the same code, so the same method, for every moment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from pyoxigraph import NamedNode, Triple

from registry.concepts import ConceptScheme
from registry.errors import Gone, NotFound
from registry.indicators.data import graph_of
from registry.indicators.service import IndicatorService
from registry.indicators.stored import ABSENT
from registry.namespaces import sparql_prefixes
from registry.passports import records
from registry.passports.model import Page
from registry.passports.service import PassportService
from registry.passports.timeline import VersionAt, VersionsThen, versions_at
from registry.regions.boundaries import dutch_regions
from registry.regions.placing import Place, place
from registry.reports.past import PastEntry, PastIndicators, Tally, stored_entry
from registry.store.base import Changeset, GraphChange, Row, TripleStore
from registry.store.oxigraph import OxigraphStore

P = sparql_prefixes()
# The asset's location and address, for its municipality and province (registry/regions/placing.py).
PLACES = P + """SELECT ?g ?wkt ?locality ?region WHERE {{ {among} GRAPH ?g {{
  ?g mpr:describes ?asset .
  OPTIONAL {{ ?asset geo:hasGeometry/geo:asWKT ?wkt }}
  OPTIONAL {{ ?asset schema:address ?address .
             OPTIONAL {{ ?address schema:addressLocality ?locality }}
             OPTIONAL {{ ?address schema:addressRegion ?region }} }}
}} }}"""
NO_PLACE = Place(note="the passport does not say what it describes")
TYPES = P + "SELECT DISTINCT ?g ?t WHERE { GRAPH ?g { ?part mpr:instanceOf ?t } }"


@dataclass
class Scope:
    """Passports (IRI -> version) and the store and indicator service to compute them with."""

    store: TripleStore
    indicators: IndicatorService
    versions: dict[str, int]
    selection: records.Selection  # what report queries read in one pass: a superset of `versions`
    at: str | None = None  # the moment asked for (ISO 8601), None for now
    places: dict[str, Place] = field(default_factory=dict)
    # At a past moment, with `past` (baselines): entries of earlier requests that still hold (these
    # passports are not in the store), the product types each rebuilt passport refers to, and every
    # graph's version at the moment, to remember what is computed here (registry/reports/past.py).
    past: PastIndicators | None = None
    known: dict[str, PastEntry] = field(default_factory=dict)
    types: dict[str, set[str]] = field(default_factory=dict)
    then: dict[str, int] = field(default_factory=dict)
    noted: dict[str, int | None] = field(default_factory=dict)  # now: each type's version noted (baseline._note)

    @property
    def ids(self) -> list[str]:
        return sorted(iri.rsplit("/", 1)[-1] for iri in self.versions)

    def remember(self, iri: str, tally: Tally, entry: dict[str, object]) -> None:
        """Keep a passport's figures for later requests, when what they depend on is known (`types`)."""
        if self.past is not None and iri in self.types:
            types = tuple((t, self.then.get(t)) for t in sorted(self.types.get(iri, ())))
            self.past.put((iri, self.versions[iri], self.indicators.basis), PastEntry(types, tally, entry))

    def place_of(self, iri: str) -> Place:
        if not self.places:
            self.places = passport_places(self)
        return self.places.get(iri, NO_PLACE)

    def rows(self, template: str, graphs: Iterable[str]) -> list[Row]:
        """Rows of `template` (`{among}` binds ?g) for these graphs: one pass over the scope's selection, rows
        of other graphs dropped, then one bound query per graph it does not cover (another owner's product type)."""
        wanted = set(graphs)
        if not wanted:
            return []
        rows = [row for row in self.store.select(template.format(among=self.selection.binding("?g")))
                if row["g"].value in wanted]
        covered = wanted if self.selection.every_graph else wanted & set(self.versions)
        return rows + bound_rows(self.store, template, wanted - covered)


def bound_rows(store: TripleStore, template: str, graphs: Iterable[str]) -> list[Row]:
    """Rows of `template` for these graphs, one query bound to each (for a few graphs: one passport's)."""
    rows: list[Row] = []
    for graph in sorted(graphs):
        rows += store.select(template.format(among=""), {"g": NamedNode(graph)})
    return rows


def passport_places(scope: Scope) -> dict[str, Place]:
    return places_of(scope.rows(PLACES, scope.versions))


def places_of(rows: Iterable[Row]) -> dict[str, Place]:
    """Each graph's place, from rows of PLACES (a point before an address)."""
    index = dutch_regions()
    found: dict[str, Place] = {}
    for row in rows:
        iri = row["g"].value
        if iri in found and found[iri].source == "point":
            continue
        found[iri] = place(index, row["wkt"].value if "wkt" in row else None,
                           row["locality"].value if "locality" in row else None,
                           row["region"].value if "region" in row else None)
    return found


def all_pages(list_page: Callable[[int, int], Page]) -> dict[str, int]:
    """Every record a paged listing yields, IRI -> current version."""
    found: dict[str, int] = {}
    offset = 0
    while True:
        page = list_page(offset, 500)
        found.update((r.iri, r.version) for r in page.items)
        offset += page.limit
        if offset >= page.total:
            return found


def current_scope(indicators: IndicatorService, versions: dict[str, int], past: PastIndicators | None = None,
                  owner: str | None = None) -> Scope:
    """Now (the passports `versions`, all owned by `owner` when given); with `past`, the figures kept from
    earlier requests whose product types are still at those versions."""
    selection = records.Selection(owner)
    if past is None:
        return Scope(indicators.store, indicators, versions, selection)
    kept = {iri: entry for iri, version in versions.items()
            if (entry := past.get((iri, version, indicators.basis))) is not None}
    now: dict[str, int] = records.versions(indicators.store, {t for e in kept.values() for t, _ in e.types})
    known = {iri: entry for iri, entry in kept.items() if all(now.get(t) == v for t, v in entry.types)}
    return Scope(indicators.store, indicators, versions, selection, past=past, known=known)


def _content_at(service: PassportService, iri: str, version: int) -> list[Triple]:
    try:
        return service.content(iri.rsplit("/", 1)[-1], version)[1]
    except (NotFound, Gone):
        return []


def snapshot_scope(
    service: PassportService, concepts: ConceptScheme, chosen: Mapping[str, VersionAt], moment: datetime,
    past: PastIndicators | None = None, everything: Mapping[str, VersionAt] | None = None,
    full: IndicatorService | None = None, complete: bool = True,
) -> Scope:
    """The chosen versions, rebuilt into a store of their own with the product types they refer to
    (`everything`: versions_at(moment), when the caller has read it already; `complete` False: of the chosen
    passports' owner only, other records' versions then read as needed), except those whose figures hold from
    earlier requests (`past`) or were kept in the registry's store with that version (`full`: its indicator
    service; a baseline)."""
    store = OxigraphStore()
    indicators = IndicatorService(store, service.base, concepts)
    then = VersionsThen(service, moment, versions_at(service, moment) if everything is None else everything,
                        complete or everything is None)
    then.update((iri, at.version) for iri, at in chosen.items())
    known = _still_holding(past, chosen, then, indicators.basis) if past is not None else {}
    if full is not None:
        kept = _kept_in_store(full, {iri: at.version for iri, at in chosen.items() if iri not in known}, then)
        for iri, entry in kept.items():
            if past is not None:
                past.put((iri, chosen[iri].version, indicators.basis), entry)
        known.update(kept)
    for iri, at in chosen.items():
        if iri not in known:
            _load(store, iri, _content_at(service, iri, at.version))
    types: dict[str, set[str]] = {iri: set() for iri in chosen if iri not in known}
    for row in store.select(TYPES):
        types.setdefault(row["g"].value, set()).add(graph_of(row["t"].value))
    referred = set().union(*types.values()) - (set(chosen) - set(known))
    then.cover(referred)
    for iri in sorted(referred):
        if iri in then:
            _load(store, iri, _content_at(service, iri, then[iri]))
    return Scope(store, indicators, {iri: at.version for iri, at in chosen.items()},
                 records.Selection(every_graph=True), moment.isoformat(), past=past, known=known, types=types,
                 then=then)


def _still_holding(past: PastIndicators, chosen: Mapping[str, VersionAt], then: VersionsThen,
                   basis: str) -> dict[str, PastEntry]:
    """Entries of earlier requests for these versions whose product types were at the same versions then."""
    entries = {iri: entry for iri, at in chosen.items() if (entry := past.get((iri, at.version, basis))) is not None}
    then.cover(t for entry in entries.values() for t, _ in entry.types)
    return {iri: entry for iri, entry in entries.items() if all(then.get(t) == v for t, v in entry.types)}


def _kept_in_store(full: IndicatorService, versions: dict[str, int], then: VersionsThen) -> dict[str, PastEntry]:
    """Baseline entries the registry's store kept for these versions (stored.py `version_entries`) whose product
    types were at the same versions then as when the entry was computed (absent then and then: the same)."""
    kept = full.stored.version_entries(versions, "emf", full.basis)
    then.cover(d.graph for _, dependencies in kept.values() for d in dependencies)
    found: dict[str, PastEntry] = {}
    for iri, (stored, dependencies) in kept.items():
        if all(d.version == then.get(d.graph, ABSENT) for d in dependencies):
            tally, entry = stored_entry(iri, versions[iri], stored)
            found[iri] = PastEntry(tuple(sorted((d.graph, then.get(d.graph)) for d in dependencies)), tally, entry)
    return found


def _load(store: TripleStore, iri: str, triples: list[Triple]) -> None:
    if triples:
        store.apply(Changeset([GraphChange(NamedNode(iri), add=triples)]))
