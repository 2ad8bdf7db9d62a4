"""The UNTP Digital Product Passport export, checked against UNTP's own published JSON schema and context.

The bracket below is worked by hand:
- materials: steel 6 kg (plate, 50 % recycled) + 2 kg (bolts, 25 % recycled) = 8 kg; aluminium 2 kg (80 %).
- total mass 10 kg: mass fractions steel 8 / 10 = 0.8, aluminium 2 / 10 = 0.2.
- recycled mass fraction of steel (6 x 0.5 + 2 x 0.25) / 8 = 3.5 / 8 = 0.4375; aluminium 0.8.
- recycled content of the product (3.5 + 2 x 0.8) / 10 = 5.1 / 10 = 0.51.
"""

from __future__ import annotations

import json

import jsonschema
import pytest

from registry.settings import PROJECT_ROOT
from tests.conftest import AUTH, BASE, settled

VENDOR = PROJECT_ROOT / "vendor" / "untp"
SCHEMA = json.loads((VENDOR / "untp-dpp-schema.json").read_text())
CONTEXT = json.loads((VENDOR / "untp-dpp-context.jsonld").read_text())["@context"]
TURTLE = {"Content-Type": "text/turtle"}
# GTIN-14 0871234567891(3): 0*3+8+7*3+1+2*3+3+4*3+5+6*3+7+8*3+9+1*3 = 117, check digit (10 - 7) mod 10 = 3.
GTIN = "08712345678913"
BRACKET = f"""@prefix mpr: <https://w3id.org/mpr#> . @prefix mat: <https://w3id.org/mpr/materials/> .
@prefix mod: <https://w3id.org/mpr/modules/> . @prefix schema: <https://schema.org/> .
@prefix dcterms: <http://purl.org/dc/terms/> . @prefix qudt: <http://qudt.org/schema/qudt/> .
@prefix unit: <http://qudt.org/vocab/unit/> .
<> a mpr:Passport ; dcterms:title "Bracket B-2"@en ; mpr:describes <#product> ; mpr:visibility mpr:Public .
<#product> a schema:Product ; schema:name "Bracket B-2" ; schema:gtin "{GTIN}" ;
  schema:description "Wall bracket, bolted" ; mpr:recyclableAtEndOfLife 0.9 ;
  dcterms:hasPart <#plate> , <#bolts> , <#clip> ;
  mpr:embodiedCarbon [ a mpr:EmbodiedCarbonValue ; mpr:lifeCycleModule mod:A1-A3 ; mpr:kgCO2e 12.5 ;
                       dcterms:source <https://epd.example.org/bracket-b2> ] .
<#plate> a schema:Product ; schema:name "plate" ; mpr:composedOf [ a mpr:MaterialComposition ;
  mpr:material mat:steel ; mpr:mass [ qudt:numericValue 6 ; qudt:unit unit:KiloGM ] ; mpr:recycledContent 0.5 ] .
<#bolts> a schema:Product ; schema:name "bolts" ; mpr:composedOf [ a mpr:MaterialComposition ;
  mpr:material mat:steel ; mpr:mass [ qudt:numericValue 2 ; qudt:unit unit:KiloGM ] ; mpr:recycledContent 0.25 ] .
<#clip> a schema:Product ; schema:name "clip" ; mpr:composedOf [ a mpr:MaterialComposition ;
  mpr:material mat:aluminium ; mpr:mass [ qudt:numericValue 2000 ; qudt:unit unit:GM ] ; mpr:recycledContent 0.8 ] .
""".encode()


@pytest.fixture
def bracket(client):
    answer = client.put("/passports/bracket", content=BRACKET, headers={**TURTLE, **AUTH})
    assert answer.status_code == 201, answer.text
    exported = client.get("/passports/bracket/untp")
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"] == "application/ld+json"
    return exported.json()


def test_the_export_validates_against_the_untp_dpp_schema(bracket):
    jsonschema.validate(bracket, SCHEMA, cls=jsonschema.Draft202012Validator,
                        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _keys(node: object) -> set[str]:
    if isinstance(node, list):
        return set().union(*(_keys(n) for n in node)) if node else set()
    if isinstance(node, dict):
        return set(node) | _keys(list(node.values()))
    return set()


def _terms(context: dict) -> set[str]:
    """Every term the UNTP context defines, with the terms of its type-scoped contexts."""
    terms = {k for k in context if not k.startswith("@")}
    for definition in context.values():
        if isinstance(definition, dict) and isinstance(definition.get("@context"), dict):
            terms |= _terms(definition["@context"])
    return terms


def test_every_property_of_the_export_is_a_term_of_the_untp_context(bracket):
    # The VC 2.0 context defines these; everything else must come from UNTP's context, or JSON-LD drops it.
    vc_terms = {"@context", "id", "type", "issuer", "validFrom", "credentialSubject", "name", "description"}
    assert _keys(bracket) - vc_terms - _terms(CONTEXT) == set()


def test_materials_provenance_gives_mass_fractions_and_recycled_fractions_worked_by_hand(bracket):
    materials = {m["name"]: m for m in bracket["credentialSubject"]["materialsProvenance"]}
    steel, aluminium = materials["steel"], materials["aluminium"]
    assert steel["mass"] == {"type": ["Measure"], "value": 8.0, "unit": "KGM"}
    assert steel["massFraction"] == 0.8 and aluminium["massFraction"] == 0.2
    assert steel["recycledMassFraction"] == 0.4375
    assert aluminium["recycledMassFraction"] == 0.8  # 2000 g = 2 kg, all at 80 %
    scorecard = bracket["credentialSubject"]["circularityScorecard"]
    assert scorecard["recycledContent"] == 0.51 and scorecard["recyclableContent"] == 0.9


def test_product_issuer_and_carbon_claim(bracket):
    product = bracket["credentialSubject"]["product"]
    assert product["id"] == f"{BASE}/01/{GTIN}" and product["registeredId"] == GTIN
    assert bracket["issuer"]["id"].startswith("did:web:testserver")
    (claim,) = bracket["credentialSubject"]["conformityClaim"]
    assert claim["conformityTopic"] == "environment.emissions"
    assert claim["declaredValue"][0]["metricValue"]["value"] == 12.5
    assert claim["conformityEvidence"]["linkURL"] == "https://epd.example.org/bracket-b2"


def test_a_building_passport_has_no_untp_export(client, passport_ttl):
    assert client.put("/passports/pav", content=passport_ttl, headers={**TURTLE, **AUTH}).status_code == 201
    answer = client.get("/passports/pav/untp")
    assert answer.status_code == 422
    assert "schema:Product" in answer.json()["detail"]


# --- import ----------------------------------------------------------------------------------------


def test_an_export_imports_back_to_the_same_product_materials_and_carbon(client, bracket):
    answer = client.post("/imports/untp", content=json.dumps(bracket), headers={
        "Content-Type": "application/ld+json", "Slug": "bracket-copy", **AUTH})
    assert answer.status_code == 201, answer.text
    again = client.get("/passports/bracket-copy/untp").json()
    for key in ("product", "materialsProvenance", "circularityScorecard"):
        assert again["credentialSubject"][key] == bracket["credentialSubject"][key], key
    metrics = [c["declaredValue"] for c in again["credentialSubject"]["conformityClaim"]]
    assert metrics == [c["declaredValue"] for c in bracket["credentialSubject"]["conformityClaim"]]


def test_a_dry_run_import_stores_nothing_and_shows_the_passport(client, bracket):
    store = settled(client.app.state.registry).store
    before = store.count()
    answer = client.post("/imports/untp?dry_run=true", content=json.dumps(bracket),
                         headers={"Content-Type": "application/ld+json"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["validation"]["conforms"] is True
    assert "mat/steel" in answer.json()["passport"] or "materials/steel" in answer.json()["passport"]
    assert store.count() == before


def test_mass_fractions_without_masses_use_the_product_weight(client, bracket):
    # 0.8 x 10 kg = 8 kg of steel, 0.2 x 10 kg = 2 kg of aluminium: the same fractions come back.
    subject = bracket["credentialSubject"]
    subject["product"]["dimensions"] = {"weight": {"value": 10, "unit": "KGM"}}
    for material in subject["materialsProvenance"]:
        del material["mass"]
    answer = client.post("/imports/untp", content=json.dumps(bracket), headers={
        "Content-Type": "application/json", "Slug": "by-fraction", **AUTH})
    assert answer.status_code == 201, answer.text
    fractions = {m["name"]: m["massFraction"] for m in
                 client.get("/passports/by-fraction/untp").json()["credentialSubject"]["materialsProvenance"]}
    assert fractions == {"steel": 0.8, "aluminium": 0.2}


@pytest.mark.parametrize(("document", "status"), [
    (b"[1, 2]", 400), (b'{"type": ["VerifiableCredential"]}', 400), (b"{not json", 400),
    (json.dumps({"type": ["DigitalProductPassport"], "credentialSubject": {"product": {
        "id": "urn:x", "name": "x"}, "materialsProvenance": [{"name": "m", "materialType": {
            "id": "mpr-untp-import://passport/other"}, "mass": {"value": 1, "unit": "KGM"}}]}}).encode(), 400),
])
def test_a_document_that_is_no_untp_passport_is_refused_and_nothing_stored(client, document, status):
    store = settled(client.app.state.registry).store
    before = store.count()
    answer = client.post("/imports/untp", content=document, headers={"Content-Type": "application/json", **AUTH})
    assert answer.status_code == status, answer.text
    assert store.count() == before


# --- signed ----------------------------------------------------------------------------------------

JWT = "application/vc+jwt"


def _signed(client) -> str:
    answer = client.get("/passports/bracket/untp", headers={"Accept": JWT})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith(JWT)
    return answer.text


def _payload(token: str) -> dict:
    import base64

    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_a_signed_untp_passport_validates_against_the_schema_and_verifies(client, bracket):
    token = _signed(client)
    jsonschema.validate(_payload(token), SCHEMA, cls=jsonschema.Draft202012Validator)
    report = client.post("/credentials/verify", content=token, headers={"Content-Type": JWT}).json()
    assert report["verified"] is True and report["checks"]["content"] == "matches"
    assert report["passport"] == "bracket" and report["version"] == 1


def test_a_signed_untp_passport_is_revoked_with_its_passport_version(client, bracket):
    token = _signed(client)
    assert client.delete("/passports/bracket/credential", headers=AUTH).status_code == 200
    report = client.post("/credentials/verify", content=token, headers={"Content-Type": JWT}).json()
    assert report["verified"] is False and report["checks"]["status"] == "revoked"


def test_a_changed_untp_passport_fails_its_signature(client, bracket):
    import base64

    token = _signed(client)
    header, _, signature = token.split(".")
    changed = _payload(token)
    changed["credentialSubject"]["materialsProvenance"][0]["recycledMassFraction"] = 0.99
    body = base64.urlsafe_b64encode(json.dumps(changed).encode()).decode().rstrip("=")
    answer = client.post("/credentials/verify", content=f"{header}.{body}.{signature}", headers={"Content-Type": JWT})
    assert answer.status_code == 422
