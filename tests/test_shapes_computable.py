"""Every passport the shapes accept can be computed: each rule that guards a computation refuses its bad input.

One test per rule: POST /passports with data that breaks it answers 422, the report names the node, the
values and the rule (its source shape), and the store holds exactly as many quads as before.

The rules and why (shapes/passport.ttl, shapes/consistency.ttl):
- input shares (recycled + reused + renewable) and end-of-life shares (reuse + recycling + energy
  recovery + landfill) are shares of one mass: at most 1 together, else the MCI's V or W0 is negative;
- numbers are finite and within stated bounds (NaN and INF fail every range): masses, volumes, areas,
  lengths and dimensions at most 10^9 in their unit, counts at most 10^7, lifetimes 0.01..1000 years,
  functional units 10^-6..10^9, efficiencies 0.01..1 (the MCI divides by E_F), carbon within
  +-10^10 kg CO2e, prices within +-10^12, availability dates 1800..2999 (reports group by year);
- WKT is a POINT or (MULTI)POLYGON with every longitude in -180..180 and latitude in -90..90;
- no part contains itself, no product type is its own instance.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from registry.api.app import create_app
from registry.core import Registry, build_registry
from registry.settings import PROJECT_ROOT, Settings
from tests.conftest import ADMIN, AUTH, BASE, empty_registry, settled

TURTLE = {**AUTH, "Content-Type": "text/turtle"}
PREFIXES = """@prefix mpr: <https://w3id.org/mpr#> . @prefix bot: <https://w3id.org/bot#> .
@prefix dcterms: <http://purl.org/dc/terms/> . @prefix qudt: <http://qudt.org/schema/qudt/> .
@prefix unit: <http://qudt.org/vocab/unit/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> . @prefix mat: <https://w3id.org/mpr/materials/> .
@prefix mod: <https://w3id.org/mpr/modules/> . @prefix schema: <https://schema.org/> .
"""


def passport(part: str = "", composition: str = "", building: str = "", extra: str = "",
             wkt: str = "POINT(5.1214 52.0907)", mass: str = "675.0") -> bytes:
    """A valid one-column building; each argument adds statements to one node (or whole nodes)."""
    return (PREFIXES + f"""
<> a mpr:Passport ; dcterms:title "Rule test" ; mpr:describes <#building> .
<#building> a bot:Building ; {building}
    geo:hasGeometry [ geo:asWKT "{wkt}"^^geo:wktLiteral ] ;
    mpr:availableFrom "2027-06-01"^^xsd:date ;
    bot:hasElement <#column> .
<#column> a bot:Element ; {part}
    mpr:composedOf <#concrete> .
<#concrete> a mpr:MaterialComposition ; {composition}
    mpr:material mat:reinforced-concrete ;
    mpr:mass [ qudt:numericValue {mass} ; qudt:unit unit:KiloGM ] .
{extra}
""").encode()


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    with empty_registry(tmp_path_factory.mktemp("rules")) as registry:
        yield registry


@pytest.fixture(scope="module")
def client(core: Registry) -> Iterator[TestClient]:
    with TestClient(create_app(core=core), base_url=BASE) as test_client:
        yield test_client


def refused(client: TestClient, core: Registry, body: bytes) -> list[dict[str, str]]:
    """POST the passport; it must be refused with 422 and leave the store as it was."""
    before = settled(core).store.count()
    response = client.post("/passports", content=body, headers=TURTLE)
    assert response.status_code == 422, response.text
    assert core.store.count() == before
    return [r for r in response.json()["report"]["results"] if r["severity"] == "Violation"]


def only(results: list[dict[str, str]], shape: str) -> dict[str, str]:
    found = [r for r in results if (r["source_shape"] or "").endswith("#" + shape)]
    assert found, [(r["source_shape"], r["message"]) for r in results]
    return found[0]


def test_the_valid_base_passport_is_accepted(client: TestClient) -> None:
    response = client.post("/passports", content=passport(), headers=TURTLE)
    assert response.status_code == 201, response.text


# --- shares of one mass ------------------------------------------------------------------------------

def test_end_of_life_shares_over_one_are_refused_naming_composition_part_and_sum(client, core) -> None:
    result = only(refused(client, core, passport(
        composition="mpr:recyclableAtEndOfLife 0.9 ; mpr:reusableAtEndOfLife 0.5 ;")), "EndOfLifeSharesShape")
    assert result["value"].endswith("#concrete")
    assert "#concrete (part " in result["message"] and "#column)" in result["message"]
    assert "add up to 1.4" in result["message"] and "at most 1" in result["message"]


def test_end_of_life_shares_count_energy_recovery_and_landfill_too(client, core) -> None:
    result = only(refused(client, core, passport(
        composition="mpr:energyRecoveryAtEndOfLife 0.6 ; mpr:landfillAtEndOfLife 0.6 ;")), "EndOfLifeSharesShape")
    assert "add up to 1.2" in result["message"]


def test_recycled_and_reused_input_over_one_is_refused(client, core) -> None:
    result = only(refused(client, core, passport(composition="mpr:recycledContent 0.7 ; mpr:reusedContent 0.4 ;")),
                  "InputSharesShape")
    assert result["value"].endswith("#concrete")
    assert "#column" in result["message"] and "add up to 1.1" in result["message"]


def test_recycled_and_renewable_input_over_one_is_refused(client, core) -> None:
    result = only(refused(client, core, passport(
        composition="mpr:recycledContent 0.3 ; mpr:renewableContent 0.9 ;")), "InputSharesShape")
    assert "add up to 1.2" in result["message"]


def test_shares_that_add_up_to_exactly_one_are_accepted(client) -> None:
    body = passport(composition="mpr:recycledContent 0.1e0 ; mpr:reusedContent 0.2e0 ; mpr:renewableContent 0.7e0 ;"
                                " mpr:reusableAtEndOfLife 0.5 ; mpr:recyclableAtEndOfLife 0.25 ;"
                                " mpr:energyRecoveryAtEndOfLife 0.25 ;")
    assert client.post("/passports", content=body, headers=TURTLE).status_code == 201


# --- finite numbers within bounds ---------------------------------------------------------------------

@pytest.mark.parametrize("number", ['"INF"^^xsd:double', '"NaN"^^xsd:double', "1e300", "1000000001"])
def test_mass_that_is_not_finite_or_absurdly_large_is_refused(client, core, number: str) -> None:
    result = only(refused(client, core, passport(mass=number)), "MassNumberShape")
    assert result["path"].endswith("numericValue")
    assert "1 000 000 000" in result["message"]


@pytest.mark.parametrize("number", ['"NaN"^^xsd:double', '"INF"^^xsd:double', '"-INF"^^xsd:double', "2e10"])
def test_carbon_that_is_not_finite_or_absurdly_large_is_refused(client, core, number: str) -> None:
    body = passport(part=f"mpr:embodiedCarbon [ mpr:lifeCycleModule mod:A1-A3 ; mpr:kgCO2e {number} ] ;")
    result = only(refused(client, core, body), "CarbonRangeShape")
    assert result["path"].endswith("kgCO2e")
    assert "10 000 000 000" in result["message"]


@pytest.mark.parametrize(("statement", "shape", "bound"), [
    ("mpr:count 20000000 ;", "CountShape", "10 000 000"),
    ("mpr:expectedLifetime 1e-300 ;", "LifetimeShape", "0.01 to 1000"),
    ("mpr:expectedLifetime 5000 ;", "LifetimeShape", "0.01 to 1000"),
    ("mpr:industryAverageLifetime 0.001 ;", "IndustryAverageLifetimeShape", "0.01 to 1000"),
    ("mpr:functionalUnits 1e-12 ;", "FunctionalUnitsShape", "0.000001"),
    ('mpr:availableFrom "12026-01-01"^^xsd:date ;', "AvailabilityRangeShape", "2999-12-31"),
    ('mpr:availableFrom "1500-01-01"^^xsd:date ;', "AvailabilityRangeShape", "1800-01-01"),
    ('mpr:volume [ qudt:numericValue "INF"^^xsd:double ; qudt:unit unit:M3 ] ;', "VolumeNumberShape",
     "1 000 000 000"),
    ('mpr:length [ qudt:numericValue 1e12 ; qudt:unit unit:M ] ;', "LengthNumberShape", "1 000 000 000"),
    ('mpr:area [ qudt:numericValue "NaN"^^xsd:double ; qudt:unit unit:M2 ] ;', "AreaNumberShape", "1 000 000 000"),
    ('schema:width [ qudt:numericValue "INF"^^xsd:double ; qudt:unit unit:M ] ;', "DimensionRangeShape",
     "1 000 000 000"),
    ('mpr:residualValue [ schema:price "INF"^^xsd:double ; schema:priceCurrency "EUR" ] ;', "PriceRangeShape",
     "1 000 000 000 000"),
])
def test_part_number_out_of_bounds_is_refused_with_the_bound(client, core, statement: str, shape: str,
                                                             bound: str) -> None:
    result = only(refused(client, core, passport(part=statement)), shape)
    assert bound in result["message"]
    assert result["value"] is not None


@pytest.mark.parametrize("statement", ["mpr:recyclingEfficiency 0.001 ;", "mpr:feedstockRecyclingEfficiency 1e-300 ;"])
def test_recycling_efficiency_below_one_percent_is_refused(client, core, statement: str) -> None:
    results = refused(client, core, passport(composition=statement))
    assert any("0.01 to 1" in r["message"] and r["focus_node"].endswith("#concrete") for r in results), results


# --- places ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("wkt", ["POINT(200 52)", "POINT(5 -91)", "POINT(52.1 5.1 3)", "POINT(INF 52)",
                                 "POINT EMPTY", "POINT(5 52", "POLYGON((5 52, 5 95, 6 52, 5 52))"])
def test_wkt_that_is_not_valid_wgs84_is_refused(client, core, wkt: str) -> None:
    result = only(refused(client, core, passport(wkt=wkt)), "GeometryWktFormShape")
    assert result["value"] == wkt
    assert "-180 to 180" in result["message"] and "-90 to 90" in result["message"]


@pytest.mark.parametrize("wkt", ["POINT(-180 -90)", "POINT(180.0 90.0)", "point ( 5.1 52.1 )",
                                 "<http://www.opengis.net/def/crs/OGC/1.3/CRS84> POINT(5 52)",
                                 "MULTIPOLYGON(((5 52, 5.1 52, 5.1 52.1, 5 52)),((6 51, 6.1 51, 6 51.1, 6 51)))"])
def test_wkt_in_range_is_accepted(client, wkt: str) -> None:
    assert client.post("/passports", content=passport(wkt=wkt), headers=TURTLE).status_code == 201


def test_wkt_pattern_is_the_one_built_from_its_parts() -> None:
    """The pattern in shapes/passport.ttl is long; this is its source, kept equal to it."""
    lon = r"-?(180(\.0+)?|(1[0-7][0-9]|[1-9]?[0-9])(\.[0-9]+)?)"
    lat = r"-?(90(\.0+)?|[1-8]?[0-9](\.[0-9]+)?)"
    pair = rf"\s*{lon}\s+{lat}\s*"
    ring = rf"\s*\({pair}(,{pair})*\)\s*"
    polygon = rf"\s*\({ring}(,{ring})*\)\s*"
    wkt = (rf"^\s*(<http://www\.opengis\.net/def/crs/OGC/1\.3/CRS84>\s*)?"
           rf"(POINT\s*\({pair}\)|POLYGON{polygon}|MULTIPOLYGON\s*\({polygon}(,{polygon})*\))\s*$")
    text = (PROJECT_ROOT / "shapes" / "passport.ttl").read_text(encoding="utf-8")
    written = re.search(r'mprsh:GeometryWktFormShape.*?sh:pattern "(.*?)" ;', text, re.S)
    assert written is not None
    assert written.group(1).replace("\\\\", "\\") == wkt


# --- topology -----------------------------------------------------------------------------------------

def test_sub_element_cycle_is_refused_naming_each_part_in_it(client, core) -> None:
    body = passport(part="bot:hasSubElement <#bracket> ;", extra="<#bracket> dcterms:hasPart <#column> .")
    results = [r for r in refused(client, core, body) if r["source_shape"].endswith("#PartTopologyAcyclicShape")]
    assert sorted(r["value"].rsplit("#", 1)[-1] for r in results) == ["bracket", "column"]
    assert "contains itself" in results[0]["message"]


def test_part_that_is_its_own_sub_element_is_refused(client, core) -> None:
    result = only(refused(client, core, passport(part="bot:hasSubElement <#column> ;")), "PartTopologyAcyclicShape")
    assert result["value"].endswith("#column")


def test_part_that_is_an_instance_of_itself_is_refused(client, core) -> None:
    result = only(refused(client, core, passport(part="mpr:instanceOf <#column> ;")), "InstanceOfItselfShape")
    assert result["value"].endswith("#column")
    assert "instanceOf itself" in result["message"]


# --- the shipped examples ------------------------------------------------------------------------------

def test_every_example_passport_is_computed_and_counted_in_the_urban_mine(tmp_path: Path) -> None:
    """A fresh install with the examples: Almere's particleboard once stated recycled 0.3 + renewable 0.9."""
    registry = build_registry(Settings(data=tmp_path / "data", admin_token=ADMIN, load_examples=True,
                                       base_url=BASE))
    try:
        with TestClient(create_app(core=registry), base_url=BASE) as started:
            ids = [r["id"] for r in started.get("/passports", headers=AUTH).json()["items"]]
            assert "housing-almere-2004" in ids
            for passport_id in ids:
                response = started.get(f"/passports/{passport_id}/indicators", headers=AUTH)
                assert response.status_code == 200, (passport_id, response.text)
                page = started.get(f"/passports/{passport_id}", headers={**AUTH, "Accept": "text/html"})
                assert "cannot be computed" not in page.text
            report = started.get("/reports/urban-mine", headers=AUTH).json()
            assert report["left_out"] == {}
            assert "housing-almere-2004" in report["passports"]
    finally:
        registry.close()
