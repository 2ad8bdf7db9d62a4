"""What the indicators answer: the figures of one passport, and of each of its parts.

Kept apart from the computation because the stored summaries (stored.py), the report and the
passport page read these shapes without computing anything.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class MaterialMass:
    material: str
    label: str
    broader: str | None
    mass_kg: float  # including narrower materials
    own_mass_kg: float  # stated with exactly this material


@dataclass
class PartResult:
    iri: str
    label: str | None
    storey: str | None
    mass_kg: float
    composition_source: str  # "passport", "product type" or "none"
    product_type: str | None
    mci: float | None
    carbon_origin: str
    carbon_kg_co2e: dict[str, float]
    detachable: bool | None
    available_from: str | None  # the part's own date, else its asset's
    complete: bool
    mass_by_material: dict[str, float]  # material IRI (or "unknown") -> kg, as stated (not rolled up)
    detachability_dgbc: float | None = None  # DGBC element score (dgbc.py); None without all four factors


@dataclass
class Indicators:
    passport: str
    method: str
    total_mass_kg: float
    mass_by_material: list[MaterialMass]
    unknown_material_mass_kg: float
    unknown_material_share: float | None
    compositions_without_mass: int
    mci: float | None
    mci_mass_kg: float
    mci_assumptions: dict[str, object]
    carbon_kg_co2e_by_module: dict[str, float]
    carbon_kg_co2e_by_origin: dict[str, float]
    carbon_uncovered_mass_kg: float
    carbon_declared_for_asset: dict[str, float]
    carbon_reference_factors: list[dict[str, object]]
    detachable_mass_kg: float
    detachable_share: float | None
    detachability_index: float | None
    reuse_potential_kg_by_year: dict[str, float]
    completeness: dict[str, object]
    mass_by_storey: dict[str, float]
    # year of availability ("unknown" without a date) -> material IRI (or "unknown") -> kg, as stated:
    # what the urban-mine report sums over passports, so it can use stored summaries.
    mass_kg_by_year_and_material: dict[str, dict[str, float]]
    mass_kg_by_source: dict[str, float]
    product_types: list[dict[str, object]]
    parts: list[PartResult]
    # kg CO2e by module per basis (EN 15804 edition and GWP indicator): values of different bases never added.
    # carbon_kg_co2e_by_module above adds the headline figures (GWP-total, +A1 GWP, unstated; never the fossil,
    # biogenic and luluc parts of GWP-total) for compatibility; carbon_bases_mixed says when editions mix.
    carbon_kg_co2e_by_basis: dict[str, dict[str, float]] = field(default_factory=dict)
    carbon_bases_mixed: bool = False
    carbon_sources_by_basis: dict[str, list[str]] = field(default_factory=dict)
    # DGBC detachability (dgbc.py) per Brand layer and for the building, with what it summed.
    detachability_dgbc: dict[str, object] = field(default_factory=dict)
    # Carbon figures that could not be computed (part, module, basis, source, reason), e.g. a value per m3 of a
    # product type on an element without volume; and the factor set (organisation, name, version) used.
    carbon_not_computable: list[dict[str, str]] = field(default_factory=list)
    carbon_factor_set: dict[str, object] = field(
        default_factory=lambda: {"organisation": None, "name": "reference", "version": None})
    # Restricted data (docs/architecture.md 6): only for the owner and auditors, hence left out of as_dict by default.
    residual_value: dict[str, object] | None = None

    def as_dict(self, with_parts: bool = False, with_restricted: bool = False) -> dict[str, object]:
        out = asdict(self)
        if not with_parts:
            out.pop("parts")
        if not with_restricted:
            out.pop("residual_value")
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Indicators:
        """The inverse of as_dict, for summaries read back from the store (JSON)."""
        fields = dict(data)
        fields["mass_by_material"] = [MaterialMass(**m) for m in data["mass_by_material"]]
        fields["parts"] = [PartResult(**p) for p in data.get("parts", [])]
        return cls(**fields)
