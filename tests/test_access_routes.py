"""The access layer is the only door: every route of the app, walked.

Every route is classified below, and a route nobody classified fails the first test: a new route
is added to one of these tables together with the proof that it obeys the access rule.

- writes: an anonymous caller gets 401 and nothing is stored;
- pure computations: answer anonymous callers and store nothing (the quad count does not move);
- reads of one record: a restricted passport (or demand) is 404 to an anonymous caller;
- reads of many: the restricted passport's title and a restricted property's value never show;
- static: serve no stored data at all.

The HTTP layer itself holds no access rule: no router imports the policy module or reaches the
unguarded services (`Registry.domain`), so the rule can only be applied by `registry.access`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from starlette.routing import Route

from registry.api.app import create_app
from registry.importers.spreadsheet import HEADERS
from registry.settings import PROJECT_ROOT, Settings
from tests.conftest import AUTH, DATA, settled
from tests.matching_data import demand

SECRET_TITLE = "Secret depot"
PRICE = "999.97"
RESTRICTED = b"<> <https://w3id.org/mpr#visibility> <https://w3id.org/mpr#Restricted> .\n"
PRICED = b"""<#column-1> <https://w3id.org/mpr#residualValue> [ a <https://schema.org/PriceSpecification> ;
    <https://schema.org/price> 999.97 ; <https://schema.org/priceCurrency> "EUR" ] .
"""
CHAIR = (PROJECT_ROOT / "examples" / "passports" / "ergo-chair.ttl").read_bytes()
GTIN = "08712345678906"
DEMAND = b"""@prefix mpr: <https://w3id.org/mpr#> . @prefix qudt: <http://qudt.org/schema/qudt/> .
@prefix unit: <http://qudt.org/vocab/unit/> . @prefix mat: <https://w3id.org/mpr/materials/> .
<> a mpr:Demand ; mpr:wants mat:structural-steel ;
  mpr:quantity [ a qudt:QuantityValue ; qudt:numericValue 500 ; qudt:unit unit:KiloGM ] .
"""
TURTLE = "text/turtle"
PUBLIC_PASSPORT = (DATA / "minimal-passport.ttl").read_bytes() + PRICED
SHEET = (",".join(HEADERS) + "\nB-1,Pavilion,,building,,,,,,2030-01-01,5.1214 52.0907,\n").encode()
UNTP = (DATA / "untp-dpp-bracket.json").read_bytes()
IFC_MODEL = (DATA / "ifc" / "slab-standard-case.ifc").read_bytes()
CREDENTIAL = b"(the credential of passport 'pub', fetched first)"
FACTORS = (b"material,module,value,unit,en15804_version,gwp_indicator,declared_unit,source,licence,dataset\n"
           b"concrete,A1-A3,250,kg CO2e,A2,GWP-total,1 m3,EPD (fictional),CC0,DATASET\n")
MAPPINGS = json.dumps({"mappings": [{"name": "Aquapanel", "concept": "fibre-cement"}]}).encode()
EPD = (DATA / "epd" / "hollow-core-slab.openepd.json").read_bytes()
PORTFOLIO = json.dumps({"demands": [demand(), "open-demand"]}).encode()
PROFILE = (PROJECT_ROOT / "tests" / "test_procurement.py").read_text().split('PROFILE = b"""', 1)[1].split('"""', 1)[0]
CRITERIA = PROFILE.replace("WARRANTY", "5").replace("VISIBILITY", ".").encode()
TENDER = json.dumps({"profile": "eu-gpp-computers-monitors", "passports": ["pub"]}).encode()

# (method, path) -> (body, Content-Type) of a request that would succeed with the right token.
WRITES: dict[tuple[str, str], tuple[bytes, str]] = {
    ("POST", "/passports"): (PUBLIC_PASSPORT, TURTLE),
    ("PUT", "/passports/{passport_id}"): (PUBLIC_PASSPORT, TURTLE),
    ("DELETE", "/passports/{passport_id}"): (b"", ""),
    ("DELETE", "/passports/{passport_id}/credential"): (b"", ""),
    ("POST", "/demands"): (DEMAND, TURTLE),
    ("PUT", "/demands/{demand_id}"): (DEMAND, TURTLE),
    ("POST", "/imports/ifc"): (IFC_MODEL, "application/x-step"),
    ("POST", "/imports/spreadsheet"): (SHEET, "text/csv"),
    ("POST", "/imports/untp"): (UNTP, "application/ld+json"),
    ("PUT", "/organisations/{org}/material-mappings"): (MAPPINGS, "application/json"),
    ("PUT", "/organisations/{org}/carbon-factors/{name}"): (FACTORS, "text/csv"),
    ("POST", "/imports/epd"): (EPD, "application/json"),
    ("POST", "/sparql"): (b"update=INSERT DATA { <urn:a> <urn:b> <urn:c> }", "application/x-www-form-urlencoded"),
    ("POST", "/profiles"): (CRITERIA, TURTLE),
    ("PUT", "/profiles/{profile_id}"): (CRITERIA, TURTLE),
    ("POST", "/admin/tokens"): (b'{"organisation": "acme", "role": "admin"}', "application/json"),
    ("DELETE", "/admin/tokens/{token_id}"): (b"", ""),
}
PURE: dict[tuple[str, str], tuple[bytes, str]] = {
    ("POST", "/validate"): (PUBLIC_PASSPORT, TURTLE),
    ("POST", "/match"): (DEMAND, TURTLE),
    ("POST", "/match/portfolio"): (PORTFOLIO, "application/json"),
    ("POST", "/imports/ifc?dry_run=true"): (IFC_MODEL, "application/x-step"),
    ("POST", "/imports/spreadsheet?dry_run=true"): (SHEET, "text/csv"),
    ("POST", "/imports/untp?dry_run=true"): (UNTP, "application/ld+json"),
    ("POST", "/imports/epd?dry_run=true"): (EPD, "application/json"),
    ("POST", "/sparql?query"): (b"query=ASK { ?s ?p ?o }", "application/x-www-form-urlencoded"),
    ("POST", "/credentials/verify"): (CREDENTIAL, "application/vc+jwt"),
    ("POST", "/tenders/check"): (TENDER, "application/json"),
}
# Sign-in forms (registry/api/session.py): without the CSRF token they are refused and store nothing.
SESSIONS: dict[tuple[str, str], tuple[bytes, str]] = {
    ("POST", "/signin"): (b"token=mpr_000000000000_xxxxxxxxxxxxxxxxxxxxxxxx", "application/x-www-form-urlencoded"),
    ("POST", "/signout"): (b"", "application/x-www-form-urlencoded"),
}
READ_ONE = {
    "/passports/{passport_id}", "/passports/{passport_id}/versions", "/passports/{passport_id}/history",
    "/passports/{passport_id}/diff", "/passports/{passport_id}/indicators", "/passports/{passport_id}/indicators.svg",
    "/passports/{passport_id}/qr", "/01/{gtin}", "/01/{gtin}/21/{serial}", "/demands/{demand_id}",
    "/demands/{demand_id}/matches", "/passports/{passport_id}/credential", "/passports/{passport_id}/untp",
    "/profiles/{profile_id}", "/profiles/{profile_id}/criteria",
    "/profiles/{profile_id}/versions", "/profiles/{profile_id}/history", "/profiles/{profile_id}/diff",
    "/organisations/{org}/material-mappings", "/organisations/{org}/carbon-factors/{name}",
}
READ_MANY: dict[str, dict[str, str]] = {
    "/": {}, "/passports": {"limit": "500"}, "/health": {}, "/materials": {"limit": "1000"},
    "/reports/urban-mine": {}, "/reports/urban-mine.svg": {}, "/organisations/{org}/baseline": {},
    "/sparql": {"query": "SELECT ?o WHERE { ?s ?p ?o }"}, "/credentials/status/revocation": {}, "/profiles": {},
    "/organisations/{org}/carbon-factors": {},
}
ADMIN_READS = {"/admin/tokens"}  # administration: 401 without a token, 403 for any role but admin
STATIC = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/redoc/redoc.standalone.js",
          "/validate/profiles", "/context.jsonld", "/signin", "/imports/spreadsheet/template",
          "/.well-known/did.json", "/did.json", "/organisations/{org}/did.json", "/demands/new", "/favicon.ico"}
ARGUMENTS = {"passport_id": "secret", "demand_id": "secret-demand", "gtin": GTIN, "serial": "1", "org": "acme",
             "profile_id": "secret-profile", "name": "secret-set"}
QUERIES = {"/passports/{passport_id}/diff": {"from": "1", "to": "1"},
           "/profiles/{profile_id}/diff": {"from": "1", "to": "1"}}


def app_routes() -> set[tuple[str, str]]:
    """(method, path) of every route: the OpenAPI document lists the API (included routers are not
    plain entries of `app.routes` in this FastAPI), `app.routes` adds the documentation pages."""
    app = create_app(Settings(data=Path("unused"), load_examples=False))
    listed = {(method.upper(), path) for path, methods in app.openapi()["paths"].items() for method in methods}
    plain = {(method, route.path) for route in app.routes if isinstance(route, Route)
             for method in (route.methods or ()) if method != "HEAD"}
    return listed | plain


ROUTES = app_routes()


def test_every_route_is_classified():
    writes = {(m, p.split("?")[0]) for m, p in [*WRITES, *PURE, *SESSIONS]}
    reads = {("GET", p) for p in READ_ONE | set(READ_MANY) | STATIC | ADMIN_READS}
    assert ROUTES - writes - reads == set(), "classify the new route in tests/test_access_routes.py"


def test_no_router_applies_a_policy_or_reaches_unguarded_services():
    api = PROJECT_ROOT / "registry" / "api"
    for module in sorted(api.glob("*.py")):
        if module.name == "sparql.py":  # chooses the dataset by role; see registry/access for the rest
            continue
        text = module.read_text()
        assert not re.search(r"registry\.access\.policy|check_write|sees_full|sees_everything", text), module.name
        assert not re.search(r"registry\.domain\b", text) or module.name == "app.py", module.name  # warms the index
        assert not re.search(r"registry\.store\b", text) or module.name == "health.py", module.name


@pytest.fixture
def secrets(client):
    """A public passport with a restricted property, a restricted passport (with a GTIN), a restricted demand."""
    tokens = client.app.state.registry.tokens
    _, owner = tokens.create("acme", "builder")
    owner_headers = {"Authorization": f"Bearer {owner}", "Content-Type": TURTLE}
    secret = CHAIR.replace(b"Product passport ErgoSit", SECRET_TITLE.encode()).replace(b"mpr:visibility mpr:Public",
                                                                                     b"mpr:visibility mpr:Restricted")
    for path, body in [("/passports/pub", PUBLIC_PASSPORT), ("/passports/secret", secret),
                       ("/demands/secret-demand", DEMAND + RESTRICTED), ("/demands/open-demand", DEMAND)]:
        assert client.put(path, content=body, headers=owner_headers).status_code == 201, path
    assert SECRET_TITLE.encode() in secret
    _, procurer = tokens.create("acme", "procurer")
    procurer_headers = {"Authorization": f"Bearer {procurer}", "Content-Type": TURTLE}
    draft = PROFILE.replace("WARRANTY", "5").replace("VISIBILITY", "mpr:visibility mpr:Restricted .")
    draft = draft.replace("Zwolle ICT 2026", SECRET_TITLE).encode()
    for path, body in [("/profiles/secret-profile", draft), ("/profiles/open-profile", CRITERIA)]:
        assert client.put(path, content=body, headers=procurer_headers).status_code == 201, path
    restricted_set = FACTORS.replace(b"DATASET", SECRET_TITLE.encode())
    assert client.put("/organisations/acme/carbon-factors/secret-set", content=restricted_set,
                      headers={**owner_headers, "Content-Type": "text/csv"}).status_code == 200
    return client


def _resolved(client, spec: tuple[bytes, str]) -> tuple[bytes, str]:
    """A body that must be made from stored data (a credential to verify) is fetched before counting."""
    body, content_type = spec
    return (client.get("/passports/pub/credential").content if body is CREDENTIAL else body), content_type


def _send(client, method: str, path: str, spec: tuple[bytes, str]):
    body, content_type = spec
    target = (path.replace("{passport_id}", "pub").replace("{demand_id}", "open-demand").replace("{org}", "acme")
              .replace("{token_id}", "000000000000").replace("{profile_id}", "open-profile")
              .replace("{name}", "open-set").removesuffix("?query"))
    return client.request(method, target, content=body, headers={"Content-Type": content_type} if content_type else {})


@pytest.mark.parametrize(("method", "path"), sorted(WRITES))
def test_every_write_route_needs_a_token_and_stores_nothing_without_one(secrets, method, path):
    store = settled(secrets.app.state.registry).store
    before = store.count()
    response = _send(secrets, method, path, WRITES[(method, path)])
    assert response.status_code == 401, response.text
    assert store.count() == before


@pytest.mark.parametrize(("method", "path"), sorted(PURE))
def test_pure_computations_answer_anyone_and_store_nothing(secrets, method, path):
    store = secrets.app.state.registry.store
    spec = _resolved(secrets, PURE[(method, path)])
    before = settled(secrets.app.state.registry).store.count()
    response = _send(secrets, method, path, spec)
    assert response.status_code == 200, response.text
    assert store.count() == before


@pytest.mark.parametrize(("method", "path"), sorted(SESSIONS))
def test_sign_in_forms_without_the_csrf_token_are_refused_and_store_nothing(secrets, method, path):
    store = settled(secrets.app.state.registry).store
    before = store.count()
    response = _send(secrets, method, path, SESSIONS[(method, path)])
    assert response.status_code == 403, response.text
    assert store.count() == before


@pytest.mark.parametrize("path", sorted(READ_ONE))
def test_reads_of_a_restricted_record_are_404_to_the_public(secrets, path):
    target = path.format(**ARGUMENTS)
    anonymous = secrets.get(target, params=QUERIES.get(path, {}), follow_redirects=False)
    admin = secrets.get(target, params=QUERIES.get(path, {}), headers=AUTH, follow_redirects=False)
    assert anonymous.status_code == 404, anonymous.text
    assert SECRET_TITLE not in anonymous.text
    if "{serial}" not in path:  # no item with a serial number is stored: 404 for everyone
        assert admin.status_code in (200, 303), admin.text


@pytest.mark.parametrize("path", sorted(READ_MANY))
def test_reads_of_many_show_neither_restricted_passports_nor_restricted_values(secrets, path):
    target = path.format(**ARGUMENTS)
    anonymous = secrets.get(target, params=READ_MANY[path], headers={"Accept": "*/*"})
    assert anonymous.status_code == 200, anonymous.text
    assert SECRET_TITLE not in anonymous.text and PRICE not in anonymous.text
    assert "secret" not in anonymous.text.replace("secret-demand", "") or path == "/sparql"
    admin = secrets.get(target, params=READ_MANY[path], headers={**AUTH, "Accept": "*/*"})
    assert admin.status_code == 200


@pytest.mark.parametrize("path", sorted(ADMIN_READS))
def test_administration_reads_are_refused_to_everyone_but_admins(secrets, path):
    _, builder = secrets.app.state.registry.tokens.create("acme", "builder")
    assert secrets.get(path).status_code == 401
    assert secrets.get(path, headers={"Authorization": f"Bearer {builder}"}).status_code == 403
    assert secrets.get(path, headers=AUTH).status_code == 200


@pytest.mark.parametrize("path", ["/", "/materials", "/reports/urban-mine"])
def test_pages_of_many_show_neither_restricted_passports_nor_restricted_values(secrets, path):
    anonymous = secrets.get(path, params=READ_MANY[path], headers={"Accept": "text/html"})
    assert anonymous.status_code == 200 and anonymous.headers["content-type"].startswith("text/html")
    assert SECRET_TITLE not in anonymous.text and PRICE not in anonymous.text
