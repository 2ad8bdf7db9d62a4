"""The GS1 Digital Link resolver's linkset (RFC 9264): every link of an identifier, typed with GS1 link types."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.conftest import AUTH, BASE, EXAMPLES

TURTLE = {"Content-Type": "text/turtle", **AUTH}
LINKSET = "application/linkset+json"
GTIN = "08712345678906"
GS1 = "https://gs1.org/voc/"
EPD = "https://epd.example.org/ergosit-300"
CHAIR = (EXAMPLES / "passports" / "ergo-chair.ttl").read_bytes()
WITH_EPD = CHAIR.replace(b'"Illustrative EPD figure: truck transport 150 km to a Dutch customer"', f"<{EPD}>".encode())


def _absolute(uri: str) -> bool:
    parts = urlsplit(uri)
    return bool(parts.scheme and parts.netloc)


def assert_rfc9264(document: object) -> None:
    """RFC 9264 section 4.2: an object whose one member `linkset` is an array of link context objects;
    each has an `anchor` (a URI) and link relation types (registered names or absolute URIs) whose
    values are arrays of target objects, each with an `href` URI and optional string attributes."""
    assert isinstance(document, dict) and set(document) == {"linkset"}
    assert isinstance(document["linkset"], list) and document["linkset"]
    for context in document["linkset"]:
        assert isinstance(context, dict) and _absolute(context["anchor"])
        for relation, targets in context.items():
            if relation == "anchor":
                continue
            assert _absolute(relation) or relation.isalnum(), relation
            assert isinstance(targets, list) and targets
            for target in targets:
                assert isinstance(target, dict) and _absolute(target["href"])
                assert all(isinstance(v, str) for k, v in target.items() if k != "href")


@pytest.fixture
def chair(client):
    response = client.put("/passports/ergo-chair", content=WITH_EPD, headers=TURTLE)
    assert response.status_code == 201, response.text
    return client


def test_accept_linkset_answers_an_rfc_9264_linkset(chair):
    response = chair.get(f"/01/{GTIN}", headers={"Accept": LINKSET})
    assert response.status_code == 200
    assert response.headers["content-type"] == LINKSET
    assert_rfc9264(response.json())


def test_the_linkset_lists_page_data_credential_epd_and_qr_code_with_gs1_link_types(chair):
    (context,) = chair.get(f"/01/{GTIN}", params={"linkType": "linkset"}).json()["linkset"]
    passport = f"{BASE}/passports/ergo-chair"
    assert context["anchor"] == f"{BASE}/01/{GTIN}"
    assert context[GS1 + "pip"][0] == {"href": passport, "type": "text/html",
                                       "title": "Product passport ErgoSit 300 office chair: passport page"}
    assert {t["type"] for t in context[GS1 + "masterData"]} == {"text/turtle", "application/ld+json"}
    assert context[GS1 + "jws"][0]["href"] == f"{passport}/credential"
    assert context[GS1 + "sustainabilityInfo"][0]["href"] == EPD
    assert context[GS1 + "relatedImage"][0]["type"] == "image/svg+xml"
    assert context[GS1 + "defaultLink"][0]["href"] == passport


def test_every_link_of_the_linkset_answers(chair):
    (context,) = chair.get(f"/01/{GTIN}", headers={"Accept": LINKSET}).json()["linkset"]
    for relation, targets in context.items():
        for target in targets if relation != "anchor" else []:
            if target["href"].startswith(BASE):
                answer = chair.get(target["href"].removeprefix(BASE), headers={"Accept": target["type"]})
                assert answer.status_code == 200, (relation, target)
                assert answer.headers["content-type"].startswith(target["type"]), (relation, target)


def test_link_type_picks_one_link(chair):
    response = chair.get(f"/01/{GTIN}", params={"linkType": "gs1:jws"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["Location"] == f"{BASE}/passports/ergo-chair/credential"


def test_an_unknown_link_type_is_404_naming_the_available_ones(chair):
    response = chair.get(f"/01/{GTIN}", params={"linkType": "gs1:recipeInfo"})
    assert response.status_code == 404
    assert "gs1:jws" in response.json()["detail"]


def test_without_a_link_type_the_resolver_still_redirects_and_points_at_its_linkset(chair):
    response = chair.get(f"/01/{GTIN}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["Location"] == f"{BASE}/passports/ergo-chair#product"
    assert 'rel="linkset"' in response.headers["Link"]


def test_a_passport_without_epd_links_has_no_sustainability_link(client):
    assert client.put("/passports/ergo-chair", content=CHAIR, headers=TURTLE).status_code == 201
    (context,) = client.get(f"/01/{GTIN}", headers={"Accept": LINKSET}).json()["linkset"]
    assert GS1 + "sustainabilityInfo" not in context


def test_the_linkset_of_a_restricted_passport_is_404_to_the_public(client):
    hidden = WITH_EPD.replace(b"mpr:visibility mpr:Public", b"mpr:visibility mpr:Restricted")
    assert client.put("/passports/ergo-chair", content=hidden, headers=TURTLE).status_code == 201
    response = client.get(f"/01/{GTIN}", headers={"Accept": LINKSET})
    assert response.status_code == 404
    assert EPD not in response.text


def test_the_anchor_of_an_item_percent_encodes_its_serial_number(chair):
    item = b"""@prefix mpr: <https://w3id.org/mpr#> . @prefix schema: <https://schema.org/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<> a mpr:Passport ; dcterms:title "Chair" ; mpr:describes <#chair> .
<#chair> a schema:Product ; schema:name "ErgoSit 300" ; schema:serialNumber "SN 1\\r\\nx" ;
  mpr:instanceOf <ergo-chair#product> .
"""
    assert chair.put("/passports/chair-1", content=item, headers=TURTLE).status_code == 201
    response = chair.get(f"/01/{GTIN}/21/SN%201%0D%0Ax", headers={"Accept": LINKSET})
    assert response.status_code == 200, response.text
    assert response.json()["linkset"][0]["anchor"] == f"{BASE}/01/{GTIN}/21/SN%201%0D%0Ax"
    assert "\r" not in response.headers["Link"] and "\n" not in response.headers["Link"]
