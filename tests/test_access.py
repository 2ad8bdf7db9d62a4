"""Access by role: every role (and anonymous) against the routes and the SPARQL endpoint, with a
restricted passport and a restricted property planted, checking that nothing leaks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.conftest import AUTH, DATA

PRICE = "999.99"  # the planted restricted value (mpr:residualValue)
SECRET_TITLE = "Secret depot"
RESTRICTED_PROPERTY = b"""
<#column-1> <https://w3id.org/mpr#residualValue> [ a <https://schema.org/PriceSpecification> ;
    <https://schema.org/price> 999.99 ; <https://schema.org/priceCurrency> "EUR" ] .
"""
ROLES = ["anonymous", "exchange", "other-builder", "owner", "auditor", "admin"]
FULL = {"owner", "auditor", "admin"}


def passport(title: str, restricted: bool = False) -> bytes:
    body = (DATA / "minimal-passport.ttl").read_bytes().replace(b"Test pavilion", title.encode())
    body += RESTRICTED_PROPERTY
    if restricted:
        body += b"<> <https://w3id.org/mpr#visibility> <https://w3id.org/mpr#Restricted> .\n"
    return body


@pytest.fixture
def world(client):
    """Tokens for each role, and two passports of organisation acme: one public, one restricted."""
    tokens = client.app.state.registry.tokens
    headers = {"anonymous": {}, "admin": AUTH}
    for role, (org, kind) in {"exchange": ("exchange-nl", "exchange"), "other-builder": ("bouw-b", "builder"),
                              "owner": ("acme", "builder"), "auditor": ("audit-nl", "auditor")}.items():
        _, secret = tokens.create(org, kind, label=f"{role} token")
        headers[role] = {"Authorization": f"Bearer {secret}"}
    owner = {**headers["owner"], "Content-Type": "text/turtle"}
    assert client.put("/passports/pub", content=passport("Public pavilion"), headers=owner).status_code == 201
    second = passport("Public pavilion").replace(b"999.99", b"999.98")
    assert client.put("/passports/pub", content=second, headers=owner).status_code == 200
    restricted = passport(SECRET_TITLE, restricted=True)
    assert client.put("/passports/secret", content=restricted, headers=owner).status_code == 201
    return client, headers


def sparql(client, headers, query: str, accept: str = "application/sparql-results+json"):
    return client.get("/sparql", params={"query": query}, headers={**headers, "Accept": accept})


@pytest.mark.parametrize("role", ROLES)
def test_restricted_property_only_for_owner_and_auditors(world, role):
    client, headers = world
    body = client.get("/passports/pub", headers={**headers[role], "Accept": "application/n-triples"}).text
    assert (PRICE[:-1] in body) == (role in FULL)
    assert "Column C1" in body  # the rest of the passport is public


@pytest.mark.parametrize("role", ROLES)
def test_restricted_passport_is_invisible_to_others(world, role):
    client, headers = world
    expected = 200 if role in FULL else 404
    for path in ("/passports/secret", "/passports/secret/versions", "/passports/secret/history",
                 "/passports/secret/indicators", "/passports/secret/qr", "/passports/secret?version=1"):
        assert client.get(path, headers=headers[role]).status_code == expected, path


@pytest.mark.parametrize("role", ROLES)
def test_lists_and_search_show_only_what_the_caller_may_see(world, role):
    client, headers = world
    ids = [p["id"] for p in client.get("/passports", headers=headers[role]).json()["items"]]
    assert ("secret" in ids) == (role in FULL) and "pub" in ids
    found = client.get("/passports?q=secret", headers=headers[role]).json()["total"]
    assert found == (1 if role in FULL else 0)
    assert (SECRET_TITLE in client.get("/", headers=headers[role]).text) == (role in FULL)


@pytest.mark.parametrize("role", ROLES)
def test_history_patches_and_diffs_do_not_leak_restricted_values(world, role):
    client, headers = world
    history = client.get("/passports/pub/history", headers={**headers[role], "Accept": "text/turtle"}).text
    diff = client.get("/passports/pub/diff?from=1&to=2", headers=headers[role]).text
    assert ("999.98" in history) == (role in FULL)
    assert ("999.98" in diff) == (role in FULL)


@pytest.mark.parametrize("role", ROLES)
def test_html_page_shows_only_what_the_viewer_may_see(world, role):
    client, headers = world
    page = client.get("/passports/pub", headers={**headers[role], "Accept": "text/html"}).text
    assert "Public pavilion" in page
    assert ("999.98" in page) == (role in FULL)


@pytest.mark.parametrize("role", ROLES)
def test_urban_mine_report_counts_only_visible_passports(world, role):
    client, headers = world
    passports = client.get("/reports/urban-mine", headers=headers[role]).json()["passports"]
    assert any(p.endswith("secret") for p in passports) == (role in FULL)


SPARQL_TRICKS = [
    "SELECT ?o WHERE { ?s ?p ?o }",
    "SELECT ?g ?o WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT ?o WHERE { ?s <https://w3id.org/mpr#residualValue>/<https://schema.org/price> ?o }",
    "SELECT ?o WHERE { ?s (<https://w3id.org/mpr#residualValue>|!<urn:x>)+ ?o }",
]


@pytest.mark.parametrize("query", SPARQL_TRICKS)
@pytest.mark.parametrize("role", ["anonymous", "exchange", "other-builder", "owner"])
def test_sparql_never_shows_restricted_data_to_the_public(world, role, query):
    client, headers = world
    response = sparql(client, headers[role], query)
    assert response.status_code == 200
    assert PRICE[:-1] not in response.text and SECRET_TITLE not in response.text


@pytest.mark.parametrize("form", ["DESCRIBE ?s WHERE { ?s ?p ?o }", "CONSTRUCT WHERE { ?s ?p ?o }"])
def test_sparql_graph_queries_do_not_leak(world, form):
    client, headers = world
    response = sparql(client, headers["anonymous"], form, accept="application/n-triples")
    assert response.status_code == 200 and "Column C1" in response.text
    assert PRICE[:-1] not in response.text and SECRET_TITLE not in response.text


def test_sparql_does_not_show_token_hashes_to_the_public(world):
    client, headers = world
    response = sparql(client, headers["anonymous"], "ASK { ?t <https://w3id.org/mpr#tokenHash> ?h }")
    assert response.json()["boolean"] is False


@pytest.mark.parametrize("role", ["auditor", "admin"])
def test_auditors_query_everything_through_sparql(world, role):
    client, headers = world
    response = sparql(client, headers[role], "SELECT ?o WHERE { ?s <https://schema.org/price> ?o }")
    assert "999.9" in response.text
    titles = sparql(client, headers[role], "SELECT ?t WHERE { ?p <http://purl.org/dc/terms/title> ?t }").text
    assert SECRET_TITLE in titles


def test_withdrawn_passport_leaves_the_public_dataset(world):
    client, headers = world
    assert client.delete("/passports/pub", headers=headers["owner"]).status_code == 200
    response = sparql(client, {}, "ASK { ?s <http://www.w3.org/2000/01/rdf-schema#label> \"Column C1\" }")
    assert response.json()["boolean"] is False


@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("exchange", 403), ("auditor", 403),
                                              ("other-builder", 403)])
def test_only_the_owner_organisation_writes_its_passports(world, role, status):
    client, headers = world
    before = client.get("/passports/pub/versions", headers=AUTH).json()["current"]
    body = passport("Taken over")
    put = client.put("/passports/pub", content=body, headers={**headers[role], "Content-Type": "text/turtle"})
    delete = client.delete("/passports/pub", headers=headers[role])
    assert (put.status_code, delete.status_code) == (status, status)
    assert "detail" in put.json()
    assert client.get("/passports/pub/versions", headers=AUTH).json()["current"] == before


def test_exchange_may_not_create_passports(world):
    client, headers = world
    response = client.post("/passports", content=passport("x"), headers={**headers["exchange"],
                                                                          "Content-Type": "text/turtle"})
    assert response.status_code == 403


def test_admin_may_change_any_passport(world):
    client, _ = world
    response = client.put("/passports/pub", content=passport("Corrected by admin"),
                          headers={**AUTH, "Content-Type": "text/turtle"})
    assert response.status_code == 200


def test_history_records_agent_and_organisation(world):
    client, headers = world
    change = client.get("/passports/pub/history", headers=headers["owner"]).json()["changes"][0]
    assert change["agent"] == "owner token" and change["organisation"] == "acme"


def test_revoked_token_is_refused(world):
    client, _ = world
    tokens = client.app.state.registry.tokens
    info, secret = tokens.create("acme", "builder")
    tokens.revoke(info.id)
    response = client.get("/passports", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401 and "revoked" in response.json()["detail"]


def test_expired_token_is_refused(world):
    client, _ = world
    _, secret = client.app.state.registry.tokens.create("acme", "builder", expires=date.today() - timedelta(days=1))
    response = client.get("/passports", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401 and "expired" in response.json()["detail"]


@pytest.mark.parametrize("header", ["Bearer", "Basic abc", "Bearer mpr_short", "Bearer mpr_0123456789ab_" + "x" * 43])
def test_malformed_or_unknown_tokens_are_401(world, header):
    client, _ = world
    assert client.get("/passports", headers={"Authorization": header}).status_code == 401


def test_refused_tokens_are_logged_without_the_secret(world, caplog):
    client, _ = world
    secret = "mpr_0123456789ab_" + "s" * 43
    client.get("/passports", headers={"Authorization": f"Bearer {secret}"})
    assert "refused unknown token 0123456789ab" in caplog.text
    assert "s" * 43 not in caplog.text


DEMAND = b"""@prefix mpr: <https://w3id.org/mpr#> . @prefix qudt: <http://qudt.org/schema/qudt/> .
@prefix unit: <http://qudt.org/vocab/unit/> . @prefix mat: <https://w3id.org/mpr/materials/> .
<> a mpr:Demand ; mpr:wants mat:structural-steel ;
  mpr:quantity [ a qudt:QuantityValue ; qudt:numericValue 500 ; qudt:unit unit:KiloGM ] .
"""


def test_exchanges_create_demands_but_auditors_do_not(world):
    client, headers = world
    turtle = {"Content-Type": "text/turtle"}
    assert client.put("/demands/wanted", content=DEMAND, headers={**headers["exchange"], **turtle}).status_code == 201
    assert client.post("/demands", content=DEMAND, headers={**headers["auditor"], **turtle}).status_code == 403


def test_only_the_demanding_organisation_changes_its_demand(world):
    client, headers = world
    turtle = {"Content-Type": "text/turtle"}
    client.put("/demands/wanted", content=DEMAND, headers={**headers["exchange"], **turtle})
    changed = DEMAND.replace(b"500", b"900")
    assert client.put("/demands/wanted", content=changed, headers={**headers["owner"], **turtle}).status_code == 403
    assert client.put("/demands/wanted", content=changed, headers={**headers["exchange"], **turtle}).status_code == 200


def test_refused_writes_are_logged(world, caplog):
    client, headers = world
    client.delete("/passports/pub", headers=headers["other-builder"])
    assert "refused other-builder token (bouw-b) changing passport pub of acme" in caplog.text


@pytest.mark.parametrize("role", ROLES)
def test_supply_search_shows_restricted_passports_only_to_owners_and_auditors(world, role):
    client, headers = world
    passports = {item["passport"].rsplit("/", 1)[1]
                 for item in client.get("/materials?limit=200", headers=headers[role]).json()["items"]}
    assert "pub" in passports
    assert ("secret" in passports) == (role in {"owner", "auditor", "admin"})


# --- each version keeps the visibility it had -------------------------------------------------------

@pytest.fixture
def turned_public(world):
    """Passport `opened`: restricted at version 1 (with the secret title), public from version 2."""
    client, headers = world
    owner = {**headers["owner"], "Content-Type": "text/turtle"}
    assert client.put("/passports/opened", content=passport(SECRET_TITLE, restricted=True),
                      headers=owner).status_code == 201
    assert client.put("/passports/opened", content=passport("Opened pavilion"), headers=owner).status_code == 200
    return client, headers


@pytest.mark.parametrize("role", ROLES)
def test_a_version_published_as_restricted_stays_hidden_after_the_passport_turns_public(turned_public, role):
    client, headers = turned_public
    old = client.get("/passports/opened?version=1", headers=headers[role])
    diff = client.get("/passports/opened/diff?from=1&to=2", headers=headers[role])
    assert (old.status_code, diff.status_code) == ((200, 200) if role in FULL else (404, 404))
    assert client.get("/passports/opened?version=2", headers=headers[role]).status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_history_and_versions_leave_out_restricted_versions(turned_public, role):
    client, headers = turned_public
    versions = client.get("/passports/opened/versions", headers=headers[role]).json()["versions"]
    changes = client.get("/passports/opened/history", headers=headers[role]).json()["changes"]
    prov = client.get("/passports/opened/history", headers={**headers[role], "Accept": "application/n-triples"}).text
    versions, changes = [v["version"] for v in versions], [c["version"] for c in changes]
    expected = [1, 2] if role in FULL else [2]
    assert versions == changes == expected
    assert ("opened/changes/1>" in prov) == (role in FULL)
    assert (SECRET_TITLE in prov) == (role in FULL)  # the patch of version 2 removed the secret title


@pytest.mark.parametrize("role", ["anonymous", "exchange", "other-builder"])
def test_withdrawn_restricted_passport_stays_invisible(world, role):
    client, headers = world
    assert client.delete("/passports/secret", headers=headers["owner"]).status_code == 200
    for path in ("/passports/secret", "/passports/secret?version=1", "/passports/secret/versions"):
        assert client.get(path, headers=headers[role]).status_code == 404, path


# --- outsiders learn nothing from writes -------------------------------------------------------------

OUTSIDERS = ["exchange", "other-builder"]


def _not_found(client, headers, method: str, path: str) -> tuple[int, str]:
    body = {"content": passport("Taken over"), "headers": {**headers, "Content-Type": "text/turtle"}}
    response = client.request(method, path, **(body if method == "PUT" else {"headers": headers}))
    return response.status_code, response.json()["detail"]


def test_writing_a_restricted_passport_of_others_is_the_404_of_reading_it(world):
    client, headers = world
    outsider = headers["other-builder"]
    for method in ("PUT", "DELETE"):
        status, detail = _not_found(client, outsider, method, "/passports/secret")
        assert status == 404 and "acme" not in detail, method
        assert detail == client.get("/passports/secret", headers=outsider).json()["detail"]
    assert SECRET_TITLE in client.get("/passports/secret", headers={**AUTH, "Accept": "text/turtle"}).text


@pytest.mark.parametrize("role", OUTSIDERS)
def test_every_route_answers_outsiders_as_if_the_restricted_passport_did_not_exist(world, role):
    client, headers = world
    paths = ["", "?version=1", "/versions", "/history", "/diff?from=1&to=1", "/indicators", "/indicators.svg",
             "/qr"]
    for suffix in paths:
        accept = {"Accept": "text/html" if suffix == "" else "*/*"}  # the page too
        secret = client.get(f"/passports/secret{suffix}", headers={**headers[role], **accept})
        unknown = client.get(f"/passports/nosuch{suffix}", headers={**headers[role], **accept})
        assert secret.status_code == unknown.status_code == 404, suffix
        # the page too: a browser gets the 404 as a page (registry/api/errors.py), compared whole
        assert secret.text.replace("secret", "ID") == unknown.text.replace("nosuch", "ID"), suffix
    refused = client.delete("/passports/secret", headers=headers[role])
    unknown = client.delete("/passports/nosuch", headers=headers[role])
    assert refused.status_code == unknown.status_code and "acme" not in refused.text


def test_the_owner_of_a_public_passport_is_public_so_a_403_may_name_it(world):
    """The list shows every reader who owns a public passport; the refusal tells nothing more."""
    client, headers = world
    listed = {p["id"]: p["owner"] for p in client.get("/passports").json()["items"]}
    refused = client.delete("/passports/pub", headers=headers["other-builder"])
    assert listed["pub"] == "acme" and refused.status_code == 403


# --- a filtered view is never a base for a write ---------------------------------------------------

def test_a_filtered_view_has_its_own_etag(world):
    client, headers = world
    public = client.get("/passports/pub", headers={"Accept": "text/turtle"}).headers["ETag"]
    full = client.get("/passports/pub", headers={**headers["owner"], "Accept": "text/turtle"}).headers["ETag"]
    assert full == 'W/"pub-v2-ttl"' and public == 'W/"pub-v2-public-ttl"'


def test_put_with_the_etag_of_a_filtered_view_is_412_and_keeps_restricted_data(world):
    client, headers = world
    view = client.get("/passports/pub", headers={"Accept": "text/turtle"})
    edited = view.text.replace("Public pavilion", "Edited pavilion")
    response = client.put("/passports/pub", content=edited.encode(),
                          headers={**headers["owner"], "Content-Type": "text/turtle", "If-Match": view.headers["ETag"]})
    assert response.status_code == 412
    assert "filtered view" in response.json()["detail"] and "owner" in response.json()["detail"]
    kept = client.get("/passports/pub", headers={**headers["owner"], "Accept": "application/n-triples"}).text
    assert "999.98" in kept and "Edited pavilion" not in kept
