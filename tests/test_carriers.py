"""QR data carriers and the GS1 Digital Link resolver: a scan leads to the passport."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from tests.conftest import AUTH, BASE, EXAMPLES

TURTLE = {"Content-Type": "text/turtle", **AUTH}
ITEM = b"""@prefix mpr: <https://w3id.org/mpr#> . @prefix schema: <https://schema.org/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<> a mpr:Passport ; dcterms:title "Chair SN-0042" ; mpr:describes <#chair> .
<#chair> a schema:Product ; schema:name "ErgoSit 300, serial SN-0042" ; schema:serialNumber "SN-0042" ;
  mpr:instanceOf <ergo-chair#product> .
"""


@pytest.fixture
def chair(client):
    body = (EXAMPLES / "passports" / "ergo-chair.ttl").read_bytes()
    assert client.post("/passports", content=body, headers={**TURTLE, "Slug": "ergo-chair"}).status_code == 201
    return client


def test_qr_png_decodes_to_the_passport_url_which_resolves(chair):
    response = chair.get("/passports/ergo-chair/qr?format=png")
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    (decoded,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert decoded.text == f"{BASE}/passports/ergo-chair"
    assert chair.get(decoded.text.removeprefix(BASE)).status_code == 200


def test_qr_svg_by_accept_header(chair):
    response = chair.get("/passports/ergo-chair/qr", headers={"Accept": "image/svg+xml"})
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in response.content


def test_qr_of_an_unknown_passport_is_404(client):
    assert client.get("/passports/nope/qr").status_code == 404


def test_gtin_redirects_to_the_product_type_passport(chair):
    response = chair.get("/01/08712345678906", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["Location"] == f"{BASE}/passports/ergo-chair#product"


def test_gtin_13_form_resolves_like_gtin_14(chair):
    response = chair.get("/01/8712345678906", follow_redirects=False)
    assert response.headers["Location"] == f"{BASE}/passports/ergo-chair#product"


def test_gtin_with_serial_number_redirects_to_the_item(chair):
    chair.post("/passports", content=ITEM, headers={**TURTLE, "Slug": "chair-sn-0042"})
    response = chair.get("/01/08712345678906/21/SN-0042", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["Location"] == f"{BASE}/passports/chair-sn-0042#chair"


def test_gtin_with_a_wrong_check_digit_is_400(chair):
    response = chair.get("/01/08712345678907")
    assert response.status_code == 400
    assert "check digit" in response.json()["detail"]


def test_unknown_gtin_is_404(chair):
    assert chair.get("/01/00000000000000").status_code == 404
