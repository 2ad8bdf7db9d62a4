"""The passport routes, through the ASGI app on a real Oxigraph store in a temporary folder."""

from __future__ import annotations

import pytest
from pyoxigraph import RdfFormat, parse, serialize

from tests.conftest import AUTH, BASE, settled

TURTLE = {"Content-Type": "text/turtle", **AUTH}


def store_quads(client) -> int:
    return settled(client.app.state.registry).store.count()


def post(client, body: bytes, slug: str | None = None, **headers):
    extra = {"Slug": slug} if slug else {}
    return client.post("/passports", content=body, headers={**TURTLE, **extra, **headers})


def test_upload_returns_location_etag_and_id(client, passport_ttl):
    response = post(client, passport_ttl, slug="pavilion")
    assert response.status_code == 201
    assert response.headers["Location"] == "/passports/pavilion"
    assert response.headers["ETag"] == '"pavilion-v1"'
    body = response.json()
    assert body["id"] == "pavilion" and body["version"] == 1
    assert body["iri"] == f"{BASE}/passports/pavilion"


def test_upload_without_slug_gets_a_generated_id(client, passport_ttl):
    body = post(client, passport_ttl).json()
    assert client.get(f"/passports/{body['id']}").status_code == 200


@pytest.mark.parametrize("fmt", [RdfFormat.JSON_LD, RdfFormat.N_TRIPLES, RdfFormat.N_QUADS, RdfFormat.RDF_XML])
def test_upload_in_every_contract_syntax(client, passport_ttl, fmt):
    base = f"{BASE}/passports/in-{fmt.file_extension}"
    quads = list(parse(passport_ttl, RdfFormat.TURTLE, base_iri=base))
    body = serialize(quads if fmt.supports_datasets else [q.triple for q in quads], format=fmt)
    response = client.post("/passports", content=body,
                           headers={"Content-Type": fmt.media_type, "Slug": f"in-{fmt.file_extension}", **AUTH})
    assert response.status_code == 201, response.text


def test_read_back_in_negotiated_formats(client, passport_ttl):
    post(client, passport_ttl, slug="pavilion")
    for media_type in ("text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"):
        response = client.get("/passports/pavilion", headers={"Accept": media_type})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media_type)
        fmt = RdfFormat.from_media_type(media_type)
        triples = list(parse(response.content, fmt))
        assert any(str(t.object) == '"675"^^<http://www.w3.org/2001/XMLSchema#decimal>' for t in triples)


def test_read_as_html_for_browsers(client, passport_ttl):
    post(client, passport_ttl, slug="pavilion")
    response = client.get("/passports/pavilion", headers={"Accept": "text/html,application/xhtml+xml;q=0.9"})
    assert response.status_code == 200
    assert "Test pavilion" in response.text and "Column C1" in response.text


def test_unknown_passport_is_404(client):
    response = client.get("/passports/nothing-here")
    assert response.status_code == 404
    assert "nothing-here" in response.json()["detail"]


def test_unacceptable_format_is_406(client, passport_ttl):
    post(client, passport_ttl, slug="pavilion")
    assert client.get("/passports/pavilion", headers={"Accept": "image/png"}).status_code == 406


def test_invalid_passport_gets_422_with_report_and_is_not_stored(client, passport_ttl):
    before = store_quads(client)
    response = post(client, passport_ttl.replace(b"675.0", b"-675.0"), slug="broken")
    assert response.status_code == 422
    report = response.json()["report"]
    assert report["conforms"] is False
    violation = next(r for r in report["results"] if r["severity"] == "Violation")
    assert violation["path"] == "http://qudt.org/schema/qudt/numericValue"
    assert violation["value"] == "-675"
    assert violation["message"] and violation["focus_node"]
    assert store_quads(client) == before
    assert client.get("/passports/broken").status_code == 404


def test_document_without_a_passport_node_is_422(client):
    body = b"<#x> <http://www.w3.org/2000/01/rdf-schema#label> \"no passport here\" ."
    response = post(client, body)
    assert response.status_code == 422
    assert "mpr:Passport" in response.json()["detail"]


def test_malformed_turtle_is_400_with_position_and_store_unchanged(client, passport_ttl):
    post(client, passport_ttl, slug="pavilion")
    before = store_quads(client)
    response = post(client, b"<> a <https://w3id.org/mpr#Passport> ;\n  <p> .", slug="bad")
    assert response.status_code == 400
    assert "line 2" in response.json()["detail"]
    assert store_quads(client) == before


def test_malformed_json_ld_is_400(client):
    response = client.post("/passports", content=b'{"@id": ', headers={"Content-Type": "application/ld+json", **AUTH})
    assert response.status_code == 400


def test_json_ld_with_remote_context_is_refused_without_fetching(client):
    body = b'{"@context": "http://127.0.0.1:9/context.jsonld", "@id": "", "@type": "Passport"}'
    response = client.post("/passports", content=body, headers={"Content-Type": "application/ld+json", **AUTH})
    assert response.status_code == 400
    assert "remote @context" in response.json()["detail"]


def test_unsupported_media_type_is_415(client, passport_ttl):
    response = client.post("/passports", content=passport_ttl, headers={"Content-Type": "text/plain", **AUTH})
    assert response.status_code == 415
    assert "text/turtle" in response.json()["detail"]


def test_oversized_body_is_413_and_store_unchanged(client, passport_ttl):
    client.app.state.registry.settings.max_body_bytes = 1000
    before = store_quads(client)
    response = post(client, passport_ttl + b"#" * 2000)
    assert response.status_code == 413
    assert store_quads(client) == before


def test_writing_without_a_token_is_401(client, passport_ttl):
    response = client.post("/passports", content=passport_ttl, headers={"Content-Type": "text/turtle"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_writing_with_a_wrong_token_is_401(client, passport_ttl):
    headers = {"Content-Type": "text/turtle", "Authorization": "Bearer not-a-token"}
    assert client.post("/passports", content=passport_ttl, headers=headers).status_code == 401


def test_taken_slug_is_409(client, passport_ttl):
    post(client, passport_ttl, slug="pavilion")
    assert post(client, passport_ttl, slug="pavilion").status_code == 409


def test_put_makes_a_new_version_and_old_ones_stay_readable(client, passport_ttl):
    post(client, passport_ttl, slug="pavilion")
    response = client.put("/passports/pavilion", content=passport_ttl.replace(b"675.0", b"700.0"),
                          headers={**TURTLE, "If-Match": '"pavilion-v1"', "X-Change-Reason": "re-measured"})
    assert response.status_code == 200
    assert response.headers["ETag"] == '"pavilion-v2"'
    current = client.get("/passports/pavilion", headers={"Accept": "application/n-triples"}).text
    old = client.get("/passports/pavilion?version=1", headers={"Accept": "application/n-triples"}).text
    assert '"700"^^' in current and '"675"^^' not in current
    assert '"675"^^' in old and '"700"^^' not in old


def test_put_with_unchanged_content_makes_no_new_version(client, passport_ttl):
    post(client, passport_ttl, slug="pavilion")
    response = client.put("/passports/pavilion", content=passport_ttl, headers=TURTLE)
    assert response.json()["version"] == 1


def test_put_with_stale_if_match_is_412_and_changes_nothing(client, passport_ttl):
    post(client, passport_ttl, slug="pavilion")
    client.put("/passports/pavilion", content=passport_ttl.replace(b"675.0", b"700.0"), headers=TURTLE)
    before = store_quads(client)
    response = client.put("/passports/pavilion", content=passport_ttl.replace(b"675.0", b"1.0"),
                          headers={**TURTLE, "If-Match": '"pavilion-v1"'})
    assert response.status_code == 412
    assert store_quads(client) == before
    assert client.get("/passports/pavilion").headers["ETag"] == 'W/"pavilion-v2-ttl"'


def test_put_with_the_etag_of_a_representation_writes_over_the_version_it_names(client, passport_ttl):
    post(client, passport_ttl, slug="pavilion")
    read = client.get("/passports/pavilion", headers={"Accept": "application/ld+json"})
    response = client.put("/passports/pavilion", content=passport_ttl.replace(b"675.0", b"700.0"),
                          headers={**TURTLE, "If-Match": read.headers["ETag"]})
    assert read.headers["ETag"] == 'W/"pavilion-v1-jsonld"' and response.status_code == 200
    assert response.headers["ETag"] == '"pavilion-v2"'


def test_put_with_the_etag_of_a_stale_representation_is_412(client, passport_ttl):
    post(client, passport_ttl, slug="pavilion")
    client.put("/passports/pavilion", content=passport_ttl.replace(b"675.0", b"700.0"), headers=TURTLE)
    response = client.put("/passports/pavilion", content=passport_ttl.replace(b"675.0", b"1.0"),
                          headers={**TURTLE, "If-Match": 'W/"pavilion-v1-ttl"'})
    assert response.status_code == 412


def test_the_page_etag_changes_when_a_product_type_it_uses_changes(client):
    from tests.test_indicators import BUILDING, CHAIR
    post(client, CHAIR, slug="chair")
    post(client, BUILDING, slug="bldg")
    before = client.get("/passports/bldg", headers={"Accept": "text/html"}).headers["ETag"]
    # the seat goes from 4 to 10 kg: the building's own version stays 1, its page's figures change
    client.put("/passports/chair", content=CHAIR.replace(b"qudt:numericValue 4 ;", b"qudt:numericValue 10 ;"),
               headers=TURTLE)
    after = client.get("/passports/bldg", headers={"Accept": "text/html", "If-None-Match": before})
    assert after.status_code == 200 and after.headers["ETag"] != before
    assert before.startswith('W/"bldg-v1-html-') and after.headers["ETag"].startswith('W/"bldg-v1-html-')


def test_put_to_a_new_id_creates_it(client, passport_ttl):
    response = client.put("/passports/fresh", content=passport_ttl, headers=TURTLE)
    assert response.status_code == 201
    assert response.headers["Location"] == "/passports/fresh"


def test_delete_withdraws_but_keeps_history(client, passport_ttl):
    post(client, passport_ttl, slug="pavilion")
    response = client.delete("/passports/pavilion", headers={**AUTH, "X-Change-Reason": "demolished"})
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert client.get("/passports/pavilion").status_code == 410
    assert client.get("/passports").json()["total"] == 0
    assert client.get("/passports/pavilion?version=1").status_code == 200
    kinds = [c["kind"] for c in client.get("/passports/pavilion/history").json()["changes"]]
    assert kinds == ["created", "withdrawn"]


def test_withdrawn_passport_cannot_be_updated(client, passport_ttl):
    post(client, passport_ttl, slug="pavilion")
    client.delete("/passports/pavilion", headers=AUTH)
    assert client.put("/passports/pavilion", content=passport_ttl, headers=TURTLE).status_code == 410


def test_list_is_paged(client, passport_ttl):
    for i in range(3):
        post(client, passport_ttl, slug=f"p{i}")
    page = client.get("/passports?limit=2").json()
    assert page["total"] == 3 and [p["id"] for p in page["items"]] == ["p0", "p1"]
    assert page["next"] == "/passports?offset=2&limit=2"
    assert [p["id"] for p in client.get(page["next"]).json()["items"]] == ["p2"]
    assert page["items"][0]["title"] == "Test pavilion"


def test_bad_paging_parameters_are_400(client):
    assert client.get("/passports?limit=0").status_code == 400


def test_versions_history_and_diff_tell_who_changed_what(client, passport_ttl):
    post(client, passport_ttl, slug="pavilion")
    client.put("/passports/pavilion", content=passport_ttl.replace(b"675.0", b"700.0"),
               headers={**TURTLE, "X-Change-Reason": "re-measured"})
    versions = client.get("/passports/pavilion/versions").json()
    assert versions["current"] == 2
    assert [v["version"] for v in versions["versions"]] == [1, 2]
    history = client.get("/passports/pavilion/history").json()["changes"]
    assert history[1]["agent"] == "admin" and history[1]["reason"] == "re-measured"
    diff = client.get("/passports/pavilion/diff?from=1&to=2").json()
    assert any('"700"' in line for line in diff["added"])
    assert any('"675"' in line for line in diff["removed"])


def test_history_as_prov_o_turtle(client, passport_ttl):
    post(client, passport_ttl, slug="pavilion")
    response = client.get("/passports/pavilion/history", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert "prov:Activity" in response.text and "prov:wasAssociatedWith" in response.text
    # JSON or RDF, and restricted versions left out: the answer depends on Accept and on who asks
    assert {"Accept", "Authorization"} <= {v.strip() for v in response.headers["Vary"].split(",")}


MANAGED = {
    "status": (b"<> <https://w3id.org/mpr#status> <https://w3id.org/mpr#StatusWithdrawn> .",
               ["https://w3id.org/mpr#status"]),
    "version": (b"<> <https://w3id.org/mpr#currentVersion> 7 .", ["https://w3id.org/mpr#currentVersion"]),
    "change": (b"<#c> <https://w3id.org/mpr#changeOf> <> ; <https://w3id.org/mpr#version> 1 .",
               ["https://w3id.org/mpr#changeOf", "https://w3id.org/mpr#version"]),  # each of its triples
    "typed change": (b"<#c> a <https://w3id.org/mpr#PassportChange> .",
                     ["http://www.w3.org/1999/02/22-rdf-syntax-ns#type"]),
}


@pytest.mark.parametrize("fact", MANAGED)
def test_an_upload_claiming_registry_managed_facts_is_422_and_not_stored(client, passport_ttl, fact):
    """Status, versions and history are the record graph's, written by the registry at each write: a passport
    that states them of itself (or of another) would mislead whoever reads its triples."""
    claim, paths = MANAGED[fact]
    before = store_quads(client)
    response = post(client, passport_ttl + b"\n" + claim + b"\n", slug="claims")
    assert response.status_code == 422, response.text
    violations = [r for r in response.json()["report"]["results"] if r["severity"] == "Violation"]
    assert sorted(r["path"] for r in violations) == paths
    assert all("by the registry" in r["message"] and "remove" in r["message"] for r in violations)
    assert store_quads(client) == before and client.get("/passports/claims").status_code == 404


def test_a_downloaded_passport_uploads_again_unchanged(client, passport_ttl):
    """What GET answers is the content only (the record facts are at /history), so it passes the gate again."""
    post(client, passport_ttl, slug="round-trip")
    for accept in ("text/turtle", "application/ld+json", "application/n-triples"):
        body = client.get("/passports/round-trip", headers={"Accept": accept}).content
        again = client.put("/passports/round-trip", content=body, headers={**AUTH, "Content-Type": accept})
        assert again.status_code == 200 and again.json()["version"] == 1, again.text


def test_unknown_version_is_404(client, passport_ttl):
    post(client, passport_ttl, slug="pavilion")
    assert client.get("/passports/pavilion?version=5").status_code == 404
