"""Regions from coordinates: the CBS 2025 boundaries shipped with the package, point first, address second."""

from __future__ import annotations

import pytest

from registry.regions.boundaries import dutch_regions
from registry.regions.placing import place
from tests.conftest import AUTH
from tests.region_data import PARIS_POINT, ZWOLLE_POINT, school

TURTLE = {**AUTH, "Content-Type": "text/turtle"}


def test_every_municipality_lies_in_one_of_the_twelve_provinces():
    regions = dutch_regions()
    # CBS 2025: 342 municipalities in 12 provinces
    assert len(regions.municipalities.regions) == 342
    assert {r.province for r in regions.municipalities.regions} == set(regions.province_names.values())
    assert len(regions.province_names) == 12


def test_a_school_in_zwolle_by_point_is_in_zwolle_overijssel():
    found = place(dutch_regions(), ZWOLLE_POINT, None, None)
    assert (found.municipality, found.province, found.code, found.source) == ("Zwolle", "Overijssel", "GM0193",
                                                                              "point")
    assert found.note is None


def test_a_point_outside_the_netherlands_gets_no_region_and_a_note():
    found = place(dutch_regions(), PARIS_POINT, None, None)
    assert (found.municipality, found.province, found.source) == ("unknown", "unknown", None)
    assert "outside the Dutch municipalities" in (found.note or "")


def test_the_address_is_the_fallback_without_a_point():
    found = place(dutch_regions(), None, "Den Haag", None)
    assert (found.municipality, found.province, found.source) == ("'s-Gravenhage", "Zuid-Holland", "address")


def test_point_and_address_that_disagree_use_the_point_and_warn():
    found = place(dutch_regions(), ZWOLLE_POINT, "Kampen", None)
    assert found.municipality == "Zwolle"
    assert "the address names Kampen" in (found.note or "")


@pytest.mark.parametrize("text", ["POINT(6.0 52.5", "<urn:crs:other> POINT(6 52)", "x" * 200_000])
def test_an_unreadable_location_is_a_note_not_an_error(text):
    found = place(dutch_regions(), text, None, None)
    assert found.municipality == "unknown" and "not a WKT geometry" in (found.note or "")


def test_urban_mine_groups_a_point_only_school_by_municipality_and_province(client):
    assert client.put("/passports/zwolle", content=school(), headers=TURTLE).status_code == 201
    report = client.get("/reports/urban-mine").json()
    # 1000 kg concrete + 100 kg timber + 50 kg steel = 1150 kg, all in Zwolle, Overijssel
    assert report["by_municipality"] == {"Zwolle": 1150.0}
    assert report["by_province"] == {"Overijssel": 1150.0}


def test_urban_mine_filters_by_province(client):
    assert client.put("/passports/zwolle", content=school(), headers=TURTLE).status_code == 201
    assert client.put("/passports/paris", content=school("Paris", PARIS_POINT), headers=TURTLE).status_code == 201
    everything = client.get("/reports/urban-mine").json()
    assert everything["by_province"] == {"Overijssel": 1150.0, "unknown": 1150.0}
    assert "outside" in everything["region_notes"]["paris"]
    only = client.get("/reports/urban-mine", params={"province": "overijssel"}).json()
    assert only["passports"] == ["zwolle"] and only["total_kg"] == 1150.0


def test_the_supply_search_filters_by_municipality_and_province(client):
    assert client.put("/passports/zwolle", content=school(), headers=TURTLE).status_code == 201
    assert client.put("/passports/paris", content=school("Paris", PARIS_POINT), headers=TURTLE).status_code == 201
    by_place = client.get("/materials", params={"municipality": "zwolle"}).json()
    assert by_place["total"] == 3  # three parts
    assert {i["passport"] for i in by_place["items"]} == {"http://testserver/passports/zwolle"}
    assert client.get("/materials", params={"province": "Overijssel"}).json()["total"] == 3
    assert client.get("/materials", params={"province": "Utrecht"}).json()["total"] == 0
