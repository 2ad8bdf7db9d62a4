"""EPD import: openEPD JSON and ILCD+EPD XML become a product-type passport with carbon per module and GWP
indicator; elements that are an instance of it use its carbon; an expired EPD is flagged; bad files store nothing.

Expected figures are read off the test files by hand (tests/data/epd/, fictional EPDs):
- hollow-core-slab.openepd.json, EF 3.0, EN 15804+A2 (compliance "EN 15804+A2"), declared unit 1 m2:
  gwp (= GWP-total under +A2) A1A2A3 48.6, A4 2.15, A5 1.2, C1 0.85, C2 1.9, C3 1.4, C4 0.05, D -3.3;
  gwp-fossil A1A2A3 48.1, D -3.2; gwp-biogenic A1A2A3 0.4; gwp-luluc A1A2A3 0.1; odp is not carbon.
- calcium-silicate-block.ilcd.xml, "DIN EN 15804+A2", declared unit 1 m3:
  GWP-total A1-A3 152.3, A4 9.8, C1 1.1, C2 3.6, C3 0.9, C4 2.4, D -6.2 (one scenario, "Recycling"),
  B1 empty (not assessed: left out, not 0); GWP-fossil A1-A3 151.7, A4 9.7; ODP is not carbon.
  Valid until 2026 (a year): to 2026-12-31; published 2021-06-15.
"""

from __future__ import annotations

import json
from datetime import date

import pytest

from registry.errors import InvalidPassport, MalformedInput
from registry.importers import epd
from registry.settings import PROJECT_ROOT
from registry.validation import Validator
from tests.conftest import AUTH, DATA, settled
from tests.test_cli import mpr
from tests.test_validation_engines import both, prepared

OPENEPD = (DATA / "epd" / "hollow-core-slab.openepd.json").read_bytes()
ILCD = (DATA / "epd" / "calcium-silicate-block.ilcd.xml").read_bytes()
JSON = {**AUTH, "Content-Type": "application/json"}
XML = {**AUTH, "Content-Type": "application/xml"}
TODAY = date(2026, 12, 2)
BUILDING = b"""@prefix mpr: <https://w3id.org/mpr#> . @prefix bot: <https://w3id.org/bot#> .
@prefix dcterms: <http://purl.org/dc/terms/> . @prefix conn: <https://w3id.org/mpr/connections/> .
@prefix qudt: <http://qudt.org/schema/qudt/> . @prefix unit: <http://qudt.org/vocab/unit/> .
<> a mpr:Passport ; dcterms:title "Pavilion" ; mpr:describes <#b> ; mpr:visibility mpr:Public .
<#b> a bot:Building ; bot:hasStorey <#s> .
<#s> a bot:Storey ; bot:hasElement <#floor> .
<#floor> a bot:Element ; mpr:instanceOf <slab#product> ; mpr:count 3 ; mpr:connectionType conn:dry ;
  mpr:area [ qudt:numericValue 2.5 ; qudt:unit unit:M2 ] .
"""


@pytest.mark.parametrize(("unit", "factor"), [
    ("kg CO2 eqv.", 1.0), ("kg CO2-Äqv.", 1.0), ("kg CO_(2)-Äq.", 1.0), ("kg CO₂e", 1.0), ("t CO2-eq", 1000.0),
    ("g CO2e", 0.001)])
def test_published_spellings_of_kg_co2e_are_read(unit, factor):
    # the ILCD+EPD examples of InDataWG (tests/data/epd/README.md) and ÖKOBAUDAT write the unit these ways
    assert epd.co2e_factor(unit) == factor


@pytest.mark.parametrize("unit", ["kg", "kg SO2 eq.", "m3", "kg CFC-11 eq."])
def test_units_that_are_not_co2e_are_still_refused(unit):
    assert epd.co2e_factor(unit) is None


def test_the_ilcd_epd_example_takes_the_default_scenario_of_each_module():
    report = epd.import_bytes((DATA / "epd" / "indata-wood-panel.ilcd.xml").read_bytes(), "wood.xml", "ilcd",
                              TODAY).report
    total = report["kg_co2e_by_indicator"]["total"]
    # GWP-total as the file gives it; A4 'Transport to Gdansk' (default) 10.403..., not 'Transport to Berlin'
    # 10.621...; C3, C4, D '100% recycling' (default), not '100% incineration' (C3 29.839..., C4 37.348...)
    assert total == {"A1-A3": 15.559479677163699, "A4": 10.403452605105544, "C3": 12.55722191320309,
                     "C4": 16.861343234824155, "D": 3.890472762252513}
    assert report["skipped"] == []
    assert "GWP-total) A4: 'Transport to Gdansk', the EPD's default of 2 scenarios" in "\n".join(
        report["default_scenarios"])
    assert report["en15804_version"] == "EN 15804+A2"


def test_the_format_sample_reads_german_units_and_default_scenarios():
    report = epd.import_bytes((DATA / "epd" / "indata-sample.ilcd.xml").read_bytes(), "sample.xml", "ilcd",
                              TODAY).report
    # GWP 100 A1-A3 42; A4: Sc1 (default) 3, not Sc2 2; C3: S2 (default) 7, not S1 22
    assert report["kg_co2e_by_indicator"] == {"unstated": {"A1-A3": 42.0, "A4": 3.0, "C3": 7.0}}


def openepd_with(**changes: object) -> bytes:
    doc = json.loads(OPENEPD)
    doc.update(changes)
    return json.dumps(doc).encode()


def test_openepd_gives_carbon_by_module_and_indicator():
    report = epd.import_bytes(OPENEPD, "slab.json", "openepd", TODAY).report
    assert report["en15804_version"] == "EN 15804+A2"
    assert report["declared_unit"] == "1 m2"
    assert report["lcia_method"] == "EF 3.0"
    assert report["kg_co2e_by_indicator"] == {
        "total": {"A1-A3": 48.6, "A4": 2.15, "A5": 1.2, "C1": 0.85, "C2": 1.9, "C3": 1.4, "C4": 0.05, "D": -3.3},
        "fossil": {"A1-A3": 48.1, "D": -3.2}, "biogenic": {"A1-A3": 0.4}, "luluc": {"A1-A3": 0.1}}
    assert (report["issued"], report["valid_until"], report["expired"]) == ("2023-03-01", "2028-03-01", False)
    assert (report["programme_operator"], report["registration_number"]) == ("Stichting MRPI", "MRPI-E-00.0123")


def test_ilcd_gives_carbon_by_module_and_indicator():
    report = epd.import_bytes(ILCD, "cs.xml", "ilcd", TODAY).report
    assert report["en15804_version"] == "EN 15804+A2"
    assert report["declared_unit"] == "1 m3 Calcium silicate block CS 12"
    assert report["kg_co2e_by_indicator"] == {
        "total": {"A1-A3": 152.3, "A4": 9.8, "C1": 1.1, "C2": 3.6, "C3": 0.9, "C4": 2.4, "D": -6.2},
        "fossil": {"A1-A3": 151.7, "A4": 9.7}}
    assert (report["issued"], report["valid_until"]) == ("2021-06-15", "2026-12-31")
    assert report["registration_number"] == "EPD-KSV-20210123-IBG1-EN"
    assert report["programme_operator"] == "Institut Bauen und Umwelt e.V."
    assert report["manufacturer"] == "Voorbeeld Kalkzandsteen B.V."


def test_single_gwp_of_a1_is_not_gwp_total():
    doc = openepd_with(compliance=[{"short_name": "EN 15804+A1"}],
                       impacts={"CML 2012": {"gwp": {"A1A2A3": {"mean": 10, "unit": "kgCO2e"}}}})
    report = epd.import_bytes(doc, "a1.json", "openepd", TODAY).report
    assert report["en15804_version"] == "EN 15804+A1"
    assert report["kg_co2e_by_indicator"] == {"a1": {"A1-A3": 10.0}}


def test_tonnes_are_converted_to_kg():
    doc = openepd_with(impacts={"EF 3.0": {"gwp": {"A1A2A3": {"mean": 0.0486, "unit": "t CO2e"}}}})
    assert epd.import_bytes(doc, "t.json", "openepd", TODAY).report["kg_co2e_by_indicator"] == \
        {"total": {"A1-A3": pytest.approx(48.6)}}  # 0.0486 t x 1000 kg/t


def test_aggregate_and_its_parts_are_never_both_kept():
    doc = openepd_with(impacts={"EF 3.0": {"gwp": {"A1A2A3": {"mean": 30, "unit": "kgCO2e"},
                                                    "A1": {"mean": 20, "unit": "kgCO2e"}}}})
    report = epd.import_bytes(doc, "both.json", "openepd", TODAY).report
    assert report["kg_co2e_by_indicator"] == {"total": {"A1-A3": 30.0}}
    assert any("A1" in s for s in report["skipped"])


def test_route_stores_a_product_type_passport(client):
    answer = client.post("/imports/epd", content=OPENEPD, headers={**JSON, "Slug": "slab"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["report"]["expired"] is False
    found = client.post("/sparql", data={"query": """PREFIX mpr: <https://w3id.org/mpr#>
        PREFIX schema: <https://schema.org/> SELECT ?kg WHERE { ?p a schema:Product ; schema:hasCertification ?e ;
        mpr:embodiedCarbon [ mpr:lifeCycleModule <https://w3id.org/mpr/modules/D> ;
          mpr:gwpIndicator <https://w3id.org/mpr/gwp/fossil> ; mpr:kgCO2e ?kg ] .
        ?e schema:expires "2028-03-01"^^<http://www.w3.org/2001/XMLSchema#date> }"""},
        headers={"Accept": "application/sparql-results+json"})
    assert [b["kg"]["value"] for b in found.json()["results"]["bindings"]] == ["-3.2"]


def test_instances_use_the_epd_carbon(client):
    assert client.post("/imports/epd", content=OPENEPD, headers={**JSON, "Slug": "slab"}).status_code == 201
    assert client.put("/passports/pavilion", content=BUILDING,
                      headers={**AUTH, "Content-Type": "text/turtle"}).status_code == 201
    by_basis = client.get("/passports/pavilion/indicators").json()["carbon_kg_co2e_by_basis"]
    # the EPD declares per 1 m2: 3 floor units x 2.5 m2 each = 7.5 m2 x the EPD's figures
    assert by_basis["EN 15804+A2 GWP-total"]["A1-A3"] == pytest.approx(364.5)  # 7.5 x 48.6
    assert by_basis["EN 15804+A2 GWP-total"]["D"] == pytest.approx(-24.75)  # 7.5 x -3.3
    assert by_basis["EN 15804+A2 GWP-fossil"] == {"A1-A3": pytest.approx(360.75), "D": pytest.approx(-24.0)}


def test_gwp_fossil_is_not_added_to_gwp_total_in_the_module_sums(client):
    assert client.post("/imports/epd", content=OPENEPD, headers={**JSON, "Slug": "slab"}).status_code == 201
    assert client.put("/passports/pavilion", content=BUILDING,
                      headers={**AUTH, "Content-Type": "text/turtle"}).status_code == 201
    answer = client.get("/passports/pavilion/indicators").json()
    # GWP-fossil (7.5 m2 x 48.1 = 360.75) is a part of GWP-total (7.5 x 48.6 = 364.5): the module sum is
    # GWP-total alone, not 725.25
    assert answer["carbon_kg_co2e_by_module"]["A1-A3"] == pytest.approx(364.5)
    assert answer["carbon_bases_mixed"] is False  # one edition, one headline indicator


def test_expired_epd_is_flagged_in_answer_and_validation(client):
    expired = openepd_with(valid_until="2020-01-01T00:00:00Z")
    answer = client.post("/imports/epd?dry_run=true", content=expired, headers=JSON)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["report"]["expired"] is True
    warnings = [r for r in body["validation"]["results"] if r["severity"] == "Warning"
                and "expired on 2020-01-01" in r["message"]]
    assert len(warnings) == 1


def test_valid_epd_has_no_expiry_warning(client):
    body = client.post("/imports/epd?dry_run=true", content=OPENEPD, headers=JSON).json()
    assert not [r for r in body["validation"]["results"] if "expired" in r["message"]]


@pytest.mark.parametrize(("content", "headers", "status", "words"), [
    (b'{"product_name": "x", ', JSON, 400, "is not JSON"),
    (b"[" * 100_000 + b"]" * 100_000, JSON, 400, "deeper than"),
    (b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaa">]><processDataSet>&a;</processDataSet>', XML, 400,
     "DOCTYPE"),
    (b"<processDataSet><unclosed></processDataSet>", XML, 400, "not well-formed"),
    (b"<processDataSet>" + b"<a>" * 100 + b"</a>" * 100 + b"</processDataSet>", XML, 400, "deeper than 64"),
    (b"<flowDataSet/>", XML, 400, "not an ILCD+EPD process data set"),
    (openepd_with(impacts={"EF 3.0": {"gwp": {"A1A2A3": {"mean": 48.6, "unit": "MJ"}}}}), JSON, 422, "'MJ'"),
    (openepd_with(declared_unit=None), JSON, 422, "declared unit is missing"),
    (openepd_with(impacts={"EF 3.0": {"odp": {"A1A2A3": {"mean": 1e-6, "unit": "kgCFC11e"}}}}), JSON, 422,
     "no global warming potential"),
    (ILCD.replace(b"Units for mass", b"kg CFC-11 eq"), XML, 422, "'kg CFC-11 eq'"),
])
def test_bad_files_answer_4xx_and_store_nothing(client, content, headers, status, words):
    store = settled(client.app.state.registry).store
    before = store.count()
    answer = client.post("/imports/epd", content=content, headers=headers)
    assert answer.status_code == status, answer.text
    assert words in json.dumps(answer.json())
    assert store.count() == before


def test_anonymous_cannot_store_an_epd(client):
    store = settled(client.app.state.registry).store
    before = store.count()
    assert client.post("/imports/epd", content=OPENEPD, headers={"Content-Type": "application/json"}).status_code == 401
    assert store.count() == before


def test_importer_refuses_entities_before_expanding_them():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "x"><!ENTITY b "&a;&a;">]>'
            b"<processDataSet>&b;</processDataSet>")
    with pytest.raises(MalformedInput, match="DOCTYPE"):
        epd.import_bytes(bomb, "bomb.xml", "ilcd", TODAY)


def test_problems_are_all_reported_at_once():
    doc = openepd_with(product_name=None, declared_unit=None, date_of_issue="yesterday")
    with pytest.raises(InvalidPassport) as caught:
        epd.import_bytes(doc, "bad.json", "openepd", TODAY)
    fields = {p["field"] for p in caught.value.extra["problems"]}
    assert fields == {"product_name", "declared_unit", "date_of_issue"}


def test_cli_dry_run_prints_the_passport_and_report(tmp_path):
    path = tmp_path / "slab.json"
    path.write_bytes(openepd_with(valid_until="2020-01-01T00:00:00Z"))
    run = mpr("import-epd", str(path), "--dry-run")
    assert run.returncode == 0, run.stderr
    assert "schema:hasCertification" in run.stdout
    assert '"expired": true' in run.stderr


@pytest.mark.parametrize("valid_until", ["2020-01-01T00:00:00Z", "2999-01-01T00:00:00Z"])
def test_both_engines_give_the_same_expiry_result(tmp_path, valid_until):
    validator = Validator(PROJECT_ROOT / "shapes", PROJECT_ROOT / "ontology")
    path = tmp_path / "slab.ttl"
    path.write_bytes(epd.import_bytes(openepd_with(valid_until=valid_until), "slab.json", "openepd").turtle)
    fast, reference = both(validator, prepared(validator, path))
    assert fast.results == reference.results
    assert len([r for r in reference.warnings if "expired on" in r.message]) == (valid_until < "2026")


def test_multipart_upload_of_an_ilcd_file_is_stored(client):
    answer = client.post("/imports/epd", files={"file": ("cs12.xml", ILCD, "application/xml")},
                         headers={**AUTH, "Slug": "cs12"})
    assert answer.status_code == 201, answer.text
    assert answer.headers["Location"] == "/passports/cs12"
    assert answer.json()["report"]["format"] == "ILCD+EPD"


def test_other_media_types_are_refused(client):
    answer = client.post("/imports/epd", content=OPENEPD, headers={**AUTH, "Content-Type": "text/csv"})
    assert answer.status_code == 415
    assert "application/json" in answer.json()["detail"]


def test_an_expiry_date_as_text_is_refused(client):
    passport = epd.import_bytes(OPENEPD, "slab.json", "openepd").turtle.replace(
        b'"2028-03-01"^^xsd:date', b'"March 2028"')
    answer = client.post("/passports", content=passport, headers={**AUTH, "Content-Type": "text/turtle"})
    assert answer.status_code == 422
    assert "schema:expires" in answer.text



def test_a_private_openepd_becomes_a_restricted_passport(client):
    # openEPD `private`: "This document's author does not wish the contents published" (cchangelabs/openepd)
    report = epd.import_bytes(openepd_with(private=True), "draft.json", "openepd", TODAY)
    assert report.report["private"] is True and b"mpr:visibility mpr:Restricted" in report.turtle
    stored = client.post("/imports/epd", content=openepd_with(private=True), headers={**JSON, "Slug": "draft-epd"})
    assert stored.status_code == 201, stored.text
    assert client.get("/passports/draft-epd").status_code == 404  # anonymous: not there
    assert client.get("/passports/draft-epd", headers=AUTH).status_code == 200


def test_an_openepd_without_private_stays_public():
    public = epd.import_bytes(openepd_with(private=None), "slab.json", "openepd", TODAY)  # null is false
    assert public.report["private"] is False and b"mpr:visibility mpr:Public" in public.turtle


def test_an_org_given_by_its_web_domain_only_is_named_by_it():
    # cchangelabs/python-openepd-sample epd.json names its manufacturer and operator by web_domain alone
    doc = openepd_with(manufacturer={"web_domain": "example_manufacturer.com"},
                       program_operator={"web_domain": "example_program_operator.com"})
    report = epd.import_bytes(doc, "slab.json", "openepd", TODAY).report
    assert (report["manufacturer"], report["programme_operator"]) == (
        "example_manufacturer.com", "example_program_operator.com")


@pytest.mark.parametrize("compliance", [1, True, -1e308, "EN 15804+A2", {"short_name": "EN 15804+A2"}])
def test_a_compliance_that_is_not_a_list_states_no_edition(compliance):
    # openEPD `compliance` is a list of standards; a number was a TypeError (500) before
    report = epd.import_bytes(openepd_with(compliance=compliance), "slab.json", "openepd", TODAY).report
    assert report["en15804_version"] == "EN 15804+A2"  # from the EF 3.0 method, as without a compliance list
