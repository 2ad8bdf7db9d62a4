"""Running totals over measured parts, one small tally per indicator family.

Each tally adds one PartMeasure at a time, in part order (float sums are order-sensitive, and stored
summaries must match a fresh computation to the digit), and then states its figures.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from registry.indicators import dgbc
from registry.indicators.carbon import Factor
from registry.indicators.data import CarbonValue, counts_in_total
from registry.indicators.mci import (
    DEFAULT_EFFICIENCY,
    DEFAULT_EFFICIENCY_NOTE,
    DEFAULT_ENERGY_EFFICIENCY,
    mass_weighted,
)
from registry.indicators.parts import UNKNOWN, PartMeasure
from registry.indicators.result import MaterialMass

if TYPE_CHECKING:
    from registry.concepts import ConceptScheme


def _share(part: float, total: float) -> float | None:
    return part / total if total > 0 else None


@dataclass
class MassTally:
    """Mass by material (as stated and rolled up the scheme), by source, storey and year."""

    own: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    unknown: float = 0.0
    without_mass: int = 0
    by_source: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    by_storey: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    by_year_material: dict[str, dict[str, float]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(float)))

    def add(self, m: PartMeasure) -> None:
        self.without_mass += m.without_mass
        for material, kg in m.stated:
            if material == UNKNOWN:
                self.unknown += kg
            else:
                self.own[material] += kg
        mass = m.mass_kg
        if m.source != "none":
            self.by_source[m.source] += mass
        self.by_storey[m.storey or "(no storey)"] += mass
        for material, kg in m.materials.items():
            self.by_year_material[m.year][material] += kg

    @property
    def total(self) -> float:
        return sum(self.own.values()) + self.unknown

    def by_material(self, vocab: ConceptScheme) -> list[MaterialMass]:
        """Each material's mass including its narrower materials', heaviest first."""
        rolled: dict[str, float] = defaultdict(float)
        for material, kg in self.own.items():
            for concept in vocab.lineage(material):
                rolled[concept] += kg
        return sorted(
            (MaterialMass(m, vocab.labels.get(m, m), vocab.broader.get(m), kg, self.own.get(m, 0.0))
             for m, kg in rolled.items()),
            key=lambda x: (-x.mass_kg, x.material),
        )

    def by_year_and_material(self) -> dict[str, dict[str, float]]:
        return {y: dict(m) for y, m in sorted(self.by_year_material.items())}


@dataclass
class CarbonTally:
    """Embodied carbon by EN 15804 module and by origin (declared, product type, reference)."""

    by_module: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    by_origin: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    uncovered: float = 0.0
    factors_used: dict[tuple[str, str, str], Factor] = field(default_factory=dict)
    not_computable: list[dict[str, str]] = field(default_factory=list)  # part, module, basis, source, reason
    by_basis: dict[str, dict[str, float]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(float)))
    sources: set[tuple[str, str]] = field(default_factory=set)

    def add_declared(self, values: list[CarbonValue]) -> None:
        """Carbon declared on containers: counted once, before any part."""
        for v in values:
            if counts_in_total(v.basis):  # GWP-fossil, -biogenic, -luluc are parts of GWP-total
                self.by_module[v.module] += v.kg
                self.by_origin["declared"] += v.kg
            self.by_basis[v.basis][v.module] += v.kg
            self.sources.add((v.basis, v.source or "source not stated"))

    def add(self, m: PartMeasure) -> None:
        for module, kg in m.carbon.by_module.items():
            self.by_module[module] += kg
            self.by_origin[m.carbon.origin] += kg
        for basis, modules in m.carbon.by_basis.items():
            for module, kg in modules.items():
                self.by_basis[basis][module] += kg
        self.sources |= m.carbon.sources
        self.uncovered += m.carbon.uncovered_mass_kg
        for f in m.carbon.factors_used:
            self.factors_used[(f.material, f.module, f.basis)] = f
        self.not_computable.extend({"part": m.iri, **entry} for entry in m.carbon.not_computable)

    def reference_factors(self) -> list[dict[str, object]]:
        """Each factor a figure was computed with: value per declared unit, data set, source, licence and set."""
        return [f.as_dict() for f in self.factors_used.values()]

    def bases(self) -> dict[str, dict[str, float]]:
        """kg CO2e by module within each (EN 15804 edition, GWP indicator): the sums that add like with like."""
        return {b: dict(sorted(m.items())) for b, m in sorted(self.by_basis.items())}

    def sources_by_basis(self) -> dict[str, list[str]]:
        """The sources (dcterms:source, or the reference data set) of the values each basis summed."""
        out: dict[str, list[str]] = defaultdict(list)
        for basis, source in sorted(self.sources):
            out[basis].append(source)
        return dict(out)


@dataclass
class MciTally:
    """Part MCIs with their masses, for the mass-weighted mean."""

    pairs: list[tuple[float, float]] = field(default_factory=list)
    parts_with_utility: int = 0
    default_efficiency_kg: float = 0.0
    renewable_without_evidence_kg: float = 0.0
    energy_recovery_not_credited_kg: float = 0.0

    def add(self, m: PartMeasure) -> None:
        if m.utility != 1.0:
            self.parts_with_utility += 1
        if m.mci is not None:
            self.pairs.append((m.flows.mass, m.mci))
            self.default_efficiency_kg += m.mci_defaults.efficiency_kg
            self.renewable_without_evidence_kg += m.mci_defaults.renewable_without_evidence_kg
            self.energy_recovery_not_credited_kg += m.mci_defaults.energy_recovery_not_credited_kg

    @property
    def mci(self) -> float | None:
        return mass_weighted(self.pairs)

    @property
    def mass_kg(self) -> float:
        return sum(m for m, _ in self.pairs)

    def assumptions(self) -> dict[str, object]:
        """What the MCI figures are and what they assumed, for the report (docs/methods.md, "MCI")."""
        return {
            "method": "Ellen MacArthur Foundation Material Circularity Indicator, methodology 2015 as revised in 2019",
            "part_mci": "product level: each part's MCI from the sum of its materials' flows",
            "building_mci": "aggregate: mass-weighted mean of the parts' product-level MCIs, "
                            "sum(M_i MCI_i) / sum(M_i); not the MCI of the building as one product",
            "efficiency_eol_E_C_default": DEFAULT_EFFICIENCY, "efficiency_feedstock_E_F_default": DEFAULT_EFFICIENCY,
            "efficiency_energy_E_E_default": DEFAULT_ENERGY_EFFICIENCY,
            "efficiency_defaults_source": DEFAULT_EFFICIENCY_NOTE,
            "mass_kg_with_default_efficiency": self.default_efficiency_kg,
            "mci_is_upper_bound": self.default_efficiency_kg > 0,
            "sustained_production_F_S": "renewable content counts as F_S only with mpr:sustainedProductionEvidence; "
                                        "composting (C_C) and energy recovery (C_E = E_E B_C) only for such material",
            "renewable_kg_without_evidence": self.renewable_without_evidence_kg,
            "energy_recovery_kg_not_credited": self.energy_recovery_not_credited_kg,
            "utility_X": "per part (L/L_av)(U/U_av) from mpr:expectedLifetime, mpr:industryAverageLifetime, "
                         "mpr:functionalUnits, mpr:industryAverageFunctionalUnits (the part's, else its product "
                         "type's); a ratio without both of its values counts as 1",
            "parts_with_utility_other_than_1": self.parts_with_utility,
            "F_X": "0.9 / X per part",
            "missing_fractions": "taken as 0 (no recycled/reused/renewable input, nothing collected)",
        }


@dataclass
class DetachabilityTally:
    """The registry's two-factor figures (not the DGBC method, see DgbcTally): mass whose connections are all
    reversible and accessible, the mass-weighted product of connection-type and accessibility scores
    ("type x access index", reported as detachability_index for compatibility), reuse potential by year."""

    detachable: float = 0.0
    connected: float = 0.0
    index_sum: float = 0.0
    reuse: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def add(self, m: PartMeasure) -> None:
        d = m.detachability
        if d is None:
            return
        mass = m.mass_kg
        self.connected += mass
        self.index_sum += mass * d.connection_score * d.access_score
        if d.detachable:
            self.detachable += mass
            self.reuse[m.year] += mass

    @property
    def index(self) -> float | None:
        return _share(self.index_sum, self.connected)

    def reuse_by_year(self) -> dict[str, float]:
        return dict(sorted(self.reuse.items()))


UNASSIGNED = "unassigned"


@dataclass
class DgbcTally:
    """DGBC element scores with their masses, per Brand layer (mpr:shearingLayer, else "unassigned")."""

    by_layer: dict[str, list[tuple[float, float]]] = field(default_factory=lambda: defaultdict(list))
    connected_not_scored: int = 0

    def add(self, m: PartMeasure) -> None:
        if m.dgbc is not None:
            self.by_layer[m.layer or UNASSIGNED].append((m.mass_kg, m.dgbc.score))
        elif m.connections:
            self.connected_not_scored += 1

    def summary(self, vocab: ConceptScheme) -> dict[str, object]:
        everything = [pair for pairs in self.by_layer.values() for pair in pairs]
        return {
            "method": dgbc.METHOD,
            "formula": "connection 4/(1/TV + 1/TO + 1/DK + 1/VV); element: lowest of its connections; "
                       "layer and building: weighted mean of element scores",
            "weighting": dgbc.WEIGHTING,
            "building": mass_weighted(everything),
            "by_layer": {layer: {"label": vocab.labels.get(layer, layer), "score": mass_weighted(pairs),
                                 "mass_kg": sum(m for m, _ in pairs), "elements": len(pairs)}
                         for layer, pairs in sorted(self.by_layer.items())},
            "elements_scored": len(everything),
            "elements_not_scored": self.connected_not_scored,
            "not_scored_because": "a part with a connection type is scored only when its accessibility, crossings "
                                  "and form containment are stated too (mpr:connectionAccessibility, mpr:crossings, "
                                  "mpr:formContainment), each a concept of its scheme",
        }


@dataclass
class CompletenessTally:
    """How many parts state material, mass and connection type."""

    parts: int = 0
    complete: int = 0
    with_material: int = 0
    with_mass: int = 0
    with_connection: int = 0

    def add(self, m: PartMeasure) -> None:
        self.parts += 1
        self.complete += m.complete
        self.with_material += m.has_material
        self.with_mass += m.has_mass
        self.with_connection += bool(m.connections)

    def summary(self, shacl_warnings: list[dict[str, object]]) -> dict[str, object]:
        n = self.parts
        return {
            "parts": n,
            "complete_parts": self.complete,
            "share": self.complete / n if n else None,
            "with_material": self.with_material,
            "with_mass": self.with_mass,
            "with_connection_type": self.with_connection,
            "shacl_warnings": shacl_warnings,
        }
