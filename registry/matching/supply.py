"""What is available for reuse: one item per material composition of a part of an active passport,
and one per part that is an instance of a product type (mpr:instanceOf), so whole products can be
found and matched as well as their materials.

Why two queries and Python for inheritance: location and availability date are usually stated on
the building, not on each element, and the nearest ancestor wins. SPARQL property paths cannot pick
the nearest of several ancestors, so the topology edges of the read graphs are fetched once and
walked in Python. Searching happens in registry/matching/index.py, over items read here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from pyoxigraph import Literal, NamedNode

from registry.concepts import ConceptScheme
from registry.matching.geo import point_of_wkt
from registry.namespaces import BOT, DCTERMS, GEO, MODULES, MPR, RDFS, SCHEMA, UNIT, sparql_prefixes
from registry.passports import records
from registry.quantities import AREA_UNITS, LENGTH_UNITS, MASS_UNITS, VOLUME_UNITS, finite, number
from registry.store.base import LATERAL, Row, Term, TripleStore
from registry.store.sparql_text import values_clause

P = sparql_prefixes() + f"PREFIX mod: <{MODULES}>\n"
# Graphs read per query: large enough to amortise the query, small enough to keep answers moderate.
MAX_GRAPH_VALUES = 500
FEW_GRAPHS = 20
PER_GRAPH_QUERIES = 300  # x 0.1 ms, still below one VALUES query over 10k records
PASSPORTS = P + f"""
SELECT ?g ?v ?vis ?owner WHERE {{
  {records.pattern("?g", status=records.IS_ACTIVE, graph="?record",
                   also=". OPTIONAL { ?g prov:wasAttributedTo/rdfs:label ?owner }")}
  {records.in_record_graph("?g", "?record")}
  GRAPH ?g {{ ?g a mpr:Passport . OPTIONAL {{ ?g mpr:visibility ?vis }} }}
}}"""
RESTRICTED = MPR + "Restricted"

TOPOLOGY = ("bot:hasStorey", "bot:hasElement", "bot:hasSubElement", "dcterms:hasPart", "mpr:describes")
DIMENSIONS = {"mpr:length": "length", "schema:width": "width", "schema:height": "height", "schema:depth": "depth",
              "mpr:area": "area"}
DIMENSION_NAMES = tuple(DIMENSIONS.values())


@dataclass(frozen=True)
class PassportState:
    """What the index needs to know of a passport besides its items: is it current, who may see it."""

    version: int
    restricted: bool
    owner: str | None


@dataclass(slots=True)
class SupplyItem:
    """One reusable material of one part, or one part as a product, with everything search and scoring need.

    A product item has `product_type` set, `composition` equal to `part`, and a material only if the
    part states no compositions of its own (then None)."""

    passport: str
    part: str
    composition: str
    material: str | None
    label: str | None = None
    mass_kg: float | None = None
    mass_estimated: bool = False
    volume_m3: float | None = None
    count: float = 1.0
    lon: float | None = None
    lat: float | None = None
    available_from: date | None = None
    condition: str | None = None
    dimensions_m: dict[str, float] = field(default_factory=dict)  # per item; "area" in m2
    declared_a1a3_kg: float | None = None
    distance_km: float | None = None
    product_type: str | None = None

    def at_distance(self, km: float | None) -> SupplyItem:
        """A copy with the distance from one search's centre; written out, as dataclasses.replace costs
        five times more and runs once per candidate of a search."""
        return SupplyItem(self.passport, self.part, self.composition, self.material, self.label, self.mass_kg,
                          self.mass_estimated, self.volume_m3, self.count, self.lon, self.lat, self.available_from,
                          self.condition, self.dimensions_m, self.declared_a1a3_kg, km, self.product_type)

    @property
    def tie_key(self) -> tuple[str, str]:
        """Orders items equal on distance or date, so pages and top-N lists are stable."""
        return self.part, self.material or self.product_type or ""

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["available_from"] = self.available_from.isoformat() if self.available_from else None
        return out


@dataclass(frozen=True)
class SupplyFilter:
    """Search criteria; every field is optional. `materials` is already expanded (narrower concepts)."""

    materials: frozenset[str] | None = None
    products: frozenset[str] | None = None  # product type IRIs; with materials, an item may fit either
    lon: float | None = None
    lat: float | None = None
    radius_km: float | None = None
    available_from: date | None = None
    available_until: date | None = None
    not_after: date | None = None  # like available_until, but items without a date are kept
    min_mass_kg: float | None = None
    min_volume_m3: float | None = None
    min_count: float | None = None
    worst_condition: int | None = None  # notation grade; items graded worse are left out
    public_only: bool = True  # False for callers who see everything (auditors, admins)
    organisation: str | None = None  # the caller's: its own restricted passports stay visible to it
    dimensions: tuple[tuple[str, float | None, float | None], ...] = ()  # (name, min, max) in m (area m2)
    # CBS 2025 region of the item's location (registry/regions/), casefolded; items without one are left out
    municipality: str | None = None
    province: str | None = None


def _date(term: Term | None) -> date | None:
    if isinstance(term, Literal):
        try:
            return date.fromisoformat(term.value[:10])
        except ValueError:
            return None
    return None


class SupplyReader:
    """Reads every supply item of chosen passport graphs, location and dates inherited, unfiltered."""

    def __init__(self, store: TripleStore, concepts: ConceptScheme) -> None:
        self.store = store
        self.concepts = concepts

    def passports(self, graphs: Collection[str] | None = None) -> dict[str, PassportState]:
        """Active passports (all, or those among `graphs`) with what decides who may see their items."""
        if graphs is not None and len(graphs) <= PER_GRAPH_QUERIES:
            # One query per graph, the graph bound up front: 0.1 ms each, where a VALUES list still
            # took 75 ms over 10k passports (Oxigraph joined it after scanning every record).
            found: dict[str, PassportState] = {}
            for graph in graphs:
                found.update(self._states(self.store.select(PASSPORTS, {"g": NamedNode(graph)})))
            return found
        scope = values_clause("g", sorted(graphs)) if graphs is not None else ""
        return self._states(self.store.select(PASSPORTS.replace("WHERE {", "WHERE { " + scope, 1)))

    @staticmethod
    def _states(rows: list[Row]) -> dict[str, PassportState]:
        return {
            r["g"].value: PassportState(
                version=int(r["v"].value),
                restricted=r.get("vis") == NamedNode(RESTRICTED),
                owner=r["owner"].value if "owner" in r else None,
            )
            for r in rows
        }

    def changed_since(self, since: datetime) -> set[str]:
        """Passports (active or not) whose record says they changed at or after `since`."""
        return records.changed_since(self.store, since)

    def is_product_type(self, iri: str) -> bool:
        """A schema:Product described in an active passport: what a demand may want instead of a material."""
        try:
            product = NamedNode(iri)
        except ValueError:  # not an IRI at all: certainly not a product type
            return False
        active = records.pattern("?g", status=records.IS_ACTIVE, graph="?record")
        return self.store.ask(P + f"ASK {{ GRAPH ?g {{ ?product a schema:Product }} {active} }}",
                              {"product": product})

    def read(self, graphs: Collection[str]) -> list[SupplyItem]:
        """Items of these passport graphs, a few hundred graphs per query."""
        ordered = sorted(graphs)
        items: list[SupplyItem] = []
        for start in range(0, len(ordered), MAX_GRAPH_VALUES):
            items.extend(self._read_chunk(ordered[start:start + MAX_GRAPH_VALUES]))
        return items

    def _read_chunk(self, graphs: list[str]) -> list[SupplyItem]:
        # UNION branches instead of OPTIONALs: Oxigraph evaluated those left joins for every
        # composition of the store (5x slower). On Oxigraph the branches go in a LATERAL block
        # (SEP-0006), evaluated once per found composition: another 15x. Other SPARQL servers do
        # not know LATERAL, so they get the standard form.
        branches = """
    { BIND("item" AS ?k) }
    UNION { ?comp mpr:mass ?q . ?q qudt:numericValue ?v . OPTIONAL { ?q qudt:unit ?u } BIND("mass" AS ?k) }
    UNION { ?comp mpr:volume ?q . ?q qudt:numericValue ?v . OPTIONAL { ?q qudt:unit ?u } BIND("volume" AS ?k) }
    UNION { ?comp mpr:embodiedCarbon ?q . ?q mpr:lifeCycleModule mod:A1-A3 ; mpr:kgCO2e ?v . BIND("carbon" AS ?k) }"""
        found = "?comp mpr:material ?material . ?part mpr:composedOf ?comp ."
        scope = values_clause("g", sorted(graphs))
        if LATERAL in self.store.features:
            where = f"{scope} GRAPH ?g {{ {found} }} LATERAL {{ GRAPH ?g {{ {branches} }} }}"
        else:
            where = f"{scope} GRAPH ?g {{ {found} {branches} }}"
        rows = self.store.select(P + f"SELECT ?g ?part ?comp ?material ?k ?v ?u WHERE {{ {where} }}")
        products = self.store.select(P + f"""
SELECT ?g ?part ?type ?mv ?mu WHERE {{ {scope} GRAPH ?g {{
  ?part mpr:instanceOf ?type .
  OPTIONAL {{ ?part mpr:mass ?q . ?q qudt:numericValue ?mv . OPTIONAL {{ ?q qudt:unit ?mu }} }} }} }}""")
        if not rows and not products:
            return []
        by_comp: dict[tuple[str, str, str], SupplyItem] = {}
        values: dict[tuple[str, str, str], dict[str, Term]] = defaultdict(dict)
        for r in rows:
            comp = r["comp"]
            key = (r["g"].value, r["part"].value, comp.value if isinstance(comp, NamedNode) else str(comp))
            if key not in by_comp:
                by_comp[key] = SupplyItem(passport=key[0], part=key[1], composition=key[2],
                                          material=r["material"].value)
            kind = r["k"].value
            if kind == "mass":
                values[key].update({"mv": r["v"], **({"mu": r["u"]} if "u" in r else {})})
            elif kind == "volume":
                values[key].update({"vv": r["v"], **({"vu": r["u"]} if "u" in r else {})})
            elif kind == "carbon":
                values[key]["cv"] = r["v"]
        for r in products:
            key = (r["g"].value, r["part"].value, r["part"].value)
            if key not in by_comp and isinstance(r["type"], NamedNode):
                by_comp[key] = SupplyItem(passport=key[0], part=key[1], composition=key[2], material=None,
                                          product_type=r["type"].value)
                if "mv" in r:
                    values[key].update({"mv": r["mv"], **({"mu": r["mu"]} if "mu" in r else {})})
        facts = self._facts(graphs)
        items = []
        for key, item in by_comp.items():
            found_values = values.get(key, {})
            self._measure(item, found_values)
            if "cv" in found_values:
                item.declared_a1a3_kg = number(found_values["cv"])
            facts[item.passport].apply(item)
            items.append(item)
        self._share_part_carbon(items, facts)
        return items

    @staticmethod
    def _share_part_carbon(items: list[SupplyItem], facts: dict[str, _GraphFacts]) -> None:
        """Carbon declared on a part covers all its compositions: share it by mass so it is counted once."""
        part_mass: dict[tuple[str, str], float] = defaultdict(float)
        for item in items:
            part_mass[(item.passport, item.part)] += item.mass_kg or 0.0
        for item in items:
            declared = facts[item.passport].carbon.get(item.part)
            if item.declared_a1a3_kg is not None or declared is None:
                continue
            total = part_mass[(item.passport, item.part)]
            if total > 0 and item.mass_kg is not None:
                item.declared_a1a3_kg = declared * item.mass_kg / total

    def _measure(self, item: SupplyItem, r: dict[str, Term]) -> None:
        mass, volume = number(r.get("mv")), number(r.get("vv"))
        # finite() again after the unit: 1e308 t is a finite number but an infinite mass in kg
        if mass is not None:
            item.mass_kg = finite(mass * MASS_UNITS.get(r["mu"].value if "mu" in r else UNIT + "KiloGM", 1.0))
        if volume is not None:
            item.volume_m3 = finite(volume * VOLUME_UNITS.get(r["vu"].value if "vu" in r else UNIT + "M3", 1.0))
        if item.mass_kg is None and item.volume_m3 is not None:
            density = self.concepts.density.get(item.material or "")
            if density is not None:
                item.mass_kg, item.mass_estimated = item.volume_m3 * density.kg_per_m3, True

    def _facts(self, graphs: list[str]) -> dict[str, _GraphFacts]:
        scope = values_clause("g", sorted(graphs))
        plain = " ".join([*TOPOLOGY, "mpr:availableFrom", "mpr:condition", "mpr:count", "rdfs:label", "schema:name"])
        dims = " ".join(DIMENSIONS)
        branches = [
            f"GRAPH ?g {{ VALUES ?p {{ {plain} }} ?s ?p ?o }}",
            "GRAPH ?g { ?s geo:hasGeometry ?x . ?x geo:asWKT ?o } BIND(geo:asWKT AS ?p)",
            f"GRAPH ?g {{ VALUES ?p {{ {dims} }} ?s ?p ?q . ?q qudt:numericValue ?o . "
            "OPTIONAL { ?q qudt:unit ?u } }",
            "GRAPH ?g { ?s mpr:embodiedCarbon ?c . ?c mpr:lifeCycleModule mod:A1-A3 ; mpr:kgCO2e ?o } "
            "BIND(mpr:kgCO2e AS ?p)",
        ]
        # Measured on a million items: for a few graphs the list goes inside every branch (else Oxigraph
        # evaluates each branch over every graph before joining: 0.8 s for one passport); for hundreds
        # of graphs, outside the UNION (inside, the first build of the index took 3.4x longer).
        if len(graphs) <= FEW_GRAPHS:
            where = " UNION ".join(f"{{ {scope} {branch} }}" for branch in branches)
        else:
            where = scope + " " + " UNION ".join(f"{{ {branch} }}" for branch in branches)
        rows = self.store.select(P + f"SELECT ?g ?s ?p ?o ?u WHERE {{ {where} }}")
        facts: dict[str, _GraphFacts] = defaultdict(_GraphFacts)
        for r in rows:
            facts[r["g"].value].add(r["s"].value if isinstance(r["s"], NamedNode) else str(r["s"]),
                                    r["p"].value, r["o"], r.get("u"))
        return facts


_TOPOLOGY_IRIS = {BOT + "hasStorey", BOT + "hasElement", BOT + "hasSubElement", DCTERMS + "hasPart", MPR + "describes"}
_DIMENSION_IRIS = {MPR + "length": "length", SCHEMA + "width": "width", SCHEMA + "height": "height",
                   SCHEMA + "depth": "depth", MPR + "area": "area"}


class _GraphFacts:
    """Facts of one passport graph, and the nearest-ancestor rule for location, date and condition."""

    def __init__(self) -> None:
        self.parents: dict[str, list[str]] = defaultdict(list)
        self.wkt: dict[str, tuple[float, float]] = {}
        self.available: dict[str, date] = {}
        self.condition: dict[str, str] = {}
        self.count: dict[str, float] = {}
        self.label: dict[str, str] = {}
        self.dims: dict[str, dict[str, float]] = defaultdict(dict)
        self.carbon: dict[str, float] = {}

    def add(self, s: str, p: str, o: Term, unit: Term | None) -> None:
        if p in _TOPOLOGY_IRIS and isinstance(o, NamedNode):
            self.parents[o.value].append(s)
        elif p == GEO + "asWKT" and isinstance(o, Literal):
            point = point_of_wkt(o.value)
            if point is not None:
                self.wkt[s] = point
        elif p == MPR + "availableFrom" and (d := _date(o)) is not None:
            self.available[s] = d
        elif p == MPR + "condition" and isinstance(o, NamedNode):
            self.condition[s] = o.value
        elif p == MPR + "count" and (n := number(o)) is not None:
            self.count[s] = n
        elif p in {RDFS + "label", SCHEMA + "name"} and isinstance(o, Literal):
            self.label.setdefault(s, o.value)
        elif p in _DIMENSION_IRIS and (n := number(o)) is not None:
            name = _DIMENSION_IRIS[p]
            units = AREA_UNITS if name == "area" else LENGTH_UNITS
            self.dims[s][name] = n * units.get(unit.value if isinstance(unit, NamedNode) else "", 1.0)
        elif p == MPR + "kgCO2e" and (n := number(o)) is not None:
            self.carbon[s] = self.carbon.get(s, 0.0) + n

    def nearest(self, start: str, table: dict[str, Any]) -> Any:
        """The value on the node itself, else on the nearest ancestor (breadth first)."""
        seen, layer = {start}, [start]
        while layer:
            for node in layer:
                if node in table:
                    return table[node]
            layer = [p for n in layer for p in self.parents.get(n, ()) if p not in seen]
            seen.update(layer)
        return None

    def apply(self, item: SupplyItem) -> None:
        point = self.nearest(item.part, self.wkt)
        if point is not None:
            item.lon, item.lat = point
        item.available_from = self.nearest(item.part, self.available)
        item.condition = self.nearest(item.part, self.condition)
        item.count = self.count.get(item.part, 1.0)
        item.label = self.label.get(item.part)
        item.dimensions_m = dict(self.dims.get(item.part, {}))
