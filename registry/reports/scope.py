"""What a report covers: which passports, at which versions, and a store holding their content then.

Why a store per report moment: every figure of a report comes from `IndicatorService`, which reads a
store. Now, that is the registry's store (and its stored summaries). At an earlier moment (`?at=`),
the versions current then are rebuilt from the history (registry/passports/timeline.py) into an
in-memory Oxigraph store, together with the product types they refer to as they were then, and a
second IndicatorService computes over it: the same code, so the same method, for every moment.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from pyoxigraph import NamedNode, Triple

from registry.concepts import ConceptScheme
from registry.errors import Gone, NotFound
from registry.indicators.data import graph_of
from registry.indicators.result import Indicators
from registry.indicators.service import IndicatorService
from registry.namespaces import sparql_prefixes
from registry.passports.model import Page
from registry.passports.service import PassportService
from registry.passports.timeline import VersionAt, versions_at
from registry.regions.boundaries import dutch_regions
from registry.reports.past import PastIndicators
from registry.regions.placing import Place, place
from registry.store.base import Changeset, GraphChange, TripleStore
from registry.store.oxigraph import OxigraphStore
from registry.store.sparql_text import values_clause

P = sparql_prefixes()
# The asset's location and address, for its municipality and province (registry/regions/placing.py).
PLACES = P + """SELECT ?g ?wkt ?locality ?region WHERE {{ {values} GRAPH ?g {{
  ?g mpr:describes ?asset .
  OPTIONAL {{ ?asset geo:hasGeometry/geo:asWKT ?wkt }}
  OPTIONAL {{ ?asset schema:address ?address .
             OPTIONAL {{ ?address schema:addressLocality ?locality }}
             OPTIONAL {{ ?address schema:addressRegion ?region }} }}
}} }}"""
TYPES = P + "SELECT DISTINCT ?g ?t WHERE { GRAPH ?g { ?part mpr:instanceOf ?t } }"


@dataclass
class Scope:
    """Passports (IRI -> version) and the store and indicator service to compute them with."""

    store: TripleStore
    indicators: IndicatorService
    versions: dict[str, int]
    at: str | None = None  # the moment asked for (ISO 8601), None for now
    places: dict[str, Place] = field(default_factory=dict)
    # At a past moment: what each passport's indicators depend on, and those computed by earlier requests.
    past: PastIndicators | None = None
    keys: dict[str, Hashable] = field(default_factory=dict)

    @property
    def ids(self) -> list[str]:
        return sorted(iri.rsplit("/", 1)[-1] for iri in self.versions)

    def computed(self, iri: str) -> Indicators:
        """IndicatorService.compute(..., warnings=False, parts=True), remembered across requests at past moments."""
        key = self.keys.get(iri)
        known = self.past.get(key) if self.past is not None and key is not None else None
        if known is not None:
            return known
        result = self.indicators.compute(iri.rsplit("/", 1)[-1], warnings=False, parts=True)
        if self.past is not None and key is not None:
            self.past.put(key, result)
        return result

    def place_of(self, iri: str) -> Place:
        if not self.places:
            self.places = passport_places(self.store, self.versions)
        return self.places.get(iri, Place(note="the passport does not say what it describes"))


def passport_places(store: TripleStore, graphs: Iterable[str]) -> dict[str, Place]:
    ordered = sorted(graphs)
    index = dutch_regions()
    found: dict[str, Place] = {}
    for start in range(0, len(ordered), 500):
        rows = store.select(PLACES.format(values=values_clause("g", ordered[start:start + 500])))
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


def current_scope(indicators: IndicatorService, versions: dict[str, int]) -> Scope:
    return Scope(indicators.store, indicators, versions)


def _content_at(service: PassportService, iri: str, version: int) -> list[Triple]:
    try:
        return service.content(iri.rsplit("/", 1)[-1], version)[1]
    except (NotFound, Gone):
        return []


def snapshot_scope(
    service: PassportService, concepts: ConceptScheme, chosen: Mapping[str, VersionAt], moment: datetime,
    past: PastIndicators | None = None,
) -> Scope:
    """The chosen versions, rebuilt into a store of their own with the product types they refer to."""
    store = OxigraphStore()
    for iri, at in chosen.items():
        _load(store, iri, _content_at(service, iri, at.version))
    everything = versions_at(service, moment)
    types: dict[str, set[str]] = {}
    for row in store.select(TYPES):
        types.setdefault(row["g"].value, set()).add(graph_of(row["t"].value))
    loaded = {iri: at.version for iri, at in chosen.items()}
    for iri in sorted(set().union(*types.values()) - set(chosen)):
        then = everything.get(iri)
        if then is not None and not then.withdrawn:
            _load(store, iri, _content_at(service, iri, then.version))
            loaded[iri] = then.version
    indicators = IndicatorService(store, service.base, concepts)
    keys: dict[str, Hashable] = {
        iri: (iri, at.version, indicators.basis, tuple((t, loaded.get(t)) for t in sorted(types.get(iri, ()))))
        for iri, at in chosen.items()}
    return Scope(store, indicators, {iri: at.version for iri, at in chosen.items()}, moment.isoformat(),
                 past=past, keys=keys)


def _load(store: TripleStore, iri: str, triples: list[Triple]) -> None:
    if triples:
        store.apply(Changeset([GraphChange(NamedNode(iri), add=triples)]))
