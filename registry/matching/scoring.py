"""Scores of one supply item for one demand, with the reasons and the carbon arithmetic behind them.

Every component is a number in 0..1; the score is their weighted mean. The default weights put
material fit first (a wrong material is useless however close), then quantity, then distance, and
give time, condition, dimensions and carbon equal smaller shares; they are parameters because an
exchange that optimises for carbon will want other weights than a builder in a hurry.

Carbon saved by reuse = avoided production carbon (EN 15804 modules A1-A3 of the mass reused)
minus transport (great-circle km x tonnes x TRANSPORT_KG_CO2E_PER_TKM). A1-A3 per kg comes from
the part's declared mpr:embodiedCarbon if present, else from the indicators' reference factors
(registry/indicators/carbon-factors.csv, one source per row); with neither, carbon is unknown.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from registry.concepts import ConceptScheme
from registry.errors import MalformedInput
from registry.indicators.carbon import Factor
from registry.matching.demand import Demand
from registry.matching.fit import concept_fit, condition_score
from registry.matching.supply import SupplyItem

# kg CO2e per tonne-km of road freight. Order of magnitude of the UK Government GHG Conversion
# Factors for Company Reporting 2023 (DESNZ/DEFRA), "Freighting goods", HGV all diesel, average
# laden, per tonne.km (about 0.1); rounded to 0.1 so the arithmetic is easy to check by hand.
TRANSPORT_KG_CO2E_PER_TKM = 0.1
# Without a radius, distance scores 1 / (1 + d / HALF_SCORE_KM): 0.5 at 50 km.
HALF_SCORE_KM = 50.0
# Tolerance around a wanted nominal dimension when the demand gives no min/max: +-10 %.
DIMENSION_TOLERANCE = 0.10


@dataclass(frozen=True)
class Weights:
    """Weights of the score components (documented defaults; the score divides by their sum)."""

    concept: float = 0.25
    quantity: float = 0.20
    distance: float = 0.15
    time: float = 0.10
    condition: float = 0.10
    dimensions: float = 0.10
    carbon: float = 0.10

    @classmethod
    def from_mapping(cls, values: dict[str, Any] | None) -> Weights:
        if not values:
            return cls()
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise MalformedInput(f"unknown weight(s) {', '.join(unknown)}; known: {', '.join(sorted(names))}")
        for key, value in values.items():
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise MalformedInput(f"weight {key!r} must be a number >= 0, not {value!r}")
        weights = cls(**{k: float(v) for k, v in values.items()})
        if sum(asdict(weights).values()) <= 0:
            raise MalformedInput("at least one weight must be above 0")
        return weights


@dataclass
class Carbon:
    factor_kg_per_kg: float | None
    factor_source: str | None
    mass_kg: float | None
    avoided_kg: float | None
    transport_kg: float | None
    saved_kg: float | None
    transport_factor_kg_per_tkm: float = TRANSPORT_KG_CO2E_PER_TKM


@dataclass
class Match:
    item: SupplyItem
    score: float
    components: dict[str, float]
    reasons: list[str]
    offered: float | None
    used: float | None
    carbon: Carbon

    def as_dict(self) -> dict[str, Any]:
        return {"score": round(self.score, 6), "supply": self.item.as_dict(),
                "components": {k: round(v, 6) for k, v in self.components.items()},
                "reasons": self.reasons, "quantity": {"offered": self.offered, "used": self.used},
                "carbon": asdict(self.carbon)}


def offered_quantity(item: SupplyItem, unit: str) -> float | None:
    """The item's quantity in the demand's unit, or None when the passport does not say."""
    if unit == "NUM":
        return item.count
    if unit == "KiloGM":
        return item.mass_kg
    if unit == "TONNE":
        return item.mass_kg / 1000 if item.mass_kg is not None else None
    if unit == "M3":
        return item.volume_m3
    if unit == "M2":
        area = item.dimensions_m.get("area")
        return area * item.count if area is not None else None
    if unit == "M":
        length = item.dimensions_m.get("length")
        return length * item.count if length is not None else None
    return None


def carbon_of(item: SupplyItem, fraction: float, factors: dict[str, Factor]) -> Carbon:
    """Carbon saved if `fraction` (0..1) of the item is reused instead of producing it new."""
    if item.mass_kg is None:
        return Carbon(None, None, None, None, None, None)
    mass = item.mass_kg * fraction
    if item.declared_a1a3_kg is not None and item.mass_kg > 0:
        factor, source = item.declared_a1a3_kg / item.mass_kg, "declared A1-A3 of the part (passport)"
    elif item.material in factors:
        factor, source = factors[item.material].kg_per_kg, f"reference A1-A3: {factors[item.material].dataset}"
    else:
        return Carbon(None, "no A1-A3 figure for this material", mass, None, None, None)
    avoided = mass * factor
    transport = (item.distance_km * mass / 1000 * TRANSPORT_KG_CO2E_PER_TKM
                 if item.distance_km is not None else None)
    return Carbon(factor, source, mass, avoided, transport, avoided - (transport or 0.0))


def _dimension_score(wanted: float, lo: float | None, hi: float | None, have: float | None) -> float:
    if have is None:
        return 0.5
    tol = DIMENSION_TOLERANCE * wanted
    low = lo if lo is not None else wanted - tol
    high = hi if hi is not None else wanted + tol
    gap = max(low - have, have - high, 0.0)
    return max(0.0, 1.0 - gap / tol) if tol > 0 else float(gap == 0)


# A step scores one component: (score 0..1, reason), or None when a hard limit rules the item out.
Step = tuple[float, str] | None


def _concept_step(demand: Demand, item: SupplyItem, concepts: ConceptScheme) -> Step:
    if item.product_type is not None and item.product_type in demand.products:
        return 1.0, f"product: exactly the wanted product type <{item.product_type}>"
    fits = [f for w in demand.wants
            if item.material is not None and (f := concept_fit(concepts, w, item.material)) is not None]
    if not fits:
        return None
    concept, reason = max(fits)
    return concept, f"material: {reason}"


@dataclass(frozen=True)
class _Quantity:
    score: float
    used_fraction: float  # of the item, for the carbon saved
    offered: float | None
    reason: str


def _quantity_step(demand: Demand, item: SupplyItem) -> _Quantity | None:
    wanted = demand.quantity
    offered = offered_quantity(item, wanted.unit)
    if offered is None or offered <= 0:
        return _Quantity(0.0, 1.0, offered, f"quantity in {wanted.unit} not stated in the passport")
    if wanted.minimum is not None and offered < wanted.minimum:
        return None
    need = wanted.value
    quantity = min(1.0, offered / need) if need > 0 else 1.0
    used_fraction = min(1.0, need / offered) if offered > 0 else 0.0
    return _Quantity(quantity, used_fraction, offered,
                     f"covers {quantity:.0%} of {need:g} {wanted.unit} ({offered:g} offered)")


def _distance_step(demand: Demand, item: SupplyItem) -> Step:
    if item.distance_km is None:
        return 0.5, "distance unknown"
    if demand.radius_km is not None and item.distance_km > demand.radius_km:
        return None
    distance = (1 - item.distance_km / demand.radius_km if demand.radius_km
                else 1 / (1 + item.distance_km / HALF_SCORE_KM))
    return distance, f"{item.distance_km:.1f} km away"


def _time_step(demand: Demand, item: SupplyItem) -> Step:
    if demand.needed_by is None:
        return 1.0, "no needed-by date"
    if item.available_from is None:
        return 0.5, "availability date unknown"
    if item.available_from > demand.needed_by:
        return None
    return 1.0, f"available from {item.available_from}, before {demand.needed_by}"


def _condition_step(demand: Demand, item: SupplyItem, concepts: ConceptScheme) -> Step:
    if demand.worst_condition is not None and item.condition is not None:
        worst = concepts.notation.get(demand.worst_condition, 99)
        if concepts.notation.get(item.condition, 99) > worst:
            return None
    return condition_score(concepts, item.condition)


def _dimensions_step(demand: Demand, item: SupplyItem) -> tuple[float, str | None]:
    """Mean fit over the wanted dimensions; no reason when the demand names none."""
    if not demand.dimensions:
        return 1.0, None
    parts = [_dimension_score(r.value, r.minimum, r.maximum, item.dimensions_m.get(name))
             for name, r in demand.dimensions.items()]
    dimensions = sum(parts) / len(parts)
    return dimensions, f"dimensions fit {dimensions:.0%}"


def _carbon_step(carbon: Carbon) -> tuple[float, str]:
    """The share of avoided production carbon that transport does not eat up."""
    if carbon.avoided_kg and carbon.saved_kg is not None:
        return (max(0.0, min(1.0, carbon.saved_kg / carbon.avoided_kg)),
                f"saves {carbon.saved_kg:.1f} kg CO2e ({carbon.avoided_kg:.1f} avoided A1-A3 - "
                f"{carbon.transport_kg or 0.0:.1f} transport)")
    return 0.0, "carbon saved unknown (no mass or no A1-A3 figure)"


def score(demand: Demand, item: SupplyItem, concepts: ConceptScheme, factors: dict[str, Factor],
          weights: Weights) -> Match | None:
    """The match of one item for one demand, or None when a hard limit rules it out.

    The material step runs first: it rules out most candidates and costs least."""
    concept = _concept_step(demand, item, concepts)
    if concept is None:
        return None
    quantity = _quantity_step(demand, item)
    if quantity is None:
        return None
    distance = _distance_step(demand, item)
    if distance is None:
        return None
    time = _time_step(demand, item)
    if time is None:
        return None
    condition = _condition_step(demand, item, concepts)
    if condition is None:
        return None
    dimensions, dimensions_reason = _dimensions_step(demand, item)
    carbon = carbon_of(item, quantity.used_fraction, factors)
    carbon_score, carbon_reason = _carbon_step(carbon)
    reasons = [concept[1], quantity.reason, distance[1], time[1], condition[1]]
    reasons += [dimensions_reason] if dimensions_reason else []
    reasons.append(carbon_reason)
    components = {"concept": concept[0], "quantity": quantity.score, "distance": distance[0], "time": time[0],
                  "condition": condition[0], "dimensions": dimensions, "carbon": carbon_score}
    w = vars(weights)  # not asdict: that deep-copies, once per candidate
    total = sum(w[k] * v for k, v in components.items()) / sum(w.values())
    offered = quantity.offered
    used = offered * quantity.used_fraction if offered is not None else None
    return Match(item, total, components, reasons, offered, used, carbon)
