"""Small passports and demands written for the matching tests (shared by test_matching and test_portfolio)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import AUTH

TURTLE = {**AUTH, "Content-Type": "text/turtle"}
# 0.1 degree of latitude on the same meridian: 6371.0088 km x pi / 1800 = 11.119508 km (haversine, exact).
KM_PER_TENTH_DEGREE = 6371.0088 * 3.141592653589793 / 1800


def passport(
    title: str, lon: float, lat: float, material: str = "concrete", mass: float = 1000.0,
    available: str | None = "2027-01-01", condition: str | None = "good", count: int | None = None,
    restricted: bool = False, part_extra: str = "",
) -> bytes:
    """One building, one element, one material composition; location and date on the building
    (so the element inherits them down bot:hasStorey/bot:hasElement)."""
    date = f'mpr:availableFrom "{available}"^^xsd:date ;' if available else ""
    cond = f"mpr:condition cond:{condition} ;" if condition else ""
    number = f"mpr:count {count} ;" if count is not None else ""
    visibility = "mpr:visibility mpr:Restricted ;" if restricted else ""
    return f"""
@prefix mpr: <https://w3id.org/mpr#> . @prefix bot: <https://w3id.org/bot#> .
@prefix dcterms: <http://purl.org/dc/terms/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix qudt: <http://qudt.org/schema/qudt/> . @prefix unit: <http://qudt.org/vocab/unit/> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix mat: <https://w3id.org/mpr/materials/> . @prefix cond: <https://w3id.org/mpr/conditions/> .
@prefix schema: <https://schema.org/> .
<> a mpr:Passport ; {visibility} dcterms:title "{title}"@en ; mpr:describes <#building> .
<#building> a bot:Building ; rdfs:label "{title}" ; {date}
    geo:hasGeometry [ a geo:Geometry ; geo:asWKT "POINT({lon} {lat})"^^geo:wktLiteral ] ;
    bot:hasStorey <#storey> .
<#storey> a bot:Storey ; bot:hasElement <#part> .
<#part> a bot:Element ; rdfs:label "{title} part" ; {cond} {number} {part_extra}
    mpr:composedOf [ a mpr:MaterialComposition ; mpr:material mat:{material} ;
        mpr:mass [ a qudt:QuantityValue ; qudt:numericValue {mass:.1f} ; qudt:unit unit:KiloGM ] ] .
""".encode()


def put(client: TestClient, pid: str, ttl: bytes) -> None:
    response = client.put(f"/passports/{pid}", content=ttl, headers=TURTLE)
    assert response.status_code in (200, 201), response.text


def demand(wants: str | list[str] = "concrete", value: float = 1000, unit: str = "KiloGM", lon: float = 5.0,
           lat: float = 52.0, radius: float | None = 50, needed_by: str | None = "2028-01-01", **extra: object) -> dict:
    body: dict[str, object] = {"wants": wants, "quantity": {"value": value, "unit": unit},
                               "location": {"lon": lon, "lat": lat}, **extra}
    if radius is not None:
        body["radiusKm"] = radius
    if needed_by is not None:
        body["neededBy"] = needed_by
    return body
