"""Verifiable passports: keys and DID documents, VC-JOSE credentials, verification, revocation, rotation.

A credential is a compact JWS (header.payload.signature, base64url) whose payload is a W3C VC 2.0
credential; these tests take it apart with the standard library where they change it, so they do
not trust the code under test to build their forgeries.
"""

from __future__ import annotations

import base64
import json
import stat

import pytest
from joserfc import jws
from joserfc.jwk import OKPKey

from registry.credentials import status as bitstring
from registry.credentials import vc
from tests.conftest import AUTH, DATA, settled

PRICE = "999.97"
PRICED = b"""<#column-1> <https://w3id.org/mpr#residualValue> [ a <https://schema.org/PriceSpecification> ;
    <https://schema.org/price> 999.97 ; <https://schema.org/priceCurrency> "EUR" ] .
"""
PASSPORT = (DATA / "minimal-passport.ttl").read_bytes() + PRICED
TURTLE = {"Content-Type": "text/turtle"}
JWT = {"Content-Type": vc.MEDIA_TYPE}
REGISTRY_DID = "did:web:testserver"
ACME_DID = "did:web:testserver:organisations:acme"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _payload(token: str) -> dict:
    return json.loads(_unb64(token.split(".")[1]))


def _with_payload(token: str, credential: dict) -> str:
    header, _, signature = token.split(".")
    return ".".join([header, _b64(json.dumps(credential).encode()), signature])


@pytest.fixture
def owner(client):
    """acme's builder token, and acme's passport 'pav' (with a restricted price), at version 1."""
    _, secret = client.app.state.registry.tokens.create("acme", "builder")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.put("/passports/pav", content=PASSPORT, headers={**headers, **TURTLE}).status_code == 201
    return headers


def _credential(client, headers=None, **params) -> str:
    answer = client.get("/passports/pav/credential", headers=headers or {}, params=params)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith(vc.MEDIA_TYPE)
    return answer.text


def _verify(client, token: str, headers=None):
    return client.post("/credentials/verify", content=token, headers={**JWT, **(headers or {})})


# --- keys and DID documents ------------------------------------------------------------------------


def test_first_start_makes_a_signing_key_readable_only_by_the_registry(core, settings):
    files = list((settings.data / "keys").glob("key-*.jwk"))
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE((settings.data / "keys").stat().st_mode) == 0o700


def test_did_documents_publish_the_public_key_and_never_the_private_one(client, settings):
    private = json.loads(next((settings.data / "keys").glob("key-*.jwk")).read_text())["jwk"]["d"]
    for path, did in [("/.well-known/did.json", REGISTRY_DID), ("/organisations/acme/did.json", ACME_DID)]:
        answer = client.get(path)
        assert answer.status_code == 200
        document = answer.json()
        assert document["id"] == did and document["controller"] == REGISTRY_DID
        [method] = document["verificationMethod"]
        assert method["publicKeyJwk"]["crv"] == "Ed25519" and "d" not in method["publicKeyJwk"]
        assert document["assertionMethod"] == [method["id"]]
        assert private not in answer.text


def test_an_organisation_name_with_any_character_gets_the_did_that_resolves_to_it(client):
    answer = client.get("/organisations/Bouw%20%3A%20BV/did.json")
    assert answer.status_code == 200
    assert answer.json()["id"] == "did:web:testserver:organisations:Bouw%20%3A%20BV"  # did:web: one path segment


# --- issuing and verifying -------------------------------------------------------------------------


def test_a_credential_is_issued_by_the_owner_organisation_and_verifies(client, owner):
    token = _credential(client, owner)
    credential = _payload(token)
    assert credential["issuer"]["id"] == ACME_DID
    assert credential["type"] == ["VerifiableCredential", "MaterialPassportCredential"]
    assert credential["credentialSubject"]["id"] == "http://testserver/passports/pav"
    assert credential["credentialStatus"]["type"] == "BitstringStatusListEntry"
    report = _verify(client, token).json()
    assert report["verified"] is True
    assert report["checks"] == {"signature": "valid", "issuer": f"{ACME_DID} (key controlled by this registry)",
                                "status": "active", "content": "matches", "current": True}


def test_the_credential_subject_reads_back_as_the_stored_passport(client, owner):
    token = _credential(client, owner)
    triples = vc.triples_of(_payload(token)["credentialSubject"], "http://testserver/passports/pav")
    _, stored = client.app.state.registry.domain.passports.content("pav")
    assert set(triples) == set(stored)


def test_the_credential_subject_is_named_by_id_for_plain_json_tools(client, owner):
    subject = _payload(_credential(client, owner))["credentialSubject"]
    assert subject["id"] == "http://testserver/passports/pav" and "@id" not in subject


def test_a_credential_whose_subject_says_at_id_still_verifies(client, owner):
    """Credentials issued before the subject said `id` wrote `@id` (the same under the VC 2.0 context)."""
    credential = _payload(_credential(client, owner))
    subject = credential["credentialSubject"]
    renamed = {"@id": subject["id"], **{k: v for k, v in subject.items() if k != "id"}}
    older = {**credential, "credentialSubject": renamed}
    registry = client.app.state.registry.domain.credentials
    token = vc.sign(older, registry.keys.current(), ACME_DID)
    report = _verify(client, token).json()
    assert report["verified"] is True and report["checks"]["content"] == "matches"


def test_one_changed_triple_breaks_the_signature(client, owner):
    token = _credential(client, owner)
    changed = _payload(token)
    text = json.dumps(changed).replace('"@value": "675"', '"@value": "575"')  # the column's concrete mass
    assert text != json.dumps(changed)
    answer = _verify(client, _with_payload(token, json.loads(text)))
    assert answer.status_code == 422
    assert "forged or changed" in answer.json()["detail"]


def test_a_credential_signed_with_another_key_under_the_registry_key_id_is_rejected(client, owner):
    token = _credential(client, owner)
    header = json.loads(_unb64(token.split(".")[0]))
    forged = jws.serialize_compact(header, json.dumps(_payload(token)).encode(),
                                   OKPKey.generate_key("Ed25519"), algorithms=["Ed25519"])
    answer = _verify(client, forged)
    assert answer.status_code == 422
    assert "forged or changed" in answer.json()["detail"]


def test_an_unknown_key_id_is_rejected(client, owner):
    token = _credential(client, owner)
    header = {**json.loads(_unb64(token.split(".")[0])), "kid": f"{ACME_DID}#not-a-key-of-ours"}
    forged = jws.serialize_compact(header, json.dumps(_payload(token)).encode(),
                                   OKPKey.generate_key("Ed25519"), algorithms=["Ed25519"])
    answer = _verify(client, forged)
    assert answer.status_code == 422
    assert "unknown key" in answer.json()["detail"]


@pytest.mark.parametrize("token", ["not a jws", "a.b", "eyJhbGciOiJub25lIn0.e30.", "!!.e30.xx"])
def test_a_malformed_jws_is_400_and_stores_nothing(client, owner, token):
    store = settled(client.app.state.registry).store
    before = store.count()
    answer = _verify(client, token)
    assert answer.status_code == 400, answer.text
    assert store.count() == before


def test_a_credential_of_another_issuer_is_rejected(client, owner):
    token = _credential(client, owner)
    credential = {**_payload(token), "issuer": {"id": "did:web:elsewhere.example"}}
    header = {**json.loads(_unb64(token.split(".")[0])), "kid": "did:web:elsewhere.example#k"}
    forged = jws.serialize_compact(header, json.dumps(credential).encode(), OKPKey.generate_key("Ed25519"),
                                   algorithms=["Ed25519"])
    answer = _verify(client, forged)
    assert answer.status_code == 422
    assert "not signed by this registry" in answer.json()["detail"]


def test_verification_needs_only_the_credential_and_the_did_document(client, owner):
    """What a verifier without the registry does: fetch the issuer's did.json once, check offline."""
    token = _credential(client, owner)
    document = client.get("/organisations/acme/did.json").json()
    credential = vc.verify_offline(vc.decode(token.encode()), document)
    assert credential["credentialSubject"]["id"] == "http://testserver/passports/pav"
    public = OKPKey.import_key(document["verificationMethod"][0]["publicKeyJwk"])
    assert jws.deserialize_compact(token, public, algorithms=["Ed25519"]).payload  # any JOSE library agrees


def test_a_credential_of_an_older_version_verifies_and_says_it_is_not_current(client, owner):
    token = _credential(client, owner)
    changed = PASSPORT.replace(b"Column C1", b"Column C1 (repainted)")
    assert client.put("/passports/pav", content=changed, headers={**owner, **TURTLE}).status_code == 200
    report = _verify(client, token).json()
    assert report["verified"] is True and report["version"] == 1
    assert report["checks"]["current"] is False


# --- access ----------------------------------------------------------------------------------------


def test_an_anonymous_credential_leaks_no_restricted_value_and_says_it_is_filtered(client, owner):
    anonymous = _credential(client)
    full = _credential(client, owner)
    assert PRICE not in anonymous and PRICE not in json.dumps(_payload(anonymous))
    assert _payload(anonymous)["restrictedContentOmitted"] is True
    assert PRICE in json.dumps(_payload(full)) and _payload(full)["restrictedContentOmitted"] is False


def test_a_filtered_credential_verifies_for_anyone(client, owner):
    token = _credential(client)
    assert _verify(client, token).json()["verified"] is True
    assert _verify(client, token, owner).json()["verified"] is True


def test_an_anonymous_verifier_of_a_full_credential_compares_only_the_public_part(client, owner):
    report = _verify(client, _credential(client, owner)).json()
    assert report["checks"]["content"] == "matches"
    assert PRICE not in json.dumps(report)


def test_a_restricted_passport_has_no_credential_for_outsiders(client, owner):
    hidden = PASSPORT.replace(b"mpr:Passport ;", b"mpr:Passport ; mpr:visibility mpr:Restricted ;")
    assert client.put("/passports/pav", content=hidden, headers={**owner, **TURTLE}).status_code == 200
    assert client.get("/passports/pav/credential").status_code == 404


# --- revocation and rotation -----------------------------------------------------------------------


def test_a_version_claims_its_status_entry_when_written_so_fetching_a_credential_writes_nothing(client, owner):
    store = settled(client.app.state.registry).store
    before = store.count()
    token = _credential(client)  # anonymous
    assert store.count() == before
    index = int(_payload(token)["credentialStatus"]["statusListIndex"])
    assert client.app.state.registry.domain.credentials.status.index("http://testserver/passports/pav", 1) == index


def test_a_revoked_credential_verifies_as_revoked(client, owner):
    token = _credential(client, owner)
    revoked = client.delete("/passports/pav/credential", headers=owner)
    assert revoked.status_code == 200, revoked.text
    report = _verify(client, token).json()
    assert report["verified"] is False and report["checks"]["status"] == "revoked"


def test_the_status_list_credential_has_the_revoked_bit_set(client, owner):
    token = _credential(client, owner)
    index = int(_payload(token)["credentialStatus"]["statusListIndex"])
    client.delete("/passports/pav/credential", headers=owner)
    listing = client.get("/credentials/status/revocation")
    assert listing.status_code == 200
    document = client.get("/.well-known/did.json").json()
    status_list = vc.verify_offline(vc.decode(listing.content), document)
    bits = bitstring.decode(status_list["credentialSubject"]["encodedList"])
    assert len(bits) == 131_072 // 8
    assert bitstring.is_set(bits, index)
    assert sum(bin(b).count("1") for b in bits) == 1


def test_only_the_owner_may_revoke(client, owner):
    assert client.delete("/passports/pav/credential").status_code == 401
    _, other = client.app.state.registry.tokens.create("other", "builder")
    assert client.delete("/passports/pav/credential", headers={"Authorization": f"Bearer {other}"}).status_code == 403
    assert client.delete("/passports/pav/credential", headers=AUTH).status_code == 200


def test_rotation_signs_with_the_new_key_and_old_credentials_still_verify(client, owner):
    before = _credential(client, owner)
    client.app.state.registry.domain.credentials.keys.rotate()
    after = _credential(client, owner)
    assert json.loads(_unb64(before.split(".")[0]))["kid"] != json.loads(_unb64(after.split(".")[0]))["kid"]
    assert len(client.get("/organisations/acme/did.json").json()["verificationMethod"]) == 2
    assert _verify(client, before).json()["verified"] is True
    assert _verify(client, after).json()["verified"] is True


def test_the_bitstring_puts_index_zero_in_the_leftmost_bit():
    # Bitstring Status List 4.1: index 0 is the first bit; bit 9 is the second byte's 0x40.
    bits = bitstring.decode(bitstring.encode({0, 9}, size=16))
    assert bits == bytes([0b1000_0000, 0b0100_0000])


def test_every_mpr_term_the_credentials_write_is_defined_in_the_ontology():
    import rdflib

    from registry.settings import PROJECT_ROOT

    ontology = rdflib.Graph().parse(PROJECT_ROOT / "ontology" / "mpr.ttl")
    terms = ["MaterialPassportCredential", "passportVersion", "restrictedContentOmitted"]
    terms += [bitstring.STATUS_OF.value.rsplit("#", 1)[1], bitstring.REVOKED_AT.value.rsplit("#", 1)[1]]
    for name in terms:
        term = rdflib.URIRef("https://w3id.org/mpr#" + name)
        assert ontology.value(term, rdflib.RDFS.label) is not None, name
        assert ontology.value(term, rdflib.RDFS.comment) is not None, name
    assert all(vc.MPR_CONTEXT[name] for name in terms[:3])


# --- the command line ------------------------------------------------------------------------------


def _in_store(settings, work):
    """Run `work(registry)` over the store folder and let go of it (Oxigraph unlocks the folder when the
    store object is freed, which `close` alone does not do), so that `mpr` can open it next."""
    import gc

    from registry.core import build_registry

    registry = build_registry(settings)
    try:
        return work(registry)
    finally:
        registry.close()
        del registry
        gc.collect()


def _issued_on_disk(tmp_path):
    """A passport loaded into a store folder and its credential written to a file."""
    from pyoxigraph import RdfFormat

    from registry.core import LOADER
    from registry.settings import Settings

    settings = Settings(data=tmp_path / "data", load_examples=False)

    def issue(registry):
        registry.domain.passports.create(PASSPORT, RdfFormat.TURTLE, LOADER, passport_id="pav")
        return registry.credentials.issue(LOADER, "pav")

    token = _in_store(settings, issue)
    path = tmp_path / "pav.jwt"
    path.write_text(token)
    return settings, path


def test_mpr_verify_exits_0_for_a_good_credential_and_1_once_it_is_revoked(tmp_path):
    from tests.test_cli import mpr

    settings, path = _issued_on_disk(tmp_path)
    good = mpr("verify", "--data", str(settings.data), str(path))
    assert good.returncode == 0, good.stdout + good.stderr
    assert json.loads(good.stdout)["verified"] is True
    from registry.core import LOADER

    _in_store(settings, lambda registry: registry.credentials.revoke(LOADER, "pav"))
    revoked = mpr("verify", "--data", str(settings.data), str(path))
    assert revoked.returncode == 1
    assert json.loads(revoked.stdout)["checks"]["status"] == "revoked"


def test_mpr_verify_of_a_changed_credential_exits_with_the_reason(tmp_path):
    from tests.test_cli import mpr

    settings, path = _issued_on_disk(tmp_path)
    token = path.read_text()
    path.write_text(_with_payload(token, {**_payload(token), "passportVersion": 2}))
    result = mpr("verify", "--data", str(settings.data), str(path))
    assert result.returncode == 1
    assert "forged or changed" in result.stderr


def test_mpr_keys_rotate_adds_a_signing_key_and_keeps_the_old_one(tmp_path):
    from tests.test_cli import mpr

    settings, path = _issued_on_disk(tmp_path)
    rotated = mpr("keys", "rotate", "--data", str(settings.data))
    assert rotated.returncode == 0, rotated.stderr
    listed = mpr("keys", "list", "--data", str(settings.data))
    assert "verifies only" in listed.stdout and "signs" in listed.stdout
    assert len(list((settings.data / "keys").glob("key-*.jwk"))) == 2
    assert mpr("verify", "--data", str(settings.data), str(path)).returncode == 0


def test_a_deeply_nested_payload_is_400_not_a_crash(client, owner):
    header = _b64(json.dumps({"alg": "Ed25519", "kid": f"{ACME_DID}#k"}).encode())
    deep = _b64(b"[" * 100_000 + b"]" * 100_000)
    answer = _verify(client, f"{header}.{deep}.{_b64(b'x' * 64)}")
    assert answer.status_code == 400
    assert "256" in answer.json()["detail"]


def test_a_credential_over_the_body_limit_is_413(client, owner):
    limit = client.app.state.registry.settings.max_body_bytes
    answer = client.post("/credentials/verify", content=b"a" * (limit + 1), headers=JWT)
    assert answer.status_code == 413


def test_a_key_file_readable_by_others_is_narrowed_to_0600(core, settings):
    path = next((settings.data / "keys").glob("key-*.jwk"))
    path.chmod(0o644)
    core.domain.credentials.keys.current()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_keys_dir_puts_the_keys_in_another_folder(tmp_path):
    from registry.core import build_registry
    from registry.settings import Settings

    registry = build_registry(Settings(data=tmp_path / "data", keys_dir=tmp_path / "secrets", load_examples=False))
    try:
        assert len(list((tmp_path / "secrets").glob("key-*.jwk"))) == 1
        assert not (tmp_path / "data" / "keys").exists()
    finally:
        registry.close()


# --- did:web below a base URL with a path ----------------------------------------------------------

BELOW_PATH = "https://example.org/registry"


@pytest.fixture
def below_path(tmp_path):
    """A registry whose MPR_BASE_URL has a path; requests reach it with that path taken off, as a proxy passes them."""
    from fastapi.testclient import TestClient

    from registry.api.app import create_app
    from registry.core import build_registry
    from registry.settings import Settings
    from tests.conftest import ADMIN

    core = build_registry(Settings(data=tmp_path / "data", admin_token=ADMIN, load_examples=False, base_url=BELOW_PATH))
    with TestClient(create_app(core=core), base_url="https://example.org") as test_client:
        yield test_client
    core.close()


def test_a_base_url_with_a_path_serves_the_registry_did_where_did_web_resolves_it(below_path):
    from registry.credentials import did

    document = below_path.get("/did.json").json()
    # did:web:example.org:registry -> https://example.org/registry/did.json = BELOW_PATH + the app's /did.json
    assert document["id"] == "did:web:example.org:registry"
    assert did.document_url(document["id"]) == f"{BELOW_PATH}/did.json"


def test_an_organisation_did_below_a_path_resolves_to_the_organisation_route(below_path):
    from registry.credentials import did

    document = below_path.get("/organisations/acme/did.json").json()
    assert document["id"] == "did:web:example.org:registry:organisations:acme"
    assert did.document_url(document["id"]) == f"{BELOW_PATH}/organisations/acme/did.json"


def test_without_a_path_in_the_base_url_did_json_is_404(client):
    answer = client.get("/did.json")
    assert answer.status_code == 404 and "/.well-known/did.json" in answer.json()["detail"]


def test_a_port_is_percent_encoded_in_the_did_and_back_in_its_url():
    from registry.credentials import did

    assert did.registry_did("https://example.org:8443/registry") == "did:web:example.org%3A8443:registry"
    assert did.document_url("did:web:example.org%3A8443:registry") == "https://example.org:8443/registry/did.json"


# --- over real HTTP: did:web resolution as a verifier does it --------------------------------------


def test_a_verifier_resolves_the_issuer_over_http_and_verifies_offline(tmp_path):
    """The credential and the DID document fetched from a running `mpr serve` by the URLs did:web names
    (with http instead of https on loopback); the check then uses nothing of the registry's state."""
    import httpx

    from registry.credentials import did
    from tests.conftest import ADMIN, Server

    server = Server(tmp_path / "data", "--no-examples")
    server.env["MPR_BASE_URL"] = server.url
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            put = http.put("/passports/pav", content=PASSPORT,
                           headers={**TURTLE, "Authorization": f"Bearer {ADMIN}"})
            assert put.status_code == 201, put.text
            token = http.get("/passports/pav/credential").text
            issuer = _payload(token)["issuer"]["id"]
            url = did.document_url(issuer).replace("https://", "http://", 1)
            document = http.get(url).json()
    finally:
        server.stop()
    assert url == f"{server.url}/.well-known/did.json"  # the admin's passport: issued by the registry itself
    credential = vc.verify_offline(vc.decode(token.encode()), document)
    assert credential["credentialSubject"]["id"] == f"{server.url}/passports/pav"


def test_did_web_names_the_document_url():
    from registry.credentials import did

    assert did.document_url("did:web:example.org") == "https://example.org/.well-known/did.json"
    assert did.document_url("did:web:127.0.0.1%3A8000:organisations:acme") == (
        "https://127.0.0.1:8000/organisations/acme/did.json")
    assert did.organisation_did("http://127.0.0.1:8000", "acme") == "did:web:127.0.0.1%3A8000:organisations:acme"
