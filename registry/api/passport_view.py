"""What the passport page shows, read off the passport's triples: the parts tree, hazardous substances,
product fields, and figures in units that fit their size.

Why apart from pages.py: the page needs the topology as a reader sees it (storeys, elements, what each
is made of), not as statements; this module turns one into the other, bounded so that odd stored data
(cycles, very deep nesting, huge lists) cannot make the page slow or fail.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode, Triple

from registry.namespaces import BOT, DCTERMS, QUDT, RDFS, SCHEMA, mpr
from registry.quantities import MASS_UNITS, number

LABELS = [NamedNode(SCHEMA + "name"), NamedNode(RDFS + "label"), NamedNode(DCTERMS + "title")]
HAS_STOREY = NamedNode(BOT + "hasStorey")
PART_LINKS = [NamedNode(BOT + "hasSubElement"), NamedNode(DCTERMS + "hasPart"), NamedNode(BOT + "hasElement")]
NUMERIC_VALUE = NamedNode(QUDT + "numericValue")
UNIT_OF = NamedNode(QUDT + "unit")
MAX_DEPTH = 8  # storeys, elements and sub-elements deeper than this are not drawn
MAX_NODES = 2000  # parts drawn on one page; a larger passport says how many were left out

# EN 15804:2012+A2:2019, 6.2 (Figure 1): the modules of the life cycle in their standard order.
MODULE_ORDER = ["A1-A3", "A1", "A2", "A3", "A4", "A5", "B1", "B2", "B3", "B4", "B5", "B6", "B7",
                "C1-C4", "C1", "C2", "C3", "C4", "D"]
# Names an IFC authoring tool leaves in IfcProject when nobody named the project.
PLACEHOLDER_TITLES = {"ifcproject", "project", "default", "default project", "unnamed", "untitled", "projectnumber"}


class Labeller:
    """Concept labels for the page (the materials and connections schemes)."""

    def __init__(self, label: Callable[[str], str]) -> None:
        self.label = label

    def __call__(self, term: object) -> str | None:
        if isinstance(term, NamedNode):
            found = self.label(term.value)
            return found if found != term.value else term.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
        return None


def mass_text(kg: float | None) -> str:
    """A mass in the unit that fits it: kg below a tonne (a 12.4 kg chair), t above; never split on a line."""
    if kg is None:
        return ""
    if abs(kg) < 1:
        return f"{kg:.3g}\u00a0kg"
    if abs(kg) < 1000:
        return f"{kg:,.1f}\u00a0kg"
    return f"{kg / 1000:,.1f}\u00a0t"


def module_key(module: str) -> tuple[int, str]:
    """Sort key for EN 15804 module names; unknown names come last, alphabetically."""
    return (MODULE_ORDER.index(module), "") if module in MODULE_ORDER else (len(MODULE_ORDER), module)


def ordered_modules(by_module: dict[str, float]) -> list[tuple[str, float]]:
    return sorted(by_module.items(), key=lambda kv: module_key(kv[0]))


@dataclass
class Graph:
    """Just enough lookups over a passport's triples to describe it in words."""

    triples: Sequence[Triple]
    by_subject: dict[object, list[Triple]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self) -> None:
        for t in self.triples:
            self.by_subject[t.subject].append(t)

    def values(self, subject: object, predicate: NamedNode) -> list[object]:
        return [t.object for t in self.by_subject.get(subject, []) if t.predicate == predicate]

    def first(self, subject: object, predicate: NamedNode) -> object | None:
        found = self.values(subject, predicate)
        return found[0] if found else None

    def text(self, subject: object, *predicates: NamedNode, lang: str = "en") -> str | None:
        for predicate in predicates:
            found = [v for v in self.values(subject, predicate) if isinstance(v, Literal)]
            preferred = [v for v in found if v.language == lang] or found
            if preferred:
                return preferred[0].value
        return None

    def mass_kg(self, subject: object) -> float | None:
        """The stated mass (qudt:numericValue in a known mass unit), in kg."""
        quantity = self.first(subject, mpr("mass"))
        value = number(self.first(quantity, NUMERIC_VALUE)) if quantity is not None else None
        unit = self.first(quantity, UNIT_OF)
        factor = MASS_UNITS.get(unit.value) if isinstance(unit, NamedNode) else None
        return value * factor if value is not None and factor is not None else None


@dataclass
class Hazard:
    part: str
    substance: str
    cas: str | None
    ec: str | None
    concentration: float | None
    ewc: str | None


@dataclass
class Composition:
    material: str
    mass: str
    hazards: list[str]


@dataclass
class Part:
    label: str
    kind: str  # "storey", "element", "part"
    mass: str = ""
    count: str = ""
    connection: str = ""
    available_from: str = ""
    compositions: list[Composition] = field(default_factory=list)
    children: list[Part] = field(default_factory=list)


@dataclass
class Tree:
    roots: list[Part]
    drawn: int
    left_out: int


class _TreeBuilder:
    def __init__(self, graph: Graph, labels: Labeller, part_mass: dict[str, float], hazards: list[Hazard]) -> None:
        self.graph, self.labels, self.part_mass, self.hazards = graph, labels, part_mass, hazards
        self.seen: set[object] = set()
        self.left_out = 0

    def name(self, node: object) -> str:
        return self.graph.text(node, *LABELS) or short_iri(node)

    def part(self, node: object, kind: str, depth: int) -> Part | None:
        if node in self.seen or len(self.seen) >= MAX_NODES or depth > MAX_DEPTH:
            self.left_out += node not in self.seen
            return None
        self.seen.add(node)
        g = self.graph
        mass = self.part_mass.get(node.value) if isinstance(node, NamedNode) else None
        if mass is None:  # a large passport (no per-part figures): the masses its compositions state
            stated = [g.mass_kg(c) for c in g.values(node, mpr("composedOf"))]
            mass = sum(m for m in stated if m is not None) if any(m is not None for m in stated) else None
        count = number(g.first(node, mpr("count")))
        available = g.first(node, mpr("availableFrom"))
        found = Part(
            label=self.name(node), kind=kind, mass=mass_text(mass),
            count=f"{count:g}" if count is not None else "",
            connection=self.labels(g.first(node, mpr("connectionType"))) or "",
            available_from=available.value if isinstance(available, Literal) else "",
            compositions=[self.composition(node, c) for c in g.values(node, mpr("composedOf"))],
        )
        links = PART_LINKS
        for link in links:
            for child in sorted(g.values(node, link), key=str):
                built = self.part(child, "element" if kind == "storey" else "part", depth + 1)
                if built:
                    found.children.append(built)
        return found

    def composition(self, part: object, node: object) -> Composition:
        g = self.graph
        material = self.labels(g.first(node, mpr("material"))) or "unknown material"
        names = []
        for substance in g.values(node, mpr("hazardousSubstance")):
            hazard = Hazard(
                part=self.name(part), substance=g.text(substance, *LABELS) or "unnamed substance",
                cas=g.text(substance, mpr("casNumber")), ec=g.text(substance, mpr("ecNumber")),
                concentration=number(g.first(substance, mpr("concentration"))), ewc=g.text(node, mpr("ewcCode")),
            )
            self.hazards.append(hazard)
            names.append(hazard.substance)
        return Composition(material=material, mass=mass_text(g.mass_kg(node)), hazards=names)


def parts_tree(
    graph: Graph, asset: object, labels: Labeller, part_mass: dict[str, float]
) -> tuple[Tree, list[Hazard]]:
    """Storeys -> elements -> sub-elements (buildings), or parts (products), each with what it is made of.

    `part_mass` is the mass the indicators computed per part IRI (with product-type fallback and units
    converted), so the tree agrees with the figures above it.
    """
    hazards: list[Hazard] = []
    builder = _TreeBuilder(graph, labels, part_mass, hazards)
    builder.seen.add(asset)
    roots = []
    for storey in sorted(graph.values(asset, HAS_STOREY), key=str):
        roots.append(builder.part(storey, "storey", 1))
    loose = [builder.part(p, "element", 1) for link in PART_LINKS for p in sorted(graph.values(asset, link), key=str)]
    if any(loose) and roots:
        roots.append(Part(label="not on a storey", kind="storey", children=[p for p in loose if p]))
    else:
        roots.extend(loose)
    # Hazards stated on compositions of parts outside the tree are still listed.
    for t in graph.triples:
        if t.predicate == mpr("composedOf") and t.subject not in builder.seen:
            builder.composition(t.subject, t.object)
    return Tree([r for r in roots if r], len(builder.seen) - 1, builder.left_out), hazards


def short_iri(term: object) -> str:
    return term.value.rsplit("#", 1)[-1].rsplit("/", 1)[-1] if isinstance(term, NamedNode) else "(unnamed)"


def product_fields(graph: Graph, asset: object) -> list[tuple[str, str]]:
    """GTIN, manufacturer, model and the like, for product passports (schema.org Product)."""
    fields = []
    for name, prop in (("GTIN", "gtin"), ("GTIN-13", "gtin13"), ("GTIN-14", "gtin14"), ("model", "model"),
                       ("manufacturer part number", "mpn"), ("brand", "brand"), ("category", "category"),
                       ("SKU", "sku")):
        for value in graph.values(asset, NamedNode(SCHEMA + prop)):
            shown = value.value if isinstance(value, Literal) else graph.text(value, *LABELS)
            if shown:
                fields.append((name, shown))
    for maker in graph.values(asset, NamedNode(SCHEMA + "manufacturer")):
        maker_name = maker.value if isinstance(maker, Literal) else graph.text(maker, *LABELS)
        fields.append(("manufacturer", maker_name or short_iri(maker)))
    return fields


def page_title(title: str | None, asset_name: str | None, site_name: str | None, fallback: str) -> str:
    """The passport's title, unless it is a placeholder an IFC tool left (then the building or site name)."""
    if title and re.sub(r"\s+", " ", title.strip()).casefold() not in PLACEHOLDER_TITLES:
        return title
    return asset_name or site_name or title or fallback
