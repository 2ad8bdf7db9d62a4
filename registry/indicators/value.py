"""Residual financial value: restricted data (docs/architecture.md 6), so only owners and auditors ever get it.

Stated two ways in passports: a part's `mpr:residualValue` (a schema:PriceSpecification, the value
of the whole part) and `mpr:unitPrice` (a schema:UnitPriceSpecification per unit, UN/CEFACT unit
codes). Unit prices are multiplied by the part's own quantity in that unit: KGM by its mass (as the
indicators compute it, product-type fallback included), C62 (piece) by `mpr:count` (default 1),
MTQ by the volume of its compositions. Figures are summed per currency, never converted.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field

from pyoxigraph import NamedNode

from registry.indicators.data import PREFIXES
from registry.quantities import number
from registry.store.base import TripleStore
from registry.store.sparql_text import values_clause

PRICES = PREFIXES + """
SELECT ?g ?part ?kind ?price ?currency ?unit ?count WHERE { GRAPH ?g {
  { ?part mpr:residualValue ?spec . BIND("residual" AS ?kind) }
  UNION
  { ?part mpr:unitPrice ?spec . BIND("unit" AS ?kind) OPTIONAL { ?spec schema:unitCode ?unit } }
  ?spec schema:price ?price .
  OPTIONAL { ?spec schema:priceCurrency ?currency }
  OPTIONAL { ?part mpr:count ?count }
} }"""

# Volumes only of the parts priced per m3, asked apart: a volume sub-query inside PRICES is evaluated for
# every part of the graph first (~0.2 s at 10k elements), even when nothing is priced at all.
VOLUMES = PREFIXES + """SELECT ?g ?part (SUM(?v) AS ?volume) WHERE { GRAPH ?g {
  %s
  ?part mpr:composedOf/mpr:volume [ qudt:numericValue ?v ; qudt:unit unit:M3 ]
} } GROUP BY ?g ?part"""


@dataclass
class ResidualValue:
    by_currency: dict[str, float] = field(default_factory=dict)
    priced_parts: int = 0
    unpriceable: list[str] = field(default_factory=list)  # unit prices whose quantity is unknown

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def residual_value(store: TripleStore, graph: str, part_mass_kg: dict[str, float]) -> ResidualValue:
    totals: dict[str, float] = defaultdict(float)
    result = ResidualValue()
    parts: set[str] = set()
    rows = store.select(PRICES, {"g": NamedNode(graph)})
    per_m3 = {row["part"].value for row in rows if "unit" in row and row["unit"].value == "MTQ"}
    volumes = _volumes(store, graph, per_m3) if per_m3 else {}
    for row in rows:
        part = row["part"].value
        price = number(row["price"])
        if price is None:  # NaN, infinite or not a number: stored around the shapes, never summed
            result.unpriceable.append(part)
            continue
        currency = row["currency"].value if "currency" in row else "unknown currency"
        if row["kind"].value == "residual":
            amount: float | None = price
        else:
            unit = row["unit"].value if "unit" in row else "C62"
            quantity = {
                "KGM": part_mass_kg.get(part),
                "C62": number(row.get("count")) if "count" in row else 1.0,
                "MTQ": volumes.get(part),
            }.get(unit)
            amount = price * quantity if quantity is not None else None
        if amount is None:
            result.unpriceable.append(part)
            continue
        totals[currency] += amount
        parts.add(part)
    result.by_currency = {c: round(v, 2) for c, v in sorted(totals.items())}
    result.priced_parts = len(parts)
    return result


def _volumes(store: TripleStore, graph: str, parts: set[str]) -> dict[str, float]:
    rows = store.select(VOLUMES % values_clause("part", sorted(parts)), {"g": NamedNode(graph)})
    return {row["part"].value: v for row in rows if (v := number(row.get("volume"))) is not None}
