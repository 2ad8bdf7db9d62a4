"""POST /validate stores nothing; /health reports the store."""

from __future__ import annotations

from tests.conftest import AUTH, settled


def test_validate_reports_without_storing(client, passport_ttl):
    before = settled(client.app.state.registry).store.count()
    response = client.post("/validate", content=passport_ttl.replace(b"675.0", b"-1"),
                           headers={"Content-Type": "text/turtle"})
    assert response.status_code == 200
    body = response.json()
    assert body["conforms"] is False and body["violations"] >= 1
    assert client.app.state.registry.store.count() == before


def test_validate_a_conforming_passport(client, passport_ttl):
    body = client.post("/validate", content=passport_ttl, headers={"Content-Type": "text/turtle"}).json()
    assert body["conforms"] is True


def test_validate_with_an_unknown_profile_is_404(client, passport_ttl):
    response = client.post("/validate?profile=no-such-profile", content=passport_ttl,
                           headers={"Content-Type": "text/turtle"})
    assert response.status_code == 404


def test_validate_with_a_criteria_profile_adds_its_results(client, passport_ttl):
    profiles = client.get("/validate/profiles").json()["profiles"]
    assert "recycled-content-30" in profiles
    body = client.post("/validate?profile=recycled-content-30", content=passport_ttl,
                       headers={"Content-Type": "text/turtle"}).json()
    assert body["profiles"] == ["recycled-content-30"]
    assert body["conforms"] is False  # the column has 10 % recycled content


def test_validate_uses_the_fast_engine_by_default_and_pyshacl_on_request(client, passport_ttl):
    broken = passport_ttl.replace(b"675.0", b"-1")
    fast = client.post("/validate", content=broken, headers={"Content-Type": "text/turtle"}).json()
    reference = client.post("/validate?engine=pyshacl&profile=recycled-content-30", content=broken,
                            headers={"Content-Type": "text/turtle"}).json()
    assert (fast["engine"], reference["engine"]) == ("shacl", "pyshacl")
    with_profile = client.post("/validate?engine=shacl&profile=recycled-content-30", content=broken,
                               headers={"Content-Type": "text/turtle"}).json()
    assert with_profile["results"] == reference["results"] and len(reference["results"]) > len(fast["results"])


def test_validate_with_an_unknown_engine_is_400_naming_the_engines(client, passport_ttl):
    response = client.post("/validate?engine=jena", content=passport_ttl, headers={"Content-Type": "text/turtle"})
    assert response.status_code == 400
    assert "jena" in response.json()["detail"] and "shacl, pyshacl" in response.json()["detail"]


def test_health_counts_passports(client, passport_ttl):
    client.post("/passports", content=passport_ttl, headers={"Content-Type": "text/turtle", **AUTH})
    body = client.get("/health").json()
    assert body == {**body, "status": "ok", "store": "oxigraph", "passports": 1, "reachable": True}


def test_openapi_docs_are_served(client):
    assert client.get("/docs").status_code == 200
    assert "/passports" in client.get("/openapi.json").json()["paths"]
