"""Data stored around the shapes (before they tightened, or by a raw admin SPARQL update) never breaks a route.

The passport that cannot be computed gets a clear 422 from its indicators, naming the reason; its page
still shows its data with that reason; the shared routes (urban-mine report, /materials, matching, the
landing page) leave it out instead of failing for everyone. A record without its dates (as
bench/matching.py once wrote them) no longer stops start-up.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Literal, NamedNode, Triple

from registry.api.app import create_app
from registry.core import Registry, build_registry
from registry.settings import Settings
from registry.store.base import Changeset, GraphChange
from registry.store.oxigraph import OxigraphStore
from tests.conftest import ADMIN, AUTH, BASE, empty_registry
from tests.matching_data import TURTLE, demand, passport, put

MPR = "https://w3id.org/mpr#"


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    with empty_registry(tmp_path_factory.mktemp("stored")) as registry:
        yield registry


@pytest.fixture(scope="module")
def client(core: Registry) -> Iterator[TestClient]:
    with TestClient(create_app(core=core), base_url=BASE) as test_client:
        put(test_client, "good", passport("Good", 5.0, 52.0, mass=2000.0))
        put(test_client, "shares", passport("Shares", 5.01, 52.0))
        put(test_client, "huge", passport("Huge", 5.02, 52.0))
        # Broken after validation, as a raw admin SPARQL update can: end-of-life shares over 1, and a mass
        # of 1e308 t (finite as written, infinite in kg).
        update = f"""PREFIX mpr: <{MPR}> PREFIX qudt: <http://qudt.org/schema/qudt/>
        INSERT {{ GRAPH ?g {{ ?c mpr:recyclableAtEndOfLife 0.9 ; mpr:reusableAtEndOfLife 0.5 }} }}
        WHERE {{ GRAPH ?g {{ ?c mpr:material ?m }} FILTER(?g = <{BASE}/passports/shares>) }} ;
        DELETE {{ GRAPH ?g {{ ?q qudt:numericValue ?v ; qudt:unit ?u }} }}
        INSERT {{ GRAPH ?g {{ ?q qudt:numericValue 1e308 ; qudt:unit <http://qudt.org/vocab/unit/TONNE> }} }}
        WHERE {{ GRAPH ?g {{ ?c mpr:mass ?q . ?q qudt:numericValue ?v ; qudt:unit ?u }}
                 FILTER(?g = <{BASE}/passports/huge>) }}"""
        response = test_client.post("/sparql", content=update,
                                    headers={**AUTH, "Content-Type": "application/sparql-update"})
        assert response.status_code in (200, 204), response.text
        yield test_client


def test_indicators_of_a_stored_passport_with_shares_over_one_are_422_with_the_reason(client) -> None:
    response = client.get("/passports/shares/indicators", headers=AUTH)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["passport"] == "shares"
    assert "C_R + C_U + C_C + B_C = 1.4 exceeds 1" in body["reason"]
    assert "#part" in body["reason"]  # the part whose composition breaks the formula
    assert "passes validation" in body["detail"]


def test_indicators_that_would_be_infinite_are_422_naming_the_figure(client) -> None:
    response = client.get("/passports/huge/indicators", headers=AUTH)
    assert response.status_code == 422, response.text
    assert "inf" in response.json()["reason"]


def test_chart_of_a_passport_that_cannot_be_computed_is_422(client) -> None:
    assert client.get("/passports/shares/indicators.svg", headers=AUTH).status_code == 422


def test_page_of_a_passport_that_cannot_be_computed_shows_its_data_and_the_reason(client) -> None:
    response = client.get("/passports/shares", headers={**AUTH, "Accept": "text/html"})
    assert response.status_code == 200
    assert "Shares" in response.text and "cannot be computed" in response.text


def test_urban_mine_report_leaves_such_passports_out_with_a_note(client) -> None:
    response = client.get("/reports/urban-mine", headers=AUTH)
    assert response.status_code == 200, response.text
    report = response.json()
    assert sorted(report["left_out"]) == ["huge", "shares"]
    assert report["passports"] == ["good"]
    assert report["total_kg"] == 2000.0  # the good passport's one composition only


def test_urban_mine_chart_and_csv_still_answer(client) -> None:
    assert client.get("/reports/urban-mine.svg", headers=AUTH).status_code == 200
    assert client.get("/reports/urban-mine", params={"format": "csv"}, headers=AUTH).status_code == 200


def test_materials_landing_page_and_matching_still_answer(client) -> None:
    materials = client.get("/materials", params={"lon": 5.0, "lat": 52.0, "radius_km": 50}, headers=AUTH)
    assert materials.status_code == 200, materials.text
    assert client.get("/", headers=AUTH).status_code == 200
    match = client.post("/match", json=demand(), headers=AUTH)
    assert match.status_code == 200, match.text


def test_a_record_without_its_dates_does_not_stop_start_up(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The record bench/matching.py used to write: status and version, no dcterms:created/modified."""
    full, public = OxigraphStore(tmp_path / "full"), OxigraphStore(tmp_path / "public")
    graph = NamedNode(f"{BASE}/passports/incomplete")
    record = NamedNode(f"{BASE}/passports/incomplete/record")
    full.apply(Changeset([
        GraphChange(graph, add=[Triple(graph, NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                                       NamedNode(MPR + "Passport"))]),
        GraphChange(record, add=[
            Triple(graph, NamedNode(MPR + "status"), NamedNode(MPR + "StatusActive")),
            Triple(graph, NamedNode(MPR + "currentVersion"),
                   Literal("1", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#integer")))]),
    ]))
    settings = Settings(data=tmp_path, admin_token=ADMIN, load_examples=False, base_url=BASE)
    registry = build_registry(settings, store=full, public_store=public)
    assert "'incomplete' skipped, its record is incomplete" in caplog.text
    try:
        with TestClient(create_app(core=registry), base_url=BASE) as started:
            assert started.get("/health").status_code == 200
            assert started.post("/passports", content=passport("After", 5.0, 52.0), headers=TURTLE).status_code == 201
    finally:
        registry.close()
