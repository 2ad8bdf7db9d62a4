"""Organisations' carbon factor sets (issue 17, part 3) and EPD figures scaled by the element's declared-unit quantity.

Every expected figure is worked by hand in the test: value per declared unit x the element's quantity in that unit.
"""

from __future__ import annotations

import json

import pytest
from pyoxigraph import RdfFormat, Store

from tests.conftest import AUTH

MAT = "https://w3id.org/mpr/materials/"
SETS = "/organisations/acme/carbon-factors"
PATH = SETS + "/concrete-epds"
CSV = {"Content-Type": "text/csv"}
TURTLE = {"Content-Type": "text/turtle"}
HEADER = "material,module,value,unit,en15804_version,gwp_indicator,declared_unit,source,licence,dataset\n"
# 250 kg CO2e per m3 of concrete (A1-A3, +A2 GWP-total); 1.9 kg CO2e per kg of steel (+A2 GWP-total).
ROWS = (f"{MAT}concrete,A1-A3,250,kg CO2e,A2,GWP-total,1 m3,EPD NL-0001 (fictional),CC-BY-4.0,Beton C30/37\n"
        "structural-steel,A1-A3,1.9,kg CO2e,EN 15804+A2,GWP-total,1 kg,EPD NL-0002 (fictional),CC-BY-4.0,\n")
SET_CSV = (HEADER + ROWS).encode()
SET_TTL = b"""@prefix mpr: <https://w3id.org/mpr#> . @prefix dcterms: <http://purl.org/dc/terms/> .
@prefix qudt: <http://qudt.org/schema/qudt/> . @prefix unit: <http://qudt.org/vocab/unit/> .
<#timber> a mpr:CarbonFactor ; mpr:forMaterial <https://w3id.org/mpr/materials/timber> ;
  mpr:lifeCycleModule <https://w3id.org/mpr/modules/A1-A3> ; mpr:kgCO2e 120 ;
  mpr:en15804Version <https://w3id.org/mpr/en15804/A1> ; mpr:gwpIndicator <https://w3id.org/mpr/gwp/a1> ;
  mpr:declaredQuantity [ qudt:numericValue 1 ; qudt:unit unit:M3 ] ;
  dcterms:source "EPD T-7 (fictional)" ; dcterms:license <https://creativecommons.org/licenses/by/4.0/> .
"""
PASSPORT = b"""@prefix mpr: <https://w3id.org/mpr#> . @prefix bot: <https://w3id.org/bot#> .
@prefix dcterms: <http://purl.org/dc/terms/> . @prefix qudt: <http://qudt.org/schema/qudt/> .
@prefix unit: <http://qudt.org/vocab/unit/> . @prefix mat: <https://w3id.org/mpr/materials/> .
<> a mpr:Passport ; dcterms:title "Pavilion" ; mpr:describes <#b> ; mpr:visibility mpr:Public .
<#b> a bot:Building ; bot:hasStorey <#s> .
<#s> a bot:Storey ; bot:hasElement <#wall> , <#beam> .
<#wall> a bot:Element ; mpr:composedOf <#wall-c> .
<#wall-c> a mpr:MaterialComposition ; mpr:material mat:concrete ;
  mpr:mass [ qudt:numericValue 4800 ; qudt:unit unit:KiloGM ] ; mpr:volume [ qudt:numericValue 2 ; qudt:unit unit:M3 ] .
<#beam> a bot:Element ; mpr:composedOf <#beam-c> .
<#beam-c> a mpr:MaterialComposition ; mpr:material mat:structural-steel ;
  mpr:mass [ qudt:numericValue 0.5 ; qudt:unit unit:TONNE ] .
"""


def token(client, organisation: str, role: str = "builder") -> dict[str, str]:
    _info, secret = client.app.state.registry.tokens.create(organisation, role)
    return {"Authorization": f"Bearer {secret}"}


def put_passport(client, passport_id: str, body: bytes) -> None:
    answer = client.put(f"/passports/{passport_id}", content=body, headers={**AUTH, **TURTLE})
    assert answer.status_code == 201, answer.text


def test_csv_set_is_stored_as_version_1_with_every_column(client):
    answer = client.put(PATH, content=SET_CSV, headers={**token(client, "acme"), **CSV})
    assert answer.status_code == 200, answer.text
    assert answer.headers["ETag"] == '"acme-carbon-factors-concrete-epds-v1"'
    body = answer.json()
    assert (body["organisation"], body["name"], body["version"], body["visibility"]) == (
        "acme", "concrete-epds", 1, "restricted")  # restricted unless the owner says otherwise
    concrete = body["factors"][0]
    assert concrete | {"source": None} == {
        "material": MAT + "concrete", "module": "A1-A3", "value": 250.0, "unit": "kg CO2e",
        "en15804_version": "https://w3id.org/mpr/en15804/A2", "gwp_indicator": "https://w3id.org/mpr/gwp/total",
        "declared_unit": "1 m3", "declared_quantity": {"amount": 1.0, "unit": "http://qudt.org/vocab/unit/M3"},
        "basis": "EN 15804+A2 GWP-total", "source": None, "licence": "CC-BY-4.0", "dataset": "Beton C30/37"}
    assert body["factors"][1]["material"] == MAT + "structural-steel"  # a concept's label resolves


def test_turtle_set_is_read_and_given_back_as_rdf(client):
    acme = token(client, "acme")
    answer = client.put(PATH + "?visibility=public", content=SET_TTL, headers={**acme, **TURTLE})
    assert answer.status_code == 200, answer.text
    assert answer.json()["factors"][0]["basis"] == "EN 15804+A1 GWP"
    store = Store()
    store.load(client.get(PATH, headers={"Accept": "text/turtle"}).content, RdfFormat.TURTLE)
    assert store.query("PREFIX mpr: <https://w3id.org/mpr#> PREFIX dcterms: <http://purl.org/dc/terms/> "
                       "ASK { ?set a mpr:CarbonFactorSet ; mpr:carbonFactor ?f . ?f mpr:forMaterial "
                       "<https://w3id.org/mpr/materials/timber> ; mpr:kgCO2e 120.0 ; "
                       "dcterms:license <https://creativecommons.org/licenses/by/4.0/> }")


def test_figure_from_an_organisation_set_names_the_set_and_scales_by_volume_and_mass(client):
    acme = token(client, "acme")
    client.put(PATH, content=SET_CSV, headers={**acme, **CSV})
    put_passport(client, "pavilion", PASSPORT)
    answer = client.get("/passports/pavilion/indicators", params={"factors": "acme/concrete-epds"}, headers=acme)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    # wall: 2 m3 x 250 kg CO2e/m3 = 500; beam: 0.5 t = 500 kg x 1.9 kg CO2e/kg = 950; 500 + 950 = 1450
    assert body["carbon_kg_co2e_by_basis"] == {"EN 15804+A2 GWP-total": {"A1-A3": pytest.approx(1450.0)}}
    assert body["carbon_factor_set"] == {"organisation": "acme", "name": "concrete-epds", "version": 1}
    used = {f["material"]: f for f in body["carbon_reference_factors"]}
    assert used[MAT + "concrete"]["factor_set"] == {"organisation": "acme", "name": "concrete-epds", "version": 1}
    assert used[MAT + "concrete"]["source"] == "EPD NL-0001 (fictional)"
    assert body["carbon_sources_by_basis"]["EN 15804+A2 GWP-total"] == [
        "Beton C30/37 (carbon factor set acme/concrete-epds v1)",
        "EPD NL-0002 (fictional) (carbon factor set acme/concrete-epds v1)"]  # steel names no data set: its source
    # without ?factors the shipped reference set (+A1 GWP): 4800 kg concrete x 0.090 = 432; beam 500 kg structural
    # steel x 0.994443589117387 (ÖKOBAUDAT Stahlprofil) = 497.2217945586935; 432 + 497.2217945586935 = 929.2217945586935
    default = client.get("/passports/pavilion/indicators").json()
    assert default["carbon_kg_co2e_by_basis"] == {"EN 15804+A1 GWP": {"A1-A3": pytest.approx(929.2217945586935)}}
    assert default["carbon_factor_set"] == {"organisation": None, "name": "reference", "version": None}


def test_a_per_m3_value_without_the_composition_volume_is_not_computable(client):
    acme = token(client, "acme")
    client.put(PATH, content=SET_CSV, headers={**acme, **CSV})
    put_passport(client, "pavilion", PASSPORT.replace(
        b" ; mpr:volume [ qudt:numericValue 2 ; qudt:unit unit:M3 ] .", b" ."))
    body = client.get("/passports/pavilion/indicators", params={"factors": "acme/concrete-epds"},
                      headers=acme).json()
    # only the beam: 500 kg x 1.9 = 950; the wall's concrete is per m3 and has no volume
    assert body["carbon_kg_co2e_by_basis"] == {"EN 15804+A2 GWP-total": {"A1-A3": pytest.approx(950.0)}}
    [refused] = body["carbon_not_computable"]
    assert refused["part"].endswith("#wall") and refused["module"] == "A1-A3"
    assert refused["reason"] == f"not computable: the composition of <{MAT}concrete> has no volume"


def test_versions_are_kept_and_a_stale_if_match_is_refused(client):
    acme = token(client, "acme")
    client.put(PATH, content=SET_CSV, headers={**acme, **CSV})
    second = client.put(PATH, content=(HEADER + ROWS.replace(",250,", ",260,")).encode(),
                        headers={**acme, **CSV, "If-Match": '"acme-carbon-factors-concrete-epds-v1"'})
    assert second.status_code == 200 and second.json()["version"] == 2
    stale = client.put(PATH, content=SET_CSV, headers={**acme, **CSV,
                                                       "If-Match": '"acme-carbon-factors-concrete-epds-v1"'})
    assert stale.status_code == 412
    assert client.get(PATH, headers=acme).json()["factors"][0]["value"] == 260.0
    assert client.get(PATH, params={"version": 1}, headers=acme).json()["factors"][0]["value"] == 250.0
    put_passport(client, "pavilion", PASSPORT)
    old = client.get("/passports/pavilion/indicators", params={"factors": "acme/concrete-epds@1"}, headers=acme)
    # version 1: 2 m3 x 250 + 500 kg x 1.9 = 500 + 950 = 1450 (version 2 would give 2 x 260 + 950 = 1470)
    assert old.json()["carbon_kg_co2e_by_basis"]["EN 15804+A2 GWP-total"]["A1-A3"] == pytest.approx(1450.0)
    assert old.json()["carbon_factor_set"]["version"] == 1


def test_a_restricted_set_is_absent_to_outsiders_and_unusable_by_them(client):
    acme, other = token(client, "acme"), token(client, "other")
    client.put(PATH, content=SET_CSV, headers={**acme, **CSV})
    put_passport(client, "pavilion", PASSPORT)
    absent = client.get(SETS + "/no-such-set", headers=other)
    for headers in ({}, other):
        hidden = client.get(PATH, headers=headers)
        assert hidden.status_code == 404 and hidden.json()["detail"].replace("concrete-epds", "no-such-set") == \
            absent.json()["detail"]
        assert client.get(SETS, headers=headers).json()["sets"] == []
        used = client.get("/passports/pavilion/indicators", params={"factors": "acme/concrete-epds"}, headers=headers)
        assert used.status_code == 404 and "250" not in used.text
    assert [s["name"] for s in client.get(SETS, headers=acme).json()["sets"]] == ["concrete-epds"]
    assert client.get(PATH, headers=AUTH).status_code == 200  # admins and auditors see every set


def test_a_public_set_is_read_and_used_by_anyone(client):
    client.put(PATH + "?visibility=public", content=SET_CSV, headers={**token(client, "acme"), **CSV})
    put_passport(client, "pavilion", PASSPORT)
    assert client.get(PATH).status_code == 200
    answer = client.get("/passports/pavilion/indicators", params={"factors": "acme/concrete-epds"})
    assert answer.json()["carbon_factor_set"]["name"] == "concrete-epds"


@pytest.mark.parametrize(("rows", "row", "column"), [
    (f"{MAT}concrete,A1-A3,250,kg CO2e,A2,GWP-total,1 m3,,CC-BY-4.0,\n", "row 2", "source"),
    (f"{MAT}concrete,A1-A3,250,kg CO2e,A2,GWP-total,1 m3,EPD,,\n", "row 2", "licence"),
    (ROWS + f"{MAT}concrete,A1-A3,250,kg CO2e,A2,GWP-total,1 furlong,EPD,CC0,\n", "row 4", "declared_unit"),
    (ROWS + f"{MAT}concrete,A1-A3,250,kg CO2e,A1,GWP-total,1 m3,EPD,CC0,\n", "row 4", "gwp_indicator"),
    (ROWS + f"{MAT}concrete,A1,80,kg CO2e,A2,GWP-total,1 m3,EPD,CC0,\n", "row 4", "module"),
    (f"{MAT}concrete,A1-A3,lots,kg CO2e,A2,GWP-total,1 m3,EPD,CC0,\n", "row 2", "value"),
])
def test_a_row_without_what_a_value_must_state_is_422_naming_row_and_column(client, rows, row, column):
    acme = token(client, "acme")
    client.put(PATH, content=SET_CSV, headers={**acme, **CSV})
    store = client.app.state.registry.store
    before = store.count()
    answer = client.put(PATH, content=(HEADER + rows).encode(), headers={**acme, **CSV})
    assert answer.status_code == 422, answer.text
    assert {"row": row, "column": column} in [{k: p[k] for k in ("row", "column")} for p in answer.json()["problems"]]
    assert store.count() == before
    assert client.get(PATH, headers=acme).json()["version"] == 1


def test_an_rdf_value_without_a_licence_is_422_naming_the_property(client):
    answer = client.put(PATH, content=SET_TTL.replace(b' ; dcterms:license <https://creativecommons.org/licenses/by/'
                                                      b'4.0/>', b""), headers={**token(client, "acme"), **TURTLE})
    assert answer.status_code == 422
    assert answer.json()["problems"][0]["column"] == "dcterms:license"
    assert answer.json()["problems"][0]["row"] == f"factor <http://testserver{PATH}#timber>"


def test_outsiders_may_not_write_an_organisation_set(client):
    store, other = client.app.state.registry.store, token(client, "other")
    before = store.count()
    assert client.put(PATH, content=SET_CSV, headers=CSV).status_code == 401
    assert client.put(PATH, content=SET_CSV, headers={**other, **CSV}).status_code == 403
    assert store.count() == before


def test_a1_and_a2_values_of_one_set_are_never_summed(client):
    acme = token(client, "acme")
    rows = ROWS.replace("structural-steel,A1-A3,1.9,kg CO2e,EN 15804+A2,GWP-total",
                        "structural-steel,A1-A3,1.7,kg CO2e,A1,GWP")
    client.put(PATH, content=(HEADER + rows).encode(), headers={**acme, **CSV})
    put_passport(client, "pavilion", PASSPORT)
    body = client.get("/passports/pavilion/indicators", params={"factors": "acme/concrete-epds"},
                      headers=acme).json()
    # concrete 2 m3 x 250 = 500 under +A2 GWP-total; steel 500 kg x 1.7 = 850 under +A1 GWP; never 1350
    assert body["carbon_kg_co2e_by_basis"] == {"EN 15804+A2 GWP-total": {"A1-A3": pytest.approx(500.0)},
                                               "EN 15804+A1 GWP": {"A1-A3": pytest.approx(850.0)}}
    assert body["carbon_bases_mixed"] is True


@pytest.mark.parametrize("value", ["acme", "acme/", "acme/x@0", "acme/x@y", "ACME/x", "acme/x@99999999999"])
def test_a_malformed_factors_parameter_is_400(client, value):
    put_passport(client, "pavilion", PASSPORT)
    answer = client.get("/passports/pavilion/indicators", params={"factors": value})
    assert answer.status_code == 400, answer.text


# --- EPD product types: figures per declared unit, scaled by the element's quantity ------------------------

EPD_PER_M3 = json.dumps({
    "product_name": "Kalkzandsteen CS12 (fictional)", "declared_unit": {"qty": 1, "unit": "m3"},
    "date_of_issue": "2025-01-01", "valid_until": "2030-01-01", "compliance": [{"short_name": "EN 15804+A2"}],
    "impacts": {"EF 3.0": {"gwp": {"A1A2A3": {"mean": 152.3, "unit": "kgCO2e"}}}}}).encode()
BUILDING = """@prefix mpr: <https://w3id.org/mpr#> . @prefix bot: <https://w3id.org/bot#> .
@prefix dcterms: <http://purl.org/dc/terms/> . @prefix qudt: <http://qudt.org/schema/qudt/> .
@prefix unit: <http://qudt.org/vocab/unit/> .
<> a mpr:Passport ; dcterms:title "Block house" ; mpr:describes <#b> ; mpr:visibility mpr:Public .
<#b> a bot:Building ; bot:hasStorey <#s> .
<#s> a bot:Storey ; bot:hasElement <#wall> .
<#wall> a bot:Element ; mpr:instanceOf <blocks#product> QUANTITY .
"""


def _block_house(client, quantity: str) -> dict:
    answer = client.post("/imports/epd", content=EPD_PER_M3, headers={**AUTH, "Content-Type": "application/json",
                                                                       "Slug": "blocks"})
    assert answer.status_code == 201, answer.text
    put_passport(client, "house", BUILDING.replace("QUANTITY", quantity).encode())
    return client.get("/passports/house/indicators").json()


def test_an_epd_per_m3_is_scaled_by_the_element_volume(client):
    body = _block_house(client, "; mpr:volume [ qudt:numericValue 3.5 ; qudt:unit unit:M3 ]")
    # 3.5 m3 x 152.3 kg CO2e per m3 = 533.05
    assert body["carbon_kg_co2e_by_basis"] == {"EN 15804+A2 GWP-total": {"A1-A3": pytest.approx(533.05)}}
    assert body["carbon_not_computable"] == []


def test_an_epd_per_m3_on_an_element_without_volume_is_not_computable(client):
    body = _block_house(client, "; mpr:count 4")
    assert body["carbon_kg_co2e_by_basis"] == {}  # never 4 x 152.3: a count is no volume
    [refused] = body["carbon_not_computable"]
    assert refused["reason"] == "not computable: element has no volume"
    assert refused["basis"] == "EN 15804+A2 GWP-total" and refused["module"] == "A1-A3"


def test_an_epd_per_kg_is_scaled_by_the_element_mass(client):
    per_kg = EPD_PER_M3.replace(b'"unit": "m3"', b'"unit": "kg"').replace(b"152.3", b"0.25")
    answer = client.post("/imports/epd", content=per_kg, headers={**AUTH, "Content-Type": "application/json",
                                                                   "Slug": "blocks"})
    assert answer.status_code == 201, answer.text
    put_passport(client, "house", BUILDING.replace("QUANTITY", "; mpr:mass [ qudt:numericValue 1.2 ; "
                                                   "qudt:unit unit:TONNE ]").encode())
    body = client.get("/passports/house/indicators").json()
    # 1.2 t = 1200 kg x 0.25 kg CO2e per kg = 300
    assert body["carbon_kg_co2e_by_basis"] == {"EN 15804+A2 GWP-total": {"A1-A3": pytest.approx(300.0)}}


def test_cli_stores_a_set_and_shows_it(tmp_path):
    from tests.test_cli import mpr

    table, data = tmp_path / "set.csv", tmp_path / "data"
    table.write_bytes(SET_CSV)
    stored = mpr("factors", "set", "acme", "concrete-epds", str(table), "--data", str(data))
    assert stored.returncode == 0, stored.stderr
    assert "version 1, 2 values, restricted" in stored.stdout
    shown = mpr("factors", "show", "acme", "concrete-epds", "--data", str(data))
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["factors"][0]["value"] == 250.0
    table.write_bytes((HEADER + ROWS.replace(",CC-BY-4.0,", ",,", 1)).encode())
    refused = mpr("factors", "set", "acme", "concrete-epds", str(table), "--data", str(data))
    assert refused.returncode == 1 and "row 2, column licence" in refused.stderr


@pytest.mark.parametrize(("text", "expected"), [
    ("1 m3", (1.0, "http://qudt.org/vocab/unit/M3")),
    ("1000 kg", (1000.0, "http://qudt.org/vocab/unit/KiloGM")),
    ("1 m3 Calcium silicate block CS 12", (1.0, "http://qudt.org/vocab/unit/M3")),  # ILCD: amount, unit, flow
    ("1 Units for volume Concrete C30/37", (1.0, "http://qudt.org/vocab/unit/M3")),  # ILCD unit group, ref. m3
    ("unit:M2", (1.0, "http://qudt.org/vocab/unit/M2")),
    ("1 piece", (1.0, "http://qudt.org/vocab/unit/NUM")),
    ("1 x reference flow", None), ("1,000 kg", None), ("0 kg", None), ("1 furlong", None),
])
def test_declared_units_are_read_as_written_or_not_at_all(text, expected):
    from registry.quantities import declared_quantity

    assert declared_quantity(text) == expected


def test_indicators_with_a_set_are_private_to_the_caller(client):
    acme = token(client, "acme")
    client.put(PATH, content=SET_CSV, headers={**acme, **CSV})
    put_passport(client, "pavilion", PASSPORT)
    answer = client.get("/passports/pavilion/indicators", params={"factors": "acme/concrete-epds"}, headers=acme)
    assert answer.headers["Cache-Control"] == "private" and "Authorization" in answer.headers["Vary"]


def test_a_set_fetched_as_turtle_or_csv_is_accepted_back_unchanged(client):
    acme = token(client, "acme")
    first = client.put(PATH, content=SET_CSV, headers={**acme, **CSV}).json()["factors"]
    turtle = client.get(PATH, headers={**acme, "Accept": "text/turtle"}).content
    again = client.put(PATH, content=turtle, headers={**acme, **TURTLE,
                                                      "If-Match": '"acme-carbon-factors-concrete-epds-v1"'})
    assert again.status_code == 200, again.text
    assert again.json()["version"] == 2 and again.json()["factors"] == first
    table = client.get(PATH, headers={**acme, "Accept": "text/csv"}).content
    third = client.put(PATH, content=table, headers={**acme, **CSV})
    assert third.status_code == 200, third.text
    assert third.json()["version"] == 3 and third.json()["factors"] == first
