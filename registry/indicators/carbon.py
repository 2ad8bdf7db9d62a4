"""Embodied carbon by EN 15804 module, from the best data available for each part.

Order of preference, per part (so a figure is never counted twice and its origin is always known):
1. declared: values the passport states on the part or on its compositions (mpr:embodiedCarbon);
2. product type: values the referenced product type's passport declares, each times the element's
   quantity in the value's declared unit (volume per m3, mass per kg, area per m2, mpr:count per item);
3. factors: a composition's mass (or volume) x a factor per material, from the shipped reference set
   `carbon-factors.csv` (kg CO2e/kg, module A1-A3, each row naming its data set and source; only openly
   usable sources: ÖKOBAUDAT generic data sets, published EPDs; the ICE database is not used, its licence
   forbids use in tools) or from an organisation's own set (factorsets.py) the caller chose. Materials
   without a factor are reported as mass not covered.
A figure whose quantity is missing (a value per m3 on an element without volume) is reported as not
computable with the reason, never estimated from another quantity.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from registry.indicators.data import CarbonValue, Composition, carbon_basis, counts_in_total
from registry.namespaces import UNIT
from registry.quantities import DECLARED_UNITS

COUNT_UNIT = UNIT + "NUM"

FACTORS_FILE = Path(__file__).with_name("carbon-factors.csv")


@dataclass(frozen=True)
class FactorSetRef:
    """Which factor set a figure came from: the shipped reference (organisation None) or an organisation's set
    at one version (registry/indicators/factorsets.py)."""

    organisation: str | None
    name: str
    version: int | None

    def as_dict(self) -> dict[str, object]:
        return {"organisation": self.organisation, "name": self.name, "version": self.version}

    def label(self) -> str:
        if self.organisation is None:
            return "reference factors (registry/indicators/carbon-factors.csv)"
        return f"carbon factor set {self.organisation}/{self.name} v{self.version}"


REFERENCE = FactorSetRef(None, "reference", None)
PER_KG = (1.0, UNIT + "KiloGM")


@dataclass(frozen=True)
class Factor:
    material: str
    module: str
    kg_co2e: float  # per declared quantity (`per`)
    dataset: str
    source: str
    basis: str  # EN 15804 edition and GWP indicator (data.carbon_basis)
    per: tuple[float, str] = PER_KG  # declared amount and QUDT unit (registry.quantities.DECLARED_UNITS)
    licence: str | None = None
    factor_set: FactorSetRef = REFERENCE

    @property
    def kg_per_kg(self) -> float:
        """kg CO2e per kg of a mass-based factor (every reference factor is one; matching reads them)."""
        kind, to_base = DECLARED_UNITS[self.per[1]]
        if kind != "mass":
            raise ValueError(f"the factor of {self.material} is declared per {kind}, not per kg")
        return self.kg_co2e / (self.per[0] * to_base)

    def as_dict(self) -> dict[str, object]:
        kind, _ = DECLARED_UNITS[self.per[1]]
        return {"material": self.material, "module": self.module,
                "kg_co2e_per_kg": self.kg_per_kg if kind == "mass" else None,
                "kg_co2e_per_declared_unit": self.kg_co2e,
                "declared_unit": {"amount": self.per[0], "unit": self.per[1]},
                "dataset": self.dataset, "source": self.source, "licence": self.licence, "basis": self.basis,
                "factor_set": self.factor_set.as_dict()}


def load_factors(path: Path = FACTORS_FILE) -> dict[str, list[Factor]]:
    """Reference factors by material IRI. Exact material only: a factor for plain concrete says
    nothing about reinforced concrete, so factors are deliberately not inherited down the hierarchy.
    Each row states its licence (the data source's terms of use), as an organisation's set must."""
    factors: dict[str, list[Factor]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            factors[row["material"]].append(Factor(
                row["material"], row["module"], float(row["kg_co2e_per_kg"]), row["dataset"], row["source"],
                carbon_basis(row["en15804_version"], row["gwp_indicator"]), licence=row.get("licence") or None))
    return dict(factors)


#: What a part or composition states of each quantity a declared unit may need (kg, m3, m2, items); None: not stated.
Quantities = Mapping[str, float | None]


def declared_units(per: tuple[float, str], quantities: Quantities, what: str) -> float | str:
    """How many declared quantities (`per`) the part or composition holds, or why that is not computable:
    a figure per m3 needs a volume, and a missing one is reported, never guessed from another quantity."""
    amount, unit = per
    kind, to_base = DECLARED_UNITS[unit]
    have = quantities.get(kind)
    if have is None:
        return f"not computable: {what} has no {kind}"
    return have / (amount * to_base)


@dataclass
class PartCarbon:
    origin: str  # "declared", "product type", "reference" or "none"
    by_module: dict[str, float] = field(default_factory=dict)
    uncovered_mass_kg: float = 0.0
    factors_used: list[Factor] = field(default_factory=list)
    by_basis: dict[str, dict[str, float]] = field(default_factory=dict)  # basis -> module -> kg
    sources: set[tuple[str, str]] = field(default_factory=set)  # (basis, source or data set) of what was summed
    # figures that could not be computed: module, basis, source and the reason ("not computable: ...")
    not_computable: list[dict[str, str]] = field(default_factory=list)

    def add(self, module: str, basis: str, kg: float, source: str) -> None:
        if counts_in_total(basis):  # GWP-fossil, -biogenic and -luluc are parts of GWP-total
            self.by_module[module] = self.by_module.get(module, 0.0) + kg
        modules = self.by_basis.setdefault(basis, {})
        modules[module] = modules.get(module, 0.0) + kg
        self.sources.add((basis, source))

    def refuse(self, module: str, basis: str, source: str, reason: str) -> None:
        self.not_computable.append({"module": module, "basis": basis, "source": source, "reason": reason})


def _sum(values: Iterable[CarbonValue], times: float = 1.0) -> dict[str, float]:
    """By module, headline figures only: GWP-fossil, -biogenic and -luluc are parts of GWP-total."""
    out: dict[str, float] = defaultdict(float)
    for v in values:
        if counts_in_total(v.basis):
            out[v.module] += v.kg * times
    return dict(out)


def _by_basis(values: Iterable[CarbonValue], times: float = 1.0) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for v in values:
        out[v.basis][v.module] += v.kg * times
    return {b: dict(m) for b, m in out.items()}


def _sources(values: Iterable[CarbonValue]) -> set[tuple[str, str]]:
    return {(v.basis, v.source or "source not stated") for v in values}


def type_carbon(values: list[CarbonValue], element: Quantities) -> PartCarbon:
    """A product type's values for one element: each times the element's quantity in the value's declared unit
    (its volume for a figure per m3, its mass per kg, its area per m2, mpr:count per item or when no unit is
    stated); a value whose quantity the element lacks is reported as not computable."""
    result = PartCarbon("product type")
    for v in values:
        source = v.source or "source not stated"
        if v.per is None and v.declared_unit is not None:
            result.refuse(v.module, v.basis, source,
                          f"not computable: the declared unit {v.declared_unit!r} is none the registry scales by")
            continue
        times = declared_units(v.per or (1.0, COUNT_UNIT), element, "element")
        if isinstance(times, str):
            result.refuse(v.module, v.basis, source, times)
        else:
            result.add(v.module, v.basis, v.kg * times, source)
    return result


def part_carbon(
    declared: list[CarbonValue], type_declared: list[CarbonValue] | None, element: Quantities,
    compositions: list[Composition], factors: dict[str, list[Factor]], volumes: Mapping[str, float | None],
) -> PartCarbon:
    """The carbon of one part: declared, else the product type's (scaled, type_carbon), else the factors.

    `element` holds the part's quantities, `volumes` the volumes of compositions (by node)."""
    if declared:
        return PartCarbon("declared", _sum(declared), by_basis=_by_basis(declared), sources=_sources(declared))
    if type_declared:
        return type_carbon(type_declared, element)
    result = PartCarbon("reference")
    for comp in compositions:
        found = factors.get(comp.material or "", [])
        if not found:
            result.uncovered_mass_kg += comp.mass_kg or 0.0
            continue
        for factor in found:
            needs_volume = DECLARED_UNITS[factor.per[1]][0] == "volume"  # volumes are read only when needed
            quantities = {"mass": comp.mass_kg, "volume": volumes.get(comp.node) if needs_volume else None}
            source = factor.dataset if factor.factor_set == REFERENCE else \
                f"{factor.dataset} ({factor.factor_set.label()})"
            times = declared_units(factor.per, quantities, f"the composition of <{factor.material}>")
            if isinstance(times, str):
                result.refuse(factor.module, factor.basis, source, times)
                continue
            result.add(factor.module, factor.basis, factor.kg_co2e * times, source)
            if factor not in result.factors_used:
                result.factors_used.append(factor)
    if not result.by_basis:
        result.origin = "none"
    return result
