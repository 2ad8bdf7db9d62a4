"""Property: every passport the shapes accept can be computed and shown, by every route that computes.

Hypothesis generates building passports within the shapes' bounds, edge values included: shares of one
mass that add up to exactly 1 (drawn as thousandths, so the decimal sum is exact), zero and 10^9 masses in
kg, t and g, lifetimes of 0.01 and 1000 years, functional units from 10^-6 to 10^9, counts up to 10^7,
carbon of +-10^10 kg, prices of +-10^12, dates from 1800 to 2999, coordinates on the +-180/+-90 edges,
nested sub-elements, parts of a product type, and every optional value left out. Each passport must be
accepted (201), and then its indicators (JSON and SVG, with and without parts), its HTML page,
/materials, /match and the urban-mine report (JSON, CSV, SVG) must answer 200.

Bounded for CI: 30 examples, derandomized, no example database; one registry on a real Oxigraph store for
the module, the generated passport replaced (PUT) at each example so the store does not grow.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.api.app import create_app
from tests.conftest import AUTH, BASE, EXAMPLES, empty_registry
from tests.matching_data import TURTLE, demand

PREFIXES = """@prefix mpr: <https://w3id.org/mpr#> . @prefix bot: <https://w3id.org/bot#> .
@prefix dcterms: <http://purl.org/dc/terms/> . @prefix qudt: <http://qudt.org/schema/qudt/> .
@prefix unit: <http://qudt.org/vocab/unit/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> . @prefix mat: <https://w3id.org/mpr/materials/> .
@prefix conn: <https://w3id.org/mpr/connections/> . @prefix mod: <https://w3id.org/mpr/modules/> .
@prefix schema: <https://schema.org/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""
MATERIALS = ["concrete", "reinforced-concrete", "steel", "softwood", "glass", "eps", "brick", "pvc"]
CONNECTIONS = ["bolted", "glued", "screwed", "mortared", "dry"]
MODULES = ["A1-A3", "C1-C4", "D", "B4"]
PRODUCT = f"{BASE}/passports/ergo-chair#product"
PROFILE = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def decimal(value: float) -> str:
    """An xsd:decimal literal (no exponent), exact enough for the bounds checked."""
    if value == int(value):
        return str(int(value))
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


edge_numbers = {
    "mass": st.one_of(st.sampled_from([0.0, 1e-6, 1.0, 1e9]), st.floats(0, 1e9, allow_nan=False)),
    "lifetime": st.one_of(st.sampled_from([0.01, 1000.0]), st.floats(0.01, 1000)),
    "units": st.one_of(st.sampled_from([0.000001, 1e9]), st.floats(0.000001, 1e9)),
    "carbon": st.one_of(st.sampled_from([-1e10, 0.0, 1e10]), st.floats(-1e10, 1e10)),
    "price": st.one_of(st.sampled_from([-1e12, 0.0, 1e12]), st.floats(-1e12, 1e12)),
    "efficiency": st.integers(10, 1000).map(lambda i: i / 1000),
}


@st.composite
def shares(draw: st.DrawFn, names: list[str]) -> str:
    """Shares of one mass in thousandths, adding up to at most 1 (often exactly 1), some left out."""
    left, parts = 1000, []
    for name in names:
        value = draw(st.integers(0, left))
        left -= value
        if draw(st.booleans()):
            parts.append(f"mpr:{name} {value / 1000:.3f} ;")
    return " ".join(parts)


@st.composite
def composition(draw: st.DrawFn) -> str:
    lines = [f"mpr:material mat:{draw(st.sampled_from(MATERIALS))} ;"]
    if draw(st.booleans()):
        unit = draw(st.sampled_from(["KiloGM", "TONNE", "GM"]))
        lines.append(f"mpr:mass [ qudt:numericValue {decimal(draw(edge_numbers['mass']))} ; qudt:unit unit:{unit} ] ;")
    if draw(st.booleans()):
        lines.append(f"mpr:volume [ qudt:numericValue {decimal(draw(edge_numbers['mass']))} ; qudt:unit unit:M3 ] ;")
    lines.append(draw(shares(["recycledContent", "reusedContent", "renewableContent"])))
    lines.append(draw(shares(["reusableAtEndOfLife", "recyclableAtEndOfLife", "energyRecoveryAtEndOfLife",
                              "compostedAtEndOfLife", "landfillAtEndOfLife"])))
    for name in ("recyclingEfficiency", "feedstockRecyclingEfficiency"):
        if draw(st.booleans()):
            lines.append(f"mpr:{name} {draw(edge_numbers['efficiency']):.3f} ;")
    if draw(st.booleans()):  # E_E may be 0 (no credit), unlike E_C and E_F, which the MCI divides by or scales
        lines.append(f"mpr:energyRecoveryEfficiency {draw(st.integers(0, 1000)) / 1000:.3f} ;")
    if draw(st.booleans()):
        lines.append('mpr:sustainedProductionEvidence "FSC chain-of-custody certificate" ;')
    return "[ a mpr:MaterialComposition ; " + " ".join(lines) + " ]"


@st.composite
def part_facts(draw: st.DrawFn) -> str:
    """Optional facts of a part, each within its bound."""
    facts = []
    if draw(st.booleans()):
        facts.append(f"mpr:connectionType conn:{draw(st.sampled_from(CONNECTIONS))} ;")
    if draw(st.booleans()):
        facts.append(f"mpr:count {draw(st.sampled_from([1, 2, 10_000_000]))} ;")
    for name, kind in (("expectedLifetime", "lifetime"), ("industryAverageLifetime", "lifetime"),
                       ("functionalUnits", "units"), ("industryAverageFunctionalUnits", "units")):
        if draw(st.booleans()):
            facts.append(f"mpr:{name} {decimal(draw(edge_numbers[kind]))} ;")
    if draw(st.booleans()):
        facts.append(f'mpr:availableFrom "{draw(st.integers(1800, 2999)):04d}-06-30"^^xsd:date ;')
    if draw(st.booleans()):
        module, kg = draw(st.sampled_from(MODULES)), decimal(draw(edge_numbers["carbon"]))
        facts.append(f"mpr:embodiedCarbon [ mpr:lifeCycleModule mod:{module} ; mpr:kgCO2e {kg} ] ;")
    if draw(st.booleans()):
        facts.append(f'mpr:residualValue [ schema:price {decimal(draw(edge_numbers["price"]))} ; '
                     'schema:priceCurrency "EUR" ] ;')
    if draw(st.booleans()):
        size = decimal(draw(st.floats(0, 1e9)))
        facts.append(f"schema:width [ qudt:numericValue {size} ; qudt:unit unit:MilliM ] ;")
    return " ".join(facts)


@st.composite
def building(draw: st.DrawFn) -> bytes:
    elements, nodes = [], []
    for i in range(draw(st.integers(1, 3))):
        body = [draw(part_facts())]
        body += [f"mpr:composedOf {draw(composition())} ;" for _ in range(draw(st.integers(0, 2)))]
        if draw(st.booleans()):
            body.append(f"mpr:instanceOf <{PRODUCT}> ;")
        if draw(st.booleans()):  # an assembly with one sub-element
            body.append(f"bot:hasSubElement <#sub-{i}> ;")
            nodes.append(f"<#sub-{i}> a bot:Element ; {draw(part_facts())} mpr:composedOf {draw(composition())} .")
        elements.append(f"<#e-{i}>")
        nodes.append(f"<#e-{i}> a bot:Element ; rdfs:label \"element {i}\" ; " + " ".join(body) + " .")
    place = ""
    if draw(st.booleans()):
        lon = draw(st.one_of(st.sampled_from([-180.0, 180.0, 0.0]), st.floats(-180, 180)))
        lat = draw(st.one_of(st.sampled_from([-90.0, 90.0]), st.floats(-90, 90)))
        place = f'geo:hasGeometry [ geo:asWKT "POINT({lon:.6f} {lat:.6f})"^^geo:wktLiteral ] ;'
    when = f'mpr:availableFrom "{draw(st.integers(1800, 2999)):04d}-01-01"^^xsd:date ;' if draw(st.booleans()) else ""
    return (PREFIXES + f"""
<> a mpr:Passport ; dcterms:title "Generated" ; mpr:describes <#building> .
<#building> a bot:Building ; {place} {when} bot:hasStorey <#storey> .
<#storey> a bot:Storey ; bot:hasElement {", ".join(elements)} .
""" + "\n".join(nodes) + "\n").encode()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with empty_registry(tmp_path_factory.mktemp("properties")) as core, \
            TestClient(create_app(core=core), base_url=BASE) as test_client:
        chair = (EXAMPLES / "passports" / "ergo-chair.ttl").read_bytes()
        assert test_client.put("/passports/ergo-chair", content=chair, headers=TURTLE).status_code in (200, 201)
        yield test_client


def ok(response: Response) -> None:
    assert response.status_code == 200, response.text


@PROFILE
@given(body=building())
def test_every_accepted_passport_is_computed_and_shown_by_every_route(client: TestClient, body: bytes) -> None:
    stored = client.put("/passports/generated", content=body, headers=TURTLE)
    assert stored.status_code in (200, 201), stored.text + "\n" + body.decode()
    ok(client.get("/passports/generated/indicators", headers=AUTH))
    ok(client.get("/passports/generated/indicators", params={"method": "emf", "parts": True}, headers=AUTH))
    ok(client.get("/passports/generated/indicators.svg", headers=AUTH))
    ok(client.get("/passports/generated", headers={**AUTH, "Accept": "text/html"}))
    ok(client.get("/materials", params={"lon": 5.0, "lat": 52.0, "radius_km": 20000}, headers=AUTH))
    ok(client.get("/materials", params={"material": "https://w3id.org/mpr/materials/concrete"}, headers=AUTH))
    ok(client.post("/match", json=demand(radius=None, needed_by=None), headers=AUTH))
    ok(client.get("/reports/urban-mine", headers=AUTH))
    ok(client.get("/reports/urban-mine", params={"format": "csv"}, headers=AUTH))
    ok(client.get("/reports/urban-mine.svg", headers=AUTH))
    ok(client.get("/", headers=AUTH))
