"""Gathering a passport's compositions, connections and carbon from the store with a few SPARQL queries.

Why a handful of whole-graph queries instead of walking the topology node by node: indicators run on
buildings of 100k elements, and one SELECT per property family over one named graph costs a single
scan, so the indicator stays within a small factor of a plain SPARQL aggregate over the same masses.

The passport's own content graph is read first; every product type an element points to with
mpr:instanceOf is then read from the referenced passport's content graph (the type IRI without its
fragment, e.g. <{base}/passports/ergo-chair#product> lives in graph <{base}/passports/ergo-chair>).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from pyoxigraph import NamedNode

from registry.namespaces import BOT, DCTERMS, MPR, sparql_prefixes
from registry.quantities import AREA_UNITS, DECLARED_UNITS, MASS_UNITS, VOLUME_UNITS, declared_quantity, number
from registry.store.base import Row, Term, TripleStore

PREFIXES = sparql_prefixes()


COMPOSITIONS = PREFIXES + """
SELECT ?g ?part ?comp ?material ?mv ?mu ?fr ?fu ?fs ?cr ?cu ?ec ?ef ?cc ?bc ?ee ?evidence WHERE { GRAPH ?g {
  ?part mpr:composedOf ?comp .
  OPTIONAL { ?comp mpr:material ?material }
  OPTIONAL { ?comp mpr:mass ?m . ?m qudt:numericValue ?mv . OPTIONAL { ?m qudt:unit ?mu } }
  OPTIONAL { ?comp mpr:recycledContent ?fr }
  OPTIONAL { ?comp mpr:reusedContent ?fu }
  OPTIONAL { ?comp mpr:renewableContent ?fs }
  OPTIONAL { ?comp mpr:recyclableAtEndOfLife ?cr }
  OPTIONAL { ?comp mpr:reusableAtEndOfLife ?cu }
  OPTIONAL { ?comp mpr:recyclingEfficiency ?ec }
  OPTIONAL { ?comp mpr:feedstockRecyclingEfficiency ?ef }
  OPTIONAL { ?comp mpr:compostedAtEndOfLife ?cc }
  OPTIONAL { ?comp mpr:energyRecoveryAtEndOfLife ?bc }
  OPTIONAL { ?comp mpr:energyRecoveryEfficiency ?ee }
  OPTIONAL { ?comp mpr:sustainedProductionEvidence ?evidence }
} }"""

# Single- and multi-valued facts about parts and the topology, in one scan of the graph.
FACTS = PREFIXES + """
SELECT ?g ?s ?p ?o WHERE { GRAPH ?g {
  VALUES ?p { rdfs:label mpr:connectionType mpr:connectionAccessibility mpr:instanceOf mpr:count
              mpr:expectedLifetime mpr:industryAverageLifetime mpr:functionalUnits
              mpr:industryAverageFunctionalUnits mpr:availableFrom bot:hasStorey bot:hasElement bot:hasSubElement
              dcterms:hasPart mpr:describes mpr:crossings mpr:formContainment mpr:shearingLayer }
  ?s ?p ?o .
} }"""

# A mass stated on a part itself (not on a composition): material unknown unless compositions say more.
# MINUS, not FILTER NOT EXISTS: one anti-join instead of a lookup per mass (~30 % faster at 10k elements).
PART_MASS = PREFIXES + """
SELECT ?g ?part ?mv ?mu WHERE { GRAPH ?g {
  ?part mpr:mass ?m . ?m qudt:numericValue ?mv . OPTIONAL { ?m qudt:unit ?mu }
  MINUS { ?holder mpr:composedOf ?part }
} }"""

ELEMENTS = PREFIXES + "SELECT ?g ?s WHERE { GRAPH ?g { ?s a bot:Element } }"

CARBON = PREFIXES + """
SELECT ?g ?holder ?module ?kg ?source ?version ?indicator ?du ?dqv ?dqu WHERE { GRAPH ?g {
  ?holder mpr:embodiedCarbon ?n .
  ?n mpr:lifeCycleModule ?module ; mpr:kgCO2e ?kg .
  OPTIONAL { ?n dcterms:source ?source }
  OPTIONAL { ?n mpr:en15804Version ?version }
  OPTIONAL { ?n mpr:gwpIndicator ?indicator }
  OPTIONAL { ?n mpr:declaredUnit ?du }
  OPTIONAL { ?n mpr:declaredQuantity ?dq . ?dq qudt:numericValue ?dqv ; qudt:unit ?dqu }
} }"""

# Volumes and areas of parts and compositions: what a figure declared per m3 or m2 is scaled by.
QUANTITIES = PREFIXES + """
SELECT ?g ?s ?p ?v ?u WHERE { GRAPH ?g {
  VALUES ?p { mpr:volume mpr:area }
  ?s ?p ?q . ?q qudt:numericValue ?v . OPTIONAL { ?q qudt:unit ?u }
} }"""

PART_LINKS = (BOT + "hasStorey", BOT + "hasElement", BOT + "hasSubElement", DCTERMS + "hasPart")


@dataclass(frozen=True)
class Composition:
    """One material of one part, as stated (mass in kg, None when missing or in an unknown unit)."""

    node: str
    part: str
    material: str | None
    mass_kg: float | None
    recycled: float | None = None
    reused: float | None = None
    renewable: float | None = None
    recyclable: float | None = None
    reusable: float | None = None
    eol_efficiency: float | None = None  # E_C
    feedstock_efficiency: float | None = None  # E_F
    composted: float | None = None  # C_C
    energy_recovery: float | None = None  # B_C
    energy_efficiency: float | None = None  # E_E
    sustained_evidence: bool = False  # mpr:sustainedProductionEvidence stated

    def scaled(self, factor: float, part: str) -> Composition:
        """The same composition for `factor` items of a product type, attributed to `part`."""
        mass = self.mass_kg * factor if self.mass_kg is not None else None
        return replace(self, part=part, mass_kg=mass)


UNSTATED = "unstated"
# Local names of the concepts of ontology/carbon.ttl -> their notation, for keys a reader can check.
VERSIONS = {"A1": "EN 15804+A1", "A2": "EN 15804+A2"}
INDICATORS = {"a1": "GWP", "total": "GWP-total", "fossil": "GWP-fossil", "biogenic": "GWP-biogenic",
              "luluc": "GWP-luluc"}


#: EN 15804+A2 splits GWP-total into these three; they are parts of it, never added to it.
GWP_PARTS = ("GWP-fossil", "GWP-biogenic", "GWP-luluc")


def counts_in_total(basis: str) -> bool:
    """Whether a value of this basis is a headline figure (GWP-total, +A1 GWP, or unstated) rather than one of
    the parts GWP-total is made of: adding GWP-fossil to GWP-total would count the same carbon twice."""
    return not basis.endswith(GWP_PARTS)


def carbon_basis(version: str | None, indicator: str | None) -> str:
    """'EN 15804+A2 GWP-total', or 'unstated' parts: values are only ever added within one basis."""
    v = VERSIONS.get(module_code(version), version) if version else f"EN 15804 {UNSTATED}"
    i = INDICATORS.get(module_code(indicator), indicator) if indicator else f"GWP indicator {UNSTATED}"
    return f"{v} {i}"


@dataclass(frozen=True)
class CarbonValue:
    holder: str
    module: str
    kg: float
    source: str | None
    basis: str = carbon_basis(None, None)
    # What the value is declared for: (amount, QUDT unit of registry.quantities.DECLARED_UNITS), from
    # mpr:declaredQuantity or else the mpr:declaredUnit text; None with `declared_unit` set: a unit no
    # quantity of an element can scale; both None: per item (a product type's figure times mpr:count).
    per: tuple[float, str] | None = None
    declared_unit: str | None = None


@dataclass
class GraphData:
    """Everything the indicators read from one named graph, indexed by subject."""

    graph: str
    compositions: dict[str, list[Composition]] = field(default_factory=lambda: defaultdict(list))
    facts: dict[str, dict[str, list[Term]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    elements: set[str] = field(default_factory=set)
    carbon: dict[str, list[CarbonValue]] = field(default_factory=lambda: defaultdict(list))
    part_mass: dict[str, float | None] = field(default_factory=dict)
    composition_nodes: set[str] = field(default_factory=set)
    volume_m3: dict[str, float] = field(default_factory=dict)  # of parts and compositions, where stated
    area_m2: dict[str, float] = field(default_factory=dict)  # both filled by read_quantities
    quantities_read: bool = False

    @property
    def empty(self) -> bool:
        return not (self.compositions or self.facts or self.elements or self.carbon or self.part_mass)

    def read_quantities(self, store: TripleStore) -> None:
        """Volumes and areas, read at the first figure that needs them: one more scan of the graph (~15 % of
        read_graph at 5,000 elements) that figures per kg or per item, the reference set's, never need."""
        if not self.quantities_read:
            self.quantities_read = True
            _read_quantities(store, {"g": NamedNode(self.graph)}, self)

    def is_composition(self, node: str) -> bool:
        return node in self.composition_nodes

    def first(self, subject: str, predicate: str) -> Term | None:
        values = self.facts.get(subject, {}).get(predicate)
        return values[0] if values else None

    def iris(self, subject: str, predicate: str) -> list[str]:
        return [t.value for t in self.facts.get(subject, {}).get(predicate, []) if isinstance(t, NamedNode)]

    def children(self, subject: str) -> list[str]:
        return [c for link in PART_LINKS for c in self.iris(subject, link)]

    def reachable(self, root: str) -> list[str]:
        """The root and every part below it through the part links, each once."""
        seen, todo = [root], [root]
        known = {root}
        while todo:
            for child in self.children(todo.pop()):
                if child not in known:
                    known.add(child)
                    seen.append(child)
                    todo.append(child)
        return seen

    def carbon_of(self, subjects: Iterable[str]) -> list[CarbonValue]:
        """Carbon declared on these subjects or on their compositions."""
        found: list[CarbonValue] = []
        for s in subjects:
            found.extend(self.carbon.get(s, []))
            for comp in self.compositions.get(s, []):
                found.extend(self.carbon.get(comp.node, []))
        return found


def _kg(row: Row) -> float | None:
    mass = number(row.get("mv"))
    unit = row.get("mu")
    factor = MASS_UNITS.get(unit.value) if isinstance(unit, NamedNode) else None
    return mass * factor if mass is not None and factor is not None else None


def _composition(row: Row) -> Composition:
    material = row.get("material")
    return Composition(
        node=row["comp"].value,
        part=row["part"].value,
        material=material.value if isinstance(material, NamedNode) else None,
        mass_kg=_kg(row),
        recycled=number(row.get("fr")),
        reused=number(row.get("fu")),
        renewable=number(row.get("fs")),
        recyclable=number(row.get("cr")),
        reusable=number(row.get("cu")),
        eol_efficiency=number(row.get("ec")),
        feedstock_efficiency=number(row.get("ef")),
        composted=number(row.get("cc")),
        energy_recovery=number(row.get("bc")),
        energy_efficiency=number(row.get("ee")),
        sustained_evidence="evidence" in row,
    )


def read_graph(store: TripleStore, graph: str) -> GraphData:
    """Read compositions, facts, elements and declared carbon of one named graph (five queries; volumes and
    areas later, if needed: GraphData.read_quantities)."""
    g = {"g": NamedNode(graph)}
    data = GraphData(graph)
    seen: set[str] = set()
    for row in store.select(COMPOSITIONS, g):
        comp = _composition(row)
        if comp.node not in seen:  # a malformed passport may repeat a functional property: count once
            seen.add(comp.node)
            data.compositions[comp.part].append(comp)
    data.composition_nodes = seen
    for row in store.select(FACTS, g):
        data.facts[row["s"].value][row["p"].value].append(row["o"])
    for row in store.select(PART_MASS, g):
        data.part_mass[row["part"].value] = _kg(row)
    data.elements = {row["s"].value for row in store.select(ELEMENTS, g)}
    for row in store.select(CARBON, g):
        kg = number(row.get("kg"))
        module = row["module"]
        if kg is None or not isinstance(module, NamedNode):
            continue
        source, version, indicator = row.get("source"), row.get("version"), row.get("indicator")
        basis = carbon_basis(version.value if version else None, indicator.value if indicator else None)
        text = row.get("du")
        data.carbon[row["holder"].value].append(
            CarbonValue(row["holder"].value, module_code(module.value), kg, source.value if source else None, basis,
                        _declared(row), text.value if text else None))
    return data


def _declared(row: Row) -> tuple[float, str] | None:
    """The declared quantity of a carbon value: its QUDT quantity, else its declared-unit text read."""
    amount, unit, text = number(row.get("dqv")), row.get("dqu"), row.get("du")
    if amount is not None and amount > 0 and isinstance(unit, NamedNode) and unit.value in DECLARED_UNITS:
        return amount, unit.value
    if "dqv" in row:  # a QUDT quantity in a unit nothing scales by: never guessed from the text instead
        return None
    return declared_quantity(text.value) if text is not None else None


def _read_quantities(store: TripleStore, g: dict[str, NamedNode], data: GraphData) -> None:
    units = {MPR + "volume": (VOLUME_UNITS, data.volume_m3), MPR + "area": (AREA_UNITS, data.area_m2)}
    for row in store.select(QUANTITIES, g):
        table, into = units[row["p"].value]
        value, unit = number(row.get("v")), row.get("u")
        factor = table.get(unit.value) if isinstance(unit, NamedNode) else None
        if value is not None and factor is not None and value >= 0:
            into[row["s"].value] = value * factor


def module_code(iri: str) -> str:
    """EN 15804 module code from a concept IRI of the modules scheme (its local name is the notation)."""
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def graph_of(iri: str) -> str:
    """The content graph of a passport-local IRI: the IRI without its fragment."""
    return iri.split("#", 1)[0]


@dataclass
class ProductType:
    """A product type's own data, per single item, read from its passport's graph."""

    iri: str
    found: bool
    compositions: list[Composition]
    carbon: list[CarbonValue]
    utility: dict[str, float]  # the type's own L, L_av, U, U_av (UTILITY_FACTS), where stated


# The four inputs of the MCI utility X = (L/L_av)(U/U_av), as stated on a part or its product type.
UTILITY_FACTS = ("expectedLifetime", "industryAverageLifetime", "functionalUnits", "industryAverageFunctionalUnits")


def utility_facts(data: GraphData, subject: str) -> dict[str, float]:
    """Positive values only: shapes refuse others, and data written around them must not break the MCI."""
    return {name: value for name in UTILITY_FACTS
            if (value := number(data.first(subject, MPR + name))) is not None and value > 0}


def product_type(store: TripleStore, iri: str, cache: dict[str, GraphData]) -> ProductType:
    graph = graph_of(iri)
    if graph not in cache:
        cache[graph] = read_graph(store, graph)
    data = cache[graph]
    nodes = data.reachable(iri)
    found = any(n in data.compositions or n in data.facts or n in data.carbon for n in nodes)
    comps = [c for n in nodes for c in data.compositions.get(n, [])]
    return ProductType(iri, found, comps, data.carbon_of(nodes), utility_facts(data, iri))
