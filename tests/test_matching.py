"""Supply search (/materials), demands (/demands), matches with scores and reasons, bad input.

Real Oxigraph stores through the `client` fixture; small passports are written in each test. Scores
and carbon figures are worked out by hand in the comments, from the documented default weights
(concept 0.25, quantity 0.20, distance 0.15, time 0.10, condition 0.10, dimensions 0.10, carbon 0.10),
the reference A1-A3 factor of concrete (0.090 kg CO2e/kg, registry/indicators/carbon-factors.csv) and
the transport factor 0.1 kg CO2e per tonne-km.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import AUTH, EXAMPLES
from tests.matching_data import KM_PER_TENTH_DEGREE, TURTLE, demand, passport, put

MAT = "https://w3id.org/mpr/materials/"


def _materials(client: TestClient, **params: object) -> dict:
    response = client.get("/materials", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_materials_filter_includes_narrower_concepts(client: TestClient) -> None:
    put(client, "plain", passport("Plain", 5.0, 52.0, "concrete"))
    put(client, "rc", passport("RC", 5.0, 52.0, "reinforced-concrete"))
    put(client, "ps", passport("PS", 5.0, 52.0, "prestressed-concrete"))  # narrower of narrower
    put(client, "bricks", passport("Bricks", 5.0, 52.0, "brick"))
    found = {i["material"] for i in _materials(client, material="mat:concrete")["items"]}
    assert found == {MAT + "concrete", MAT + "reinforced-concrete", MAT + "prestressed-concrete"}
    only = {i["material"] for i in _materials(client, material=MAT + "concrete", narrower=False)["items"]}
    assert only == {MAT + "concrete"}


def test_materials_radius_is_great_circle_and_sorted_by_distance(client: TestClient) -> None:
    put(client, "far", passport("Far", 5.0, 52.5))      # 5 x 11.119508 = 55.5975 km north
    put(client, "near", passport("Near", 5.0, 52.1))    # 11.119508 km north
    put(client, "here", passport("Here", 5.0, 52.0))    # 0 km
    body = _materials(client, lon=5.0, lat=52.0, radius_km=50)
    assert [i["label"] for i in body["items"]] == ["Here part", "Near part"]
    assert body["items"][1]["distance_km"] == pytest.approx(KM_PER_TENTH_DEGREE, rel=1e-9)
    assert body["items"][1]["distance_km"] == pytest.approx(11.1195, abs=1e-4)
    wide = _materials(client, lon=5.0, lat=52.0, radius_km=60)
    assert [i["label"] for i in wide["items"]][-1] == "Far part"
    assert wide["items"][-1]["distance_km"] == pytest.approx(5 * KM_PER_TENTH_DEGREE, rel=1e-9)


def test_materials_location_and_date_are_inherited_from_the_building(client: TestClient) -> None:
    put(client, "b", passport("B", 4.9, 52.3, available="2030-05-01"))
    (item,) = _materials(client)["items"]
    assert (item["lon"], item["lat"], item["available_from"]) == (4.9, 52.3, "2030-05-01")
    assert item["part"].endswith("/passports/b#part")


def test_materials_date_window_and_sort_by_date(client: TestClient) -> None:
    put(client, "late", passport("Late", 5.0, 52.0, available="2031-01-01"))
    put(client, "early", passport("Early", 5.0, 52.0, available="2026-01-01"))
    put(client, "mid", passport("Mid", 5.0, 52.0, available="2028-06-30"))
    put(client, "unknown", passport("Unknown", 5.0, 52.0, available=None))
    everything = _materials(client, sort="date")["items"]
    assert [i["label"] for i in everything] == ["Early part", "Mid part", "Late part", "Unknown part"]
    window = _materials(client, available_from="2027-01-01", available_until="2030-12-31")["items"]
    assert [i["label"] for i in window] == ["Mid part"]


def test_materials_quantity_and_condition_filters(client: TestClient) -> None:
    put(client, "small", passport("Small", 5.0, 52.0, mass=100, condition="as-new"))
    put(client, "big", passport("Big", 5.0, 52.0, mass=5000, condition="poor"))
    assert [i["label"] for i in _materials(client, min_mass_kg=1000)["items"]] == ["Big part"]
    assert [i["label"] for i in _materials(client, condition="good")["items"]] == ["Small part"]


def _length(metres: float) -> str:
    return f"mpr:length [ a qudt:QuantityValue ; qudt:numericValue {metres} ; qudt:unit unit:M ] ;"


def test_materials_dimension_filter_keeps_items_within_the_limits(client: TestClient) -> None:
    put(client, "short", passport("Short", 5.0, 52.0, part_extra=_length(2.4)))
    put(client, "long", passport("Long", 5.0, 52.0, part_extra=_length(7.2)))
    put(client, "unsized", passport("Unsized", 5.0, 52.0))
    assert [i["label"] for i in _materials(client, min_length_m=3)["items"]] == ["Long part"]
    assert [i["label"] for i in _materials(client, min_length_m=2, max_length_m=3)["items"]] == ["Short part"]


def test_materials_dimension_limits_reversed_are_400(client: TestClient) -> None:
    response = client.get("/materials", params={"min_length_m": 3, "max_length_m": 2})
    assert response.status_code == 400
    assert "min_length_m 3.0 is above max_length_m 2.0" in response.json()["detail"]


def test_materials_paging_and_csv(client: TestClient) -> None:
    for n in range(3):
        put(client, f"p{n}", passport(f"P{n}", 5.0, 52.0 + n / 10))
    first = _materials(client, lon=5.0, lat=52.0, limit=2)
    assert first["total"] == 3 and len(first["items"]) == 2
    assert "offset=2" in first["next"]
    second = client.get(first["next"]).json()
    assert [i["label"] for i in second["items"]] == ["P2 part"]
    response = client.get("/materials", params={"lon": 5.0, "lat": 52.0}, headers={"Accept": "text/csv"})
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["label"] for r in rows] == ["P0 part", "P1 part", "P2 part"]
    assert float(rows[0]["mass_kg"]) == 1000.0


def test_materials_hide_restricted_passports_from_anonymous(client: TestClient) -> None:
    put(client, "open", passport("Open", 5.0, 52.0))
    put(client, "closed", passport("Closed", 5.0, 52.0, restricted=True))
    assert [i["label"] for i in _materials(client)["items"]] == ["Open part"]
    admin = client.get("/materials", headers=AUTH).json()
    assert {i["label"] for i in admin["items"]} == {"Open part", "Closed part"}


def test_unknown_concept_is_400_with_close_matches(client: TestClient) -> None:
    response = client.get("/materials", params={"material": "mat:glulamm"})
    assert response.status_code == 400
    assert "glulamm" in response.json()["detail"]
    assert f"<{MAT}glulam>" in response.json()["detail"]
    posted = client.post("/match", json=demand(wants="mat:concret"))
    assert posted.status_code == 400 and f"<{MAT}concrete>" in posted.json()["detail"]


@pytest.mark.parametrize("params", [
    {"lon": 5, "lat": 52, "radius_km": -1},
    {"lon": 5, "lat": 52, "radius_km": 50000},
    {"radius_km": 10},
    {"available_from": "2030-01-01", "available_until": "2029-01-01"},
    {"sort": "distance"},
    {"min_length_m": -1},
    {"max_area_m2": -0.5},
])
def test_bad_search_parameters_are_400(client: TestClient, params: dict) -> None:
    response = client.get("/materials", params=params)
    assert response.status_code == 400, response.text


def test_demand_with_reversed_dates_or_absurd_radius_is_400_and_not_stored(client: TestClient) -> None:
    reversed_dates = demand(neededFrom="2029-01-01", needed_by="2028-01-01")
    response = client.post("/demands", json=reversed_dates, headers={**AUTH, "Slug": "d1"})
    assert response.status_code == 400 and "reversed" in response.json()["detail"]
    response = client.post("/demands", json=demand(radius=30000), headers={**AUTH, "Slug": "d1"})
    assert response.status_code == 400 and "radius" in response.json()["detail"]
    assert client.get("/demands/d1").status_code == 404


def test_demand_failing_shapes_is_422_with_report_and_not_stored(client: TestClient) -> None:
    ttl = b"""@prefix mpr: <https://w3id.org/mpr#> .
<> a mpr:Demand ; mpr:radiusKm -5 ."""
    response = client.post("/demands", content=ttl, headers={**TURTLE, "Slug": "bad"})
    assert response.status_code == 422
    paths = {r["path"] for r in response.json()["report"]["results"] if r["severity"] == "Violation"}
    assert "https://w3id.org/mpr#wants" in paths and "https://w3id.org/mpr#radiusKm" in paths
    assert client.get("/demands/bad").status_code == 404


def test_demands_are_stored_as_rdf_and_versioned(client: TestClient) -> None:
    created = client.post("/demands", json=demand(label="Columns for a pavilion"), headers={**AUTH, "Slug": "d"})
    assert created.status_code == 201 and created.headers["location"] == "/demands/d"
    assert created.json()["version"] == 1
    nt = client.get("/demands/d", headers={"Accept": "application/n-triples"}).text
    assert "<http://testserver/demands/d> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> " \
        "<https://w3id.org/mpr#Demand>" in nt and "Columns for a pavilion" in nt
    rdf = f"""@prefix mpr: <https://w3id.org/mpr#> . @prefix qudt: <http://qudt.org/schema/qudt/> .
@prefix unit: <http://qudt.org/vocab/unit/> .
<> a mpr:Demand ; mpr:wants <{MAT}brick> ; mpr:quantity [ qudt:numericValue 20 ; qudt:unit unit:TONNE ] .""".encode()
    updated = client.put("/demands/d", content=rdf, headers=TURTLE)
    assert updated.status_code == 200 and updated.json()["version"] == 2
    assert "brick" in client.get("/demands/d").text
    assert "Columns for a pavilion" not in client.get("/demands/d").text
    assert "Columns for a pavilion" in client.get("/demands/d", params={"version": 1}).text
    assert client.get("/passports").json()["total"] == 0  # demands are not passports


def test_demand_id_new_is_reserved_for_the_form_and_nothing_is_stored(client: TestClient) -> None:
    posted = client.post("/demands", json=demand(), headers={**AUTH, "Slug": "new"})
    replaced = client.put("/demands/new", json=demand(), headers=AUTH)
    for response in (posted, replaced):
        assert response.status_code == 400, response.text
        assert "demand id 'new' is reserved" in response.json()["detail"]
    assert client.app.state.registry.domain.demands.count() == 0
    assert '<form id="demand"' in client.get("/demands/new", headers={"Accept": "text/html"}).text


def test_match_score_reasons_and_carbon_are_hand_checked(client: TestClient) -> None:
    put(client, "s", passport("S", 5.0, 52.1, mass=1000, condition="good"))
    client.post("/demands", json=demand(), headers={**AUTH, "Slug": "want"})
    (m,) = client.get("/demands/want/matches").json()["matches"]
    d = KM_PER_TENTH_DEGREE                      # 11.119508 km
    avoided = 1000 * 0.090                       # 90.0 kg CO2e (A1-A3 of 1000 kg concrete)
    transport = d * 1.0 * 0.1                    # 11.119508 km x 1 t x 0.1 = 1.1119508 kg CO2e
    assert m["carbon"]["avoided_kg"] == pytest.approx(90.0)
    assert m["carbon"]["transport_kg"] == pytest.approx(1.1119508, rel=1e-6)
    assert m["carbon"]["saved_kg"] == pytest.approx(88.8880492, rel=1e-6)
    components = {"concept": 1.0, "quantity": 1.0, "distance": 1 - d / 50, "time": 1.0, "condition": 0.6,
                  "dimensions": 1.0, "carbon": (avoided - transport) / avoided}
    assert m["components"] == pytest.approx(components, rel=1e-5)
    # 0.25 + 0.20 + 0.15 x 0.7776098 + 0.10 + 0.10 x 0.6 + 0.10 + 0.10 x 0.9876450 = 0.9254060
    assert m["score"] == pytest.approx(0.9254060, abs=1e-6)
    assert any("exact material" in r for r in m["reasons"])
    assert any("saves 88.9 kg CO2e" in r for r in m["reasons"])


def test_partial_quantity_scales_coverage_and_carbon(client: TestClient) -> None:
    put(client, "s", passport("S", 5.0, 52.0, mass=4000))
    (m,) = client.post("/match", json=demand(value=1000)).json()["matches"]
    # Only 1000 of the 4000 kg are used: avoided 1000 x 0.090 = 90 kg; distance 0 km, transport 0.
    assert m["quantity"] == {"offered": 4000.0, "used": 1000.0}
    assert m["carbon"]["avoided_kg"] == pytest.approx(90.0) and m["carbon"]["transport_kg"] == 0.0
    (half,) = client.post("/match", json=demand(value=8000)).json()["matches"]
    assert half["components"]["quantity"] == pytest.approx(0.5)   # 4000 / 8000
    assert half["carbon"]["avoided_kg"] == pytest.approx(360.0)   # all 4000 kg x 0.090


def test_concept_fit_exact_narrower_substitute_broader(client: TestClient) -> None:
    for slug in ("brick", "calcium-silicate", "masonry", "concrete"):
        put(client, slug, passport(slug, 5.0, 52.0, material=slug))
    found = client.post("/match", json=demand(wants="brick")).json()["matches"]
    fits = {m["supply"]["material"].removeprefix(MAT): m["components"]["concept"] for m in found}
    assert fits == {"brick": 1.0, "calcium-silicate": 0.7, "masonry": 0.5}   # concrete does not fit
    assert [m["supply"]["material"].removeprefix(MAT) for m in found] == ["brick", "calcium-silicate", "masonry"]
    put(client, "rc", passport("rc", 5.0, 52.0, material="reinforced-concrete"))
    concrete = client.post("/match", json=demand(wants="concrete")).json()["matches"]
    fits = {m["supply"]["material"].removeprefix(MAT): m["components"]["concept"] for m in concrete}
    assert fits == {"concrete": 1.0, "reinforced-concrete": 0.9}


def test_matches_exclude_too_late_and_too_far(client: TestClient) -> None:
    put(client, "ok", passport("OK", 5.0, 52.1, available="2027-01-01"))
    put(client, "late", passport("Late", 5.0, 52.1, available="2029-01-01"))
    put(client, "far", passport("Far", 5.0, 52.5))  # 55.6 km > 50 km
    found = client.post("/match", json=demand()).json()["matches"]
    assert [m["supply"]["label"] for m in found] == ["OK part"]


def test_matches_follow_new_versions_and_withdrawals(client: TestClient) -> None:
    put(client, "s", passport("S", 5.0, 52.0, mass=1000))
    client.post("/demands", json=demand(), headers={**AUTH, "Slug": "want"})
    assert client.get("/demands/want/matches").json()["matches"][0]["supply"]["mass_kg"] == 1000.0
    put(client, "s", passport("S", 5.0, 52.0, mass=250))
    assert client.get("/demands/want/matches").json()["matches"][0]["supply"]["mass_kg"] == 250.0
    assert client.delete("/passports/s", headers=AUTH).status_code == 200
    assert client.get("/demands/want/matches").json()["matches"] == []
    assert _materials(client)["items"] == []


def test_weights_are_parameters(client: TestClient) -> None:
    put(client, "s", passport("S", 5.0, 52.1, condition="good"))
    (m,) = client.post("/match", params={"weights": "concept:0,quantity:0,distance:0,time:0,dimensions:0,"
                                         "carbon:0,condition:1"}, json=demand()).json()["matches"]
    assert m["score"] == pytest.approx(0.6)  # condition good = (6 - 3) / 5
    assert client.post("/match", params={"weights": "colour:1"}, json=demand()).status_code == 400


def test_cli_match_prints_matches(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (tmp_path / "s.ttl").write_bytes(passport("S", 5.0, 52.1))
    (tmp_path / "demand.json").write_text(json.dumps(demand()))

    def mpr(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "registry.cli", *args, "--data", str(data)],
                              capture_output=True, text=True, timeout=300)

    assert mpr("load", str(tmp_path / "s.ttl")).returncode == 0
    result = mpr("match", str(tmp_path / "demand.json"), "--json")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["matches"][0]["score"] == pytest.approx(0.9254060, abs=1e-6)
    table = mpr("match", str(tmp_path / "demand.json"))
    assert "0.925" in table.stdout


def test_example_demand_matches_the_example_office(client: TestClient) -> None:
    from tests.conftest import EXAMPLES

    put(client, "office-utrecht-1972", (EXAMPLES / "passports" / "office-utrecht-1972.ttl").read_bytes())
    ttl = (EXAMPLES / "demands" / "precast-slabs-amersfoort.ttl").read_bytes()
    response = client.post("/match", content=ttl, headers={"Content-Type": "text/turtle"})
    assert response.status_code == 200, response.text
    matches = response.json()["matches"]
    assert matches and all(m["supply"]["material"] == MAT + "precast-concrete" for m in matches)
    assert all(m["supply"]["distance_km"] <= 40 for m in matches)


CHAIR_TYPE = "http://testserver/passports/ergo-chair#product"


def _with_chairs(client: TestClient) -> None:
    """The manufacturer's product passport, and an office whose element is 20 of its chairs."""
    body = (EXAMPLES / "passports" / "ergo-chair.ttl").read_bytes()
    assert client.put("/passports/ergo-chair", content=body, headers=TURTLE).status_code == 201
    put(client, "office", passport("Office", 5.0, 52.0, part_extra=f"mpr:instanceOf <{CHAIR_TYPE}> ; mpr:count 20 ;"))


def test_materials_filter_by_product_type_lists_its_instances(client: TestClient) -> None:
    _with_chairs(client)
    items = _materials(client, product=CHAIR_TYPE)["items"]
    assert [(i["label"], i["product_type"], i["count"], i["material"]) for i in items] == [
        ("Office part", CHAIR_TYPE, 20.0, None)]


def test_unknown_product_type_is_400(client: TestClient) -> None:
    response = client.get("/materials", params={"product": "http://testserver/passports/nothing#product"})
    assert response.status_code == 400
    assert "unknown product type" in response.json()["detail"]


def test_demand_for_a_product_type_matches_its_instances_by_count(client: TestClient) -> None:
    _with_chairs(client)
    found = client.post("/match", json=demand(wants=CHAIR_TYPE, value=10, unit="NUM")).json()["matches"]
    assert [(m["supply"]["product_type"], m["components"]["concept"]) for m in found] == [(CHAIR_TYPE, 1.0)]
    assert found[0]["components"]["quantity"] == 1.0  # 20 offered for 10 wanted
    assert "product: exactly the wanted product type" in found[0]["reasons"][0]


def test_demand_for_an_unknown_iri_is_400_naming_it(client: TestClient) -> None:
    response = client.post("/match", json=demand(wants="http://testserver/passports/nothing#product"))
    assert response.status_code == 400
    assert "nor is it a product type" in response.json()["detail"]


def test_demand_for_an_unknown_iri_is_400_and_not_stored(client: TestClient) -> None:
    wanted = demand(wants="http://testserver/passports/nothing#product", value=5, unit="NUM")
    response = client.post("/demands", json=wanted, headers={**AUTH, "Slug": "ghost"})
    assert response.status_code == 400 and "nothing#product" in response.json()["detail"]
    assert client.get("/demands/ghost").status_code == 404
