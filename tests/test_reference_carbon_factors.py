"""The shipped reference factors (registry/indicators/carbon-factors.csv) of steel, aluminium and float glass.

Each test stores a passport with one element of one material and reads its embodied carbon from the indicator
service; the expected figure is worked by hand: mass x the ÖKOBAUDAT 2020-II A1-A3 value per kg (EN 15804+A1 GWP).
"""

from __future__ import annotations

import pytest

from tests.conftest import AUTH

MAT = "https://w3id.org/mpr/materials/"
TURTLE = {"Content-Type": "text/turtle"}


def carbon_of(client, slug: str, mass_kg: float) -> dict[str, object]:
    """The indicators of a one-element passport made of `mass_kg` of material `slug`."""
    passport = f"""@prefix mpr: <https://w3id.org/mpr#> . @prefix bot: <https://w3id.org/bot#> .
@prefix dcterms: <http://purl.org/dc/terms/> . @prefix qudt: <http://qudt.org/schema/qudt/> .
@prefix unit: <http://qudt.org/vocab/unit/> . @prefix mat: <https://w3id.org/mpr/materials/> .
<> a mpr:Passport ; dcterms:title "One {slug} part" ; mpr:describes <#b> ; mpr:visibility mpr:Public .
<#b> a bot:Building ; bot:hasElement <#part> .
<#part> a bot:Element ; mpr:composedOf <#part-c> .
<#part-c> a mpr:MaterialComposition ; mpr:material mat:{slug} ;
  mpr:mass [ qudt:numericValue {mass_kg} ; qudt:unit unit:KiloGM ] .
""".encode()
    answer = client.put(f"/passports/one-{slug}", content=passport, headers={**AUTH, **TURTLE})
    assert answer.status_code == 201, answer.text
    body = client.get(f"/passports/one-{slug}/indicators").json()
    [factor] = body["carbon_reference_factors"]
    assert factor["material"] == MAT + slug and factor["factor_set"]["name"] == "reference"
    assert body["carbon_uncovered_mass_kg"] == 0
    return body


def test_structural_steel_uses_the_oekobaudat_steel_section(client):
    body = carbon_of(client, "structural-steel", 500)
    # 500 kg x 0.994443589117387 kg CO2e/kg (Stahlprofil, 38051c22-...) = 497.2217945586935 kg CO2e
    assert body["carbon_kg_co2e_by_basis"] == {"EN 15804+A1 GWP": {"A1-A3": pytest.approx(497.2217945586935)}}
    assert "Stahlprofil" in str(body["carbon_reference_factors"][0]["dataset"])


def test_reinforcing_steel_uses_the_oekobaudat_reinforcement(client):
    body = carbon_of(client, "reinforcing-steel", 2000)
    # 2000 kg x 0.683355033568454 kg CO2e/kg (Bewehrungsstahl, e9ae96ee-...) = 1366.710067136908 kg CO2e
    assert body["carbon_kg_co2e_by_basis"] == {"EN 15804+A1 GWP": {"A1-A3": pytest.approx(1366.710067136908)}}
    assert "Bewehrungsstahl" in str(body["carbon_reference_factors"][0]["dataset"])


def test_aluminium_uses_the_oekobaudat_aluminium_section(client):
    body = carbon_of(client, "aluminium", 30)
    # 30 kg x 10.6770348323141 kg CO2e/kg (Aluminium Profil, bd6d6d89-...) = 320.311044969423 kg CO2e
    assert body["carbon_kg_co2e_by_basis"] == {"EN 15804+A1 GWP": {"A1-A3": pytest.approx(320.311044969423)}}
    assert "Aluminium Profil" in str(body["carbon_reference_factors"][0]["dataset"])


def test_float_glass_uses_the_flat_glass_value_per_m2_over_its_area_weight(client):
    body = carbon_of(client, "float-glass", 250)
    # 9.71 kg CO2e per m2 / 10 kg per m2 = 0.971 kg CO2e/kg (Flachglas, dc96eace-...); 250 kg x 0.971 = 242.75
    assert body["carbon_kg_co2e_by_basis"] == {"EN 15804+A1 GWP": {"A1-A3": pytest.approx(242.75)}}
    assert "Flachglas" in str(body["carbon_reference_factors"][0]["dataset"])
