"""did:web identifiers and documents of the registry and of each organisation it issues for.

did:web (W3C CCG, https://w3c-ccg.github.io/did-method-web/) maps a DID to an HTTPS URL: the host
(a port percent-encoded as `%3A`) and path segments joined by `:`. `did:web:HOST` resolves to
`https://HOST/.well-known/did.json`; `did:web:HOST:organisations:acme` to
`https://HOST/organisations/acme/did.json`, which are the routes the registry serves.

A base URL with a path (`https://example.org/registry`) makes the registry `did:web:example.org:registry`,
whose document is `https://example.org/registry/did.json`: below the base, the app's own `/did.json`
(as every route: a proxy serving the registry under its base path passes `/registry/x` on as `/x`).
did:web requires https; an http base URL (local development) mints DIDs a conforming resolver will
look up over https, so credentials from it verify only with the document fetched by hand.

An organisation's document names the registry as its controller and lists the registry's keys:
the registry signs on the organisation's behalf (it holds the data and checked it), and a verifier
sees both who vouches (the issuer) and who holds the keys (the controller).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote, urlsplit

from registry.credentials.keys import SigningKey

DID_CONTEXT = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"]
ORGANISATIONS = "organisations"


def _segments(base: str) -> list[str]:
    return [s for s in urlsplit(base).path.split("/") if s]


def registry_did(base: str) -> str:
    parts = urlsplit(base)
    host = quote(parts.netloc, safe="")  # "127.0.0.1:8000" -> "127.0.0.1%3A8000"
    return ":".join(["did:web", host, *(quote(s, safe="") for s in _segments(base))])


def registry_document_path(base: str) -> str:
    """The app's route (below the base URL) where did:web looks for the registry's own document."""
    return "/did.json" if _segments(base) else "/.well-known/did.json"


def document_url(did: str) -> str:
    """Where a did:web document lives (the method's read operation): `did:web:host%3A8000:a:b` ->
    `https://host:8000/a/b/did.json`, `did:web:host` -> `https://host/.well-known/did.json`."""
    if not did.startswith("did:web:"):
        raise ValueError(f"{did[:100]!r} is not a did:web DID")
    host, *path = did.removeprefix("did:web:").split(":")
    segments = "/".join([unquote(host), *path]) if path else f"{unquote(host)}/.well-known"
    return f"https://{segments}/did.json"


def organisation_did(base: str, organisation: str) -> str:
    """Token organisations are lower-case names, but an owner written by other means may hold any
    character: percent-encoded, the DID stays one segment and resolves to `/organisations/{org}/did.json`."""
    return f"{registry_did(base)}:{ORGANISATIONS}:{quote(organisation, safe='')}"


def issuer_did(base: str, organisation: str | None) -> str:
    """The issuer of an organisation's credentials; the registry itself for records no organisation owns."""
    return organisation_did(base, organisation) if organisation else registry_did(base)


def organisation_of(base: str, did: str) -> str | None:
    """The organisation an issuer DID of this registry names, None for the registry's own; ValueError otherwise."""
    own = registry_did(base)
    if did == own:
        return None
    prefix = f"{own}:{ORGANISATIONS}:"
    name = unquote(did[len(prefix):]) if did.startswith(prefix) else ""
    if name and organisation_did(base, name) == did:
        return name
    raise ValueError(f"{did[:200]!r} is not a DID of this registry ({own})")


def document(did: str, controller: str, keys: list[SigningKey]) -> dict[str, Any]:
    """The DID document: every key of the ring, retired ones included, may verify assertions."""
    methods = [
        {"id": f"{did}#{k.kid}", "type": "JsonWebKey", "controller": controller, "publicKeyJwk": k.public_jwk()}
        for k in keys
    ]
    return {
        "@context": DID_CONTEXT,
        "id": did,
        "controller": controller,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }
