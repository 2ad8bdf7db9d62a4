"""One part of a passport, measured once: the step the indicators repeat for every part.

A part's figures depend on one another (its compositions fall back to its product type's, its MCI
and carbon follow from those compositions), so they are worked out together here, part by part;
the tallies (tallies.py) only add measurements up. That split keeps each indicator's arithmetic
short enough to check against its method by reading it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyoxigraph import Literal, NamedNode

from registry.indicators import dgbc, mci
from registry.indicators.carbon import Factor, PartCarbon, part_carbon
from registry.indicators.data import (
    CarbonValue,
    Composition,
    GraphData,
    ProductType,
    product_type,
    utility_facts,
)
from registry.indicators.result import PartResult
from registry.namespaces import BOT, DCTERMS, MPR, RDFS
from registry.quantities import number
from registry.store.base import Term, TripleStore

if TYPE_CHECKING:
    from registry.concepts import ConceptScheme

UNKNOWN = "unknown"
ACCESSIBLE_MIN_SCORE = 0.8  # DGBC accessibility classes 'freely accessible' (1.0) and 'with extra actions' (0.8)
PART_LINKS = (BOT + "hasElement", BOT + "hasSubElement", DCTERMS + "hasPart")


def part_list(data: GraphData) -> list[str]:
    """Parts that carry data: leaves of the topology, and any node with compositions or a type.

    A container (an element whose sub-elements hold the data) is not a part of its own, so its
    mass is not counted twice and it does not lower completeness."""
    candidates: set[str] = set(data.elements) | set(data.compositions) | set(data.part_mass)
    for s, facts in data.facts.items():
        if MPR + "instanceOf" in facts or MPR + "connectionType" in facts:
            candidates.add(s)
        for link in PART_LINKS:
            candidates.update(o.value for o in facts.get(link, []) if isinstance(o, NamedNode))
    return sorted(c for c in candidates
                  if c in data.compositions or c in data.part_mass
                  or data.first(c, MPR + "instanceOf") is not None
                  or not data.children(c))


def storeys_of(data: GraphData) -> dict[str, str]:
    """Part -> storey, following bot:hasElement / bot:hasSubElement / dcterms:hasPart downwards."""
    out: dict[str, str] = {}
    for facts in data.facts.values():
        for storey in facts.get(BOT + "hasStorey", []):
            if isinstance(storey, NamedNode):
                for node in data.reachable(storey.value)[1:]:
                    out.setdefault(node, storey.value)
    return out


def container_carbon(data: GraphData, parts: list[str]) -> tuple[set[str], list[CarbonValue]]:
    """Carbon declared on containers (the asset, a storey, an assembly), and the parts it covers.

    Such a declaration covers every part below it; the highest declaring node wins, so nothing is
    counted twice."""
    part_set = set(parts)
    covered: set[str] = set()
    declared: list[CarbonValue] = []
    containers = [h for h in data.carbon if h not in part_set and not data.is_composition(h)]
    for holder in sorted(containers, key=lambda h: -len(data.reachable(h))):
        if holder in covered:
            continue
        covered.update(data.reachable(holder))
        declared.extend(data.carbon[holder])
    return covered, declared


def utility_of(facts: dict[str, float]) -> float:
    """X = (L/L_av)(U/U_av); each ratio is 1 unless both of its values are stated (EMF: X = 1 is average)."""
    lifetime = (facts["expectedLifetime"], facts["industryAverageLifetime"]) \
        if "expectedLifetime" in facts and "industryAverageLifetime" in facts else (1.0, 1.0)
    intensity = (facts["functionalUnits"], facts["industryAverageFunctionalUnits"]) \
        if "functionalUnits" in facts and "industryAverageFunctionalUnits" in facts else (1.0, 1.0)
    return mci.utility(*lifetime, *intensity)


class OnDemand(Mapping[str, float | None]):
    """Quantities worked out only when a figure asks for one: volumes and areas cost a scan of the graph."""

    def __init__(self, work: Callable[[str], float | None], names: tuple[str, ...] = ()) -> None:
        self.work, self.names = work, names

    def __getitem__(self, key: str) -> float | None:
        if self.names and key not in self.names:
            raise KeyError(key)
        return self.work(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


@dataclass
class Detachability:
    """Every connection reversible, and accessible where accessibility is stated (DGBC)."""

    detachable: bool
    connection_score: float
    access_score: float


@dataclass
class DgbcScore:
    """A part's four DGBC factors (the lowest class where several are stated) and its element score."""

    factors: dict[str, float]
    score: float


@dataclass
class MciDefaults:
    """What a part's MCI took from defaults rather than data (docs/methods.md, "MCI defaults")."""

    efficiency_kg: float = 0.0  # mass of compositions whose W_C or W_F used the default E_C or E_F
    renewable_without_evidence_kg: float = 0.0  # renewable input not counted as F_S (no evidence)
    energy_recovery_not_credited_kg: float = 0.0  # sent to energy recovery without evidence or E_E


def mci_defaults(comps: list[Composition]) -> MciDefaults:
    out = MciDefaults()
    for c in comps:
        kg = c.mass_kg or 0.0
        if (c.recyclable and c.eol_efficiency is None) or (c.recycled and c.feedstock_efficiency is None):
            out.efficiency_kg += kg
        if c.renewable and not c.sustained_evidence:
            out.renewable_without_evidence_kg += kg * c.renewable
        if c.energy_recovery and not (c.sustained_evidence and c.energy_efficiency):
            out.energy_recovery_not_credited_kg += kg * c.energy_recovery
    return out


@dataclass
class PartMeasure:
    """Everything the indicators need of one part, after the product-type fallback."""

    iri: str
    label: str | None
    storey: str | None
    product_type: str | None
    compositions: list[Composition]
    source: str  # "passport", "product type" or "none"
    stated: list[tuple[str, float]]  # (material IRI or UNKNOWN, kg) per composition with a mass
    without_mass: int
    flows: mci.Flows
    mci_defaults: MciDefaults
    utility: float
    mci: float | None
    carbon: PartCarbon
    when: Term | None  # the part's mpr:availableFrom, else its asset's
    connections: list[str]
    detachability: Detachability | None  # None: no connection type stated
    dgbc: DgbcScore | None  # None: a factor not stated, or not a concept of its scheme
    layer: str | None  # mpr:shearingLayer concept
    has_material: bool
    has_mass: bool

    @property
    def mass_kg(self) -> float:
        total = 0.0
        for _material, kg in self.stated:
            total += kg
        return total

    @property
    def materials(self) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for material, kg in self.stated:
            out[material] += kg
        return dict(out)

    @property
    def year(self) -> str:
        return self.when.value[:4] if isinstance(self.when, Literal) else UNKNOWN

    @property
    def complete(self) -> bool:
        """Material, mass and connection type known (after product-type fallback)."""
        return self.has_material and self.has_mass and bool(self.connections)

    def result(self) -> PartResult:
        return PartResult(
            iri=self.iri, label=self.label, storey=self.storey, mass_kg=self.mass_kg,
            composition_source=self.source, product_type=self.product_type, mci=self.mci,
            carbon_origin=self.carbon.origin, carbon_kg_co2e=self.carbon.by_module,
            detachable=self.detachability.detachable if self.detachability else None,
            detachability_dgbc=self.dgbc.score if self.dgbc else None,
            available_from=self.when.value if isinstance(self.when, Literal) else None,
            complete=self.complete, mass_by_material=self.materials,
        )


class PartMeasurer:
    """Measures the parts of one passport; product types are read once each and remembered."""

    def __init__(self, store: TripleStore, data: GraphData, cache: dict[str, GraphData], vocab: ConceptScheme,
                 factors: dict[str, list[Factor]], method: mci.Method, covered: set[str],
                 asset_date: Term | None) -> None:
        self.store, self.data, self.cache, self.vocab = store, data, cache, vocab
        self.factors, self.method, self.covered, self.asset_date = factors, method, covered, asset_date
        self.storeys = storeys_of(data)
        self.types: dict[str, ProductType] = {}

    def measure(self, part: str) -> PartMeasure:
        data = self.data
        count = number(data.first(part, MPR + "count")) or 1.0
        type_term = data.first(part, MPR + "instanceOf")
        type_iri = type_term.value if isinstance(type_term, NamedNode) else None
        ptype = self._product_type(type_iri)
        comps, source = self._compositions(part, ptype, count)
        stated = [(c.material if c.material in self.vocab.materials else UNKNOWN, c.mass_kg)
                  for c in comps if c.mass_kg is not None]
        flows = self._flows(part, comps)
        # the part's own statements win over its product type's, fact by fact
        x = utility_of({**(ptype.utility if ptype else {}), **utility_facts(data, part)})
        connections = data.iris(part, MPR + "connectionType")
        label = data.first(part, RDFS + "label")
        return PartMeasure(
            iri=part, label=label.value if label else None, storey=self.storeys.get(part),
            product_type=type_iri, compositions=comps, source=source, stated=stated,
            without_mass=sum(1 for c in comps if c.mass_kg is None), flows=flows, utility=x,
            mci_defaults=mci_defaults(comps),
            mci=mci.product_mci(flows, x) if flows.mass > 0 else None,
            carbon=self._carbon(part, ptype, count, comps),
            when=data.first(part, MPR + "availableFrom") or self.asset_date,
            connections=connections, detachability=self._detachability(part, connections),
            dgbc=self._dgbc(part, connections), layer=next(iter(data.iris(part, MPR + "shearingLayer")), None),
            has_material=bool(comps) and all(c.material in self.vocab.materials for c in comps),
            has_mass=bool(comps) and all(c.mass_kg is not None for c in comps),
        )

    def _product_type(self, type_iri: str | None) -> ProductType | None:
        if not type_iri:
            return None
        if type_iri not in self.types:
            self.types[type_iri] = product_type(self.store, type_iri, self.cache)
        return self.types[type_iri]

    def _compositions(self, part: str, ptype: ProductType | None, count: float) -> tuple[list[Composition], str]:
        """The part's own compositions, else its product type's times mpr:count, else its own mass alone."""
        comps = list(self.data.compositions.get(part, []))
        if comps:
            return comps, "passport"
        if ptype and ptype.compositions:
            return [c.scaled(count, part) for c in ptype.compositions], "product type"
        if part in self.data.part_mass:
            # only the part's own mass is known: counted, as mass of unknown material
            return [Composition(part, part, None, self.data.part_mass[part])], "passport"
        return [], "none"

    def _flows(self, part: str, comps: list[Composition]) -> mci.Flows:
        """Material flows summed over the part's materials (the part's MCI follows from their sum).

        A formula precondition the shapes guard (shares of one mass at most 1) can still be broken by
        data stored before the rule or by a raw update: the error names the composition and the part."""
        flows = mci.ZERO
        for c in comps:
            if c.mass_kg:
                try:
                    biological = mci.Biological(c.renewable or 0.0, c.composted or 0.0, c.energy_recovery or 0.0,
                                                c.sustained_evidence)
                    flows = flows + mci.material_flows(
                        c.mass_kg, c.recycled or 0.0, c.reused or 0.0, biological,
                        c.recyclable or 0.0, c.reusable or 0.0, c.eol_efficiency, c.feedstock_efficiency,
                        c.energy_efficiency)
                except ValueError as exc:
                    raise ValueError(f"composition <{c.node}> of part <{part}>: {exc}") from exc
        return flows

    def _carbon(self, part: str, ptype: ProductType | None, count: float, comps: list[Composition]) -> PartCarbon:
        if part in self.covered:
            return PartCarbon("declared (container)")
        element = OnDemand(lambda kind: self._quantity(kind, part, count, comps), ("mass", "volume", "area", "count"))
        return part_carbon(self.data.carbon_of([part]), ptype.carbon if ptype else None, element, comps,
                           self.factors, OnDemand(self._composition_volume))

    def _composition_volume(self, node: str) -> float | None:
        self.data.read_quantities(self.store)
        return self.data.volume_m3.get(node)

    def _quantity(self, kind: str, part: str, count: float, comps: list[Composition]) -> float | None:
        """What a figure per declared unit is scaled by: the part's mass (its compositions', all stated), volume
        (its own mpr:volume, else its compositions', all stated), area (mpr:area is per item: times mpr:count)
        or count. Mass and volume are totals for all items, as mpr:count defines."""
        if kind == "count":
            return count
        if kind == "mass":
            return sum(c.mass_kg or 0.0 for c in comps) if comps and all(c.mass_kg is not None for c in comps) \
                else None
        data = self.data
        data.read_quantities(self.store)
        if kind == "area":
            area = data.area_m2.get(part)
            return area * count if area is not None else None
        own = data.compositions.get(part, [])
        volume = data.volume_m3.get(part)
        if volume is None and own and all(c.node in data.volume_m3 for c in own):
            volume = sum(data.volume_m3[c.node] for c in own)
        return volume

    def _dgbc(self, part: str, connections: list[str]) -> DgbcScore | None:
        """Each connection type with the part's accessibility, crossings and form containment (dgbc.py).

        Several values of one of those three: the lowest class counts (the weakest link)."""
        vocab = self.vocab
        others: dict[str, float] = {}
        for name, prop in (("accessibility", "connectionAccessibility"), ("crossings", "crossings"),
                           ("form_containment", "formContainment")):
            values = [vocab.inherited(vocab.detachability, c) for c in self.data.iris(part, MPR + prop)]
            if not values or None in values:
                return None
            others[name] = min(v for v in values if v is not None)
        types = [vocab.inherited(vocab.detachability, c) for c in connections]
        if not types or None in types:
            return None
        scores = [dgbc.connection_score([t, others["accessibility"], others["crossings"], others["form_containment"]])
                  for t in types if t is not None]
        return DgbcScore({"connection_type": min(t for t in types if t is not None), **others},
                         dgbc.element_score(scores))

    def _detachability(self, part: str, connections: list[str]) -> Detachability | None:
        if not connections:
            return None
        vocab = self.vocab
        access = self.data.iris(part, MPR + "connectionAccessibility")
        reversible = all(vocab.inherited(vocab.reversible, c) is True for c in connections)
        access_score = min((vocab.inherited(vocab.detachability, a) or 0.0 for a in access), default=1.0)
        return Detachability(
            detachable=reversible and access_score >= ACCESSIBLE_MIN_SCORE,
            connection_score=min(vocab.inherited(vocab.detachability, c) or 0.0 for c in connections),
            access_score=access_score,
        )
