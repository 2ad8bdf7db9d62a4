"""A demand as Python values: read from its RDF (after shapes validation), or written as RDF from JSON.

Why JSON becomes Turtle first: a JSON demand then takes exactly the validation and storage path of
an RDF one (shapes, versions, history), so the two can never drift apart.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from registry.concepts import ConceptScheme
from registry.errors import MalformedInput
from registry.matching.geo import MAX_RADIUS_KM, point_of_wkt
from registry.namespaces import CONDITIONS, GEO, MATERIALS, MPR, QUDT, RDF_TYPE, RDFS, SCHEMA, UNIT, XSD
from registry.quantities import LENGTH_UNITS, number

DEMAND = NamedNode(MPR + "Demand")
DIMENSION_PROPERTIES = {"length": MPR + "length", "width": SCHEMA + "width", "height": SCHEMA + "height",
                        "depth": SCHEMA + "depth"}
QUANTITY_UNITS = {"NUM", "KiloGM", "TONNE", "M3", "M2", "M"}
LENGTH_UNIT_NAMES = {iri.removeprefix(UNIT) for iri in LENGTH_UNITS}  # as JSON demands write them
# Is this IRI a product type (a schema:Product of an active passport)? Asked of the store by the caller.
ProductCheck = Callable[[str], bool]


@dataclass(frozen=True)
class Range:
    """A wanted dimension or quantity: nominal value with optional bounds, in one unit."""

    value: float
    unit: str
    minimum: float | None = None
    maximum: float | None = None


@dataclass
class Demand:
    iri: str
    wants: list[str]  # material concepts
    quantity: Range
    products: list[str] = field(default_factory=list)  # product types (schema:Product IRIs)
    label: str | None = None
    needed_by: date | None = None
    needed_from: date | None = None
    radius_km: float | None = None
    lon: float | None = None
    lat: float | None = None
    worst_condition: str | None = None
    dimensions: dict[str, Range] = field(default_factory=dict)  # in metres

    def as_dict(self) -> dict[str, Any]:
        return {
            "iri": self.iri, "label": self.label, "wants": self.wants + self.products,
            "quantity": {"value": self.quantity.value, "unit": self.quantity.unit,
                         "min": self.quantity.minimum, "max": self.quantity.maximum},
            "neededBy": self.needed_by.isoformat() if self.needed_by else None,
            "neededFrom": self.needed_from.isoformat() if self.needed_from else None,
            "radiusKm": self.radius_km,
            "location": {"lon": self.lon, "lat": self.lat} if self.lon is not None else None,
        }


def _unit_name(term: object) -> str:
    value = term.value if isinstance(term, NamedNode) else ""
    return value.removeprefix(UNIT)


def wanted(text: str, concepts: ConceptScheme, is_product: ProductCheck | None) -> tuple[str, bool]:
    """A wanted thing as (IRI, is a product type): a material concept, else a known product type.

    Unknown values are a 400 that names them, with close material concepts."""
    try:
        return concepts.resolve(text, MATERIALS, "material concept"), False
    except MalformedInput as exc:
        value = text.strip()
        if value.startswith(("http://", "https://")):
            if is_product is not None and is_product(value):
                return value, True
            raise MalformedInput(f"{exc.message}; nor is it a product type (a schema:Product of an active "
                                 "passport)", **exc.extra) from exc
        raise


def demand_from_triples(
    triples: Sequence[Triple], concepts: ConceptScheme, is_product: ProductCheck | None = None
) -> Demand:
    """The demand of a shapes-valid graph; raises MalformedInput for what shapes cannot say
    (unknown material or product type, reversed dates, a radius larger than the Earth allows)."""
    out: dict[object, dict[str, list[object]]] = defaultdict(lambda: defaultdict(list))
    for t in triples:
        out[t.subject][t.predicate.value].append(t.object)
    nodes = [t.subject for t in triples if t.predicate == RDF_TYPE and t.object == DEMAND]
    if len(nodes) != 1:
        raise MalformedInput(f"a demand document describes exactly one mpr:Demand; found {len(nodes)}")
    props = out[nodes[0]]

    def one(node: object, prop: str) -> object | None:
        values = out[node].get(prop, []) if node is not None else []
        return values[0] if values else None

    wants: list[str] = []
    products: list[str] = []
    for term in props.get(MPR + "wants", []):
        iri, product = wanted(term.value if isinstance(term, NamedNode) else str(term), concepts, is_product)
        (products if product else wants).append(iri)
    qnode = one(nodes[0], MPR + "quantity")
    quantity = Range(number(one(qnode, QUDT + "numericValue")) or 0.0, _unit_name(one(qnode, QUDT + "unit")),
                     number(one(qnode, SCHEMA + "minValue")), number(one(qnode, SCHEMA + "maxValue")))
    if quantity.unit not in QUANTITY_UNITS:
        raise MalformedInput(f"quantity unit {quantity.unit!r} is not one matching understands; use one of "
                             + ", ".join(f"unit:{u}" for u in sorted(QUANTITY_UNITS)))
    demand = Demand(iri=str(nodes[0].value) if isinstance(nodes[0], NamedNode) else str(nodes[0]),
                    wants=wants, quantity=quantity, products=products)
    label = one(nodes[0], RDFS + "label") or one(nodes[0], SCHEMA + "name")
    demand.label = label.value if isinstance(label, Literal) else None
    for attr, prop in (("needed_by", "neededBy"), ("needed_from", "neededFrom")):
        term = one(nodes[0], MPR + prop)
        if isinstance(term, Literal):
            setattr(demand, attr, date.fromisoformat(term.value))
    if demand.needed_from and demand.needed_by and demand.needed_from > demand.needed_by:
        raise MalformedInput(f"dates reversed: neededFrom {demand.needed_from} is after neededBy {demand.needed_by}")
    demand.radius_km = number(one(nodes[0], MPR + "radiusKm"))
    check_radius(demand.radius_km)
    geometry = one(nodes[0], GEO + "hasGeometry")
    wkt = one(geometry, GEO + "asWKT")
    if isinstance(wkt, Literal):
        point = point_of_wkt(wkt.value)
        if point is None:
            raise MalformedInput(f"the demand's location {wkt.value!r} is not a WGS 84 POINT or POLYGON")
        demand.lon, demand.lat = point
    condition = one(nodes[0], MPR + "condition")
    if isinstance(condition, NamedNode):
        demand.worst_condition = concepts.resolve(condition.value, CONDITIONS, "condition")
    for name, prop in DIMENSION_PROPERTIES.items():
        dnode = one(nodes[0], prop)
        value = number(one(dnode, QUDT + "numericValue"))
        if dnode is None or value is None:
            continue
        scale = LENGTH_UNITS.get(UNIT + _unit_name(one(dnode, QUDT + "unit")), 1.0)
        lo, hi = number(one(dnode, SCHEMA + "minValue")), number(one(dnode, SCHEMA + "maxValue"))
        demand.dimensions[name] = Range(value * scale, "M", lo * scale if lo is not None else None,
                                        hi * scale if hi is not None else None)
    return demand


def check_radius(radius_km: float | None) -> None:
    if radius_km is None:
        return
    if math.isnan(radius_km) or radius_km < 0:
        raise MalformedInput(f"radius {radius_km} km is negative; give 0 or more kilometres")
    if radius_km > MAX_RADIUS_KM:
        raise MalformedInput(
            f"radius {radius_km} km is larger than half the Earth's circumference ({MAX_RADIUS_KM:.0f} km)"
        )


# --- JSON to Turtle -------------------------------------------------------------------------------

def _number(value: object, where: str) -> Literal:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise MalformedInput(f"{where} must be a number, not {value!r}")
    return Literal(repr(float(value)) if isinstance(value, float) else str(value),
                   datatype=NamedNode(XSD + ("decimal" if isinstance(value, float) else "integer")))


def _iri(value: object, where: str) -> NamedNode:
    if not isinstance(value, str):
        raise MalformedInput(f"{where} must be an IRI string, not {value!r}")
    try:
        return NamedNode(value)
    except ValueError as exc:
        raise MalformedInput(f"{where}: {value!r} is not an IRI") from exc


def _date_literal(value: object, where: str) -> Literal:
    if not isinstance(value, str):
        raise MalformedInput(f"{where} must be a date like \"2028-12-31\", not {value!r}")
    try:
        return Literal(date.fromisoformat(value).isoformat(), datatype=NamedNode(XSD + "date"))
    except ValueError as exc:
        raise MalformedInput(f"{where}: {value!r} is not a date like \"2028-12-31\"") from exc


def _range_lines(node: str, spec: object, where: str, units: set[str]) -> list[str]:
    if not isinstance(spec, dict) or "value" not in spec or "unit" not in spec:
        raise MalformedInput(f"{where} must be an object with \"value\" and \"unit\" (and optional \"min\", \"max\")")
    unit = str(spec["unit"]).removeprefix(UNIT).removeprefix("unit:")
    if unit not in units:
        raise MalformedInput(f"{where}.unit {spec['unit']!r} is not one of " + ", ".join(sorted(units)))
    lines = [f"{node} <{QUDT}numericValue> {_number(spec['value'], where + '.value')} ; <{QUDT}unit> <{UNIT}{unit}>"]
    for key, prop in (("min", "minValue"), ("max", "maxValue")):
        if spec.get(key) is not None:
            lines.append(f"{node} <{SCHEMA}{prop}> {_number(spec[key], f'{where}.{key}')}")
    return lines


def turtle_from_json(body: object, concepts: ConceptScheme, is_product: ProductCheck | None = None) -> bytes:
    """Turtle for a JSON demand; `<>` is the demand, as in RDF uploads. Values are written by pyoxigraph."""
    if not isinstance(body, dict):
        raise MalformedInput("a JSON demand is an object, e.g. {\"wants\": \"mat:glulam\", \"quantity\": ...}")
    known = {"wants", "quantity", "label", "neededBy", "neededFrom", "radiusKm", "location", "condition",
             *DIMENSION_PROPERTIES}
    unknown = sorted(set(body) - known)
    if unknown:
        raise MalformedInput(f"unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    lines = [f"<> a <{MPR}Demand>"]
    wants = body.get("wants")
    for value in wants if isinstance(wants, list) else [wants] if wants is not None else []:
        text = value if isinstance(value, str) else repr(value)
        lines.append(f"<> <{MPR}wants> {NamedNode(wanted(text, concepts, is_product)[0])}")
    if "quantity" in body:
        lines.append(f"<> <{MPR}quantity> _:q")
        lines += _range_lines("_:q", body["quantity"], "quantity", QUANTITY_UNITS)
    if body.get("label") is not None:
        lines.append(f"<> <{RDFS}label> {Literal(str(body['label']))}")
    for key in ("neededBy", "neededFrom"):
        if body.get(key) is not None:
            lines.append(f"<> <{MPR}{key}> {_date_literal(body[key], key)}")
    if body.get("radiusKm") is not None:
        lines.append(f"<> <{MPR}radiusKm> {_number(body['radiusKm'], 'radiusKm')}")
    location = body.get("location")
    if location is not None:
        if isinstance(location, dict):
            wkt = f"POINT({_number(location.get('lon'), 'location.lon').value} " \
                  f"{_number(location.get('lat'), 'location.lat').value})"
        elif isinstance(location, str):
            wkt = location
        else:
            raise MalformedInput("location is \"POINT(lon lat)\" or {\"lon\": ..., \"lat\": ...}")
        lines.append(f"<> <{GEO}hasGeometry> _:geom")
        lines.append(f"_:geom <{GEO}asWKT> {Literal(wkt, datatype=NamedNode(GEO + 'wktLiteral'))}")
    if body.get("condition") is not None:
        lines.append(f"<> <{MPR}condition> "
                     f"{NamedNode(concepts.resolve(str(body['condition']), CONDITIONS, 'condition'))}")
    for name, prop in DIMENSION_PROPERTIES.items():
        if body.get(name) is not None:
            node = f"_:{name}"
            lines.append(f"<> <{prop}> {node}")
            lines += _range_lines(node, body[name], name, LENGTH_UNIT_NAMES)
    return (" .\n".join(lines) + " .\n").encode()


def demand_node(triples: Sequence[Triple]) -> NamedNode | BlankNode | None:
    nodes = [t.subject for t in triples if t.predicate == RDF_TYPE and t.object == DEMAND]
    node = nodes[0] if len(nodes) == 1 else None
    return node if isinstance(node, NamedNode | BlankNode) else None
