"""Embodied carbon by EN 15804 module, from the best data available for each part.

Order of preference, per part (so a figure is never counted twice and its origin is always known):
1. declared: values the passport states on the part or on its compositions (mpr:embodiedCarbon);
2. product type: values the referenced product type's passport declares, times mpr:count;
3. reference: mass x a reference factor per material (kg CO2e/kg, module A1-A3) from
   `carbon-factors.csv`, each row naming its data set and source. Only openly usable sources are
   listed (ÖKOBAUDAT generic data sets, published EPDs); the ICE database is not used, its licence
   forbids use in tools. Materials without a factor are reported as mass not covered.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from registry.indicators.data import CarbonValue, Composition, carbon_basis, counts_in_total

FACTORS_FILE = Path(__file__).with_name("carbon-factors.csv")


@dataclass(frozen=True)
class Factor:
    material: str
    module: str
    kg_per_kg: float
    dataset: str
    source: str
    basis: str  # EN 15804 edition and GWP indicator (data.carbon_basis)


def load_factors(path: Path = FACTORS_FILE) -> dict[str, list[Factor]]:
    """Reference factors by material IRI. Exact material only: a factor for plain concrete says
    nothing about reinforced concrete, so factors are deliberately not inherited down the hierarchy."""
    factors: dict[str, list[Factor]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            factors[row["material"]].append(Factor(
                row["material"], row["module"], float(row["kg_co2e_per_kg"]), row["dataset"], row["source"],
                carbon_basis(row["en15804_version"], row["gwp_indicator"])))
    return dict(factors)


@dataclass
class PartCarbon:
    origin: str  # "declared", "product type", "reference" or "none"
    by_module: dict[str, float] = field(default_factory=dict)
    uncovered_mass_kg: float = 0.0
    factors_used: list[Factor] = field(default_factory=list)
    by_basis: dict[str, dict[str, float]] = field(default_factory=dict)  # basis -> module -> kg
    sources: set[tuple[str, str]] = field(default_factory=set)  # (basis, source or data set) of what was summed


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


def part_carbon(
    declared: list[CarbonValue], type_declared: list[CarbonValue] | None, count: float,
    compositions: list[Composition], factors: dict[str, list[Factor]],
) -> PartCarbon:
    """The carbon of one part: declared, else the product type's (x count), else reference factors."""
    if declared:
        return PartCarbon("declared", _sum(declared), by_basis=_by_basis(declared), sources=_sources(declared))
    if type_declared:
        return PartCarbon("product type", _sum(type_declared, count), by_basis=_by_basis(type_declared, count),
                          sources=_sources(type_declared))
    result = PartCarbon("reference")
    modules: dict[str, float] = defaultdict(float)
    bases: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for comp in compositions:
        if comp.mass_kg is None:
            continue
        found = factors.get(comp.material or "", [])
        if not found:
            result.uncovered_mass_kg += comp.mass_kg
            continue
        for factor in found:
            modules[factor.module] += comp.mass_kg * factor.kg_per_kg
            bases[factor.basis][factor.module] += comp.mass_kg * factor.kg_per_kg
            result.sources.add((factor.basis, factor.dataset))
            if factor not in result.factors_used:
                result.factors_used.append(factor)
    result.by_module = dict(modules)
    result.by_basis = {b: dict(m) for b, m in bases.items()}
    if not modules:
        result.origin = "none"
    return result
