"""Verifiable passports: credentials, their verification and revocation, and the DID documents that hold the keys."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from registry.api.deps import MAX_VERSION, blocking, get_agent, get_registry, read_body
from registry.api.imports import import_answer
from registry.api.negotiation import choose
from registry.api.openapi import answers, body, described, errors
from registry.core import Registry
from registry.credentials.status import LIST_PATH
from registry.credentials.vc import MEDIA_TYPE
from registry.errors import UnsupportedMediaType
from registry.passports.model import Agent
from registry.rdf import media_type_of

router = APIRouter(tags=["credentials"])
DID_JSON = "application/did+json"
TOKEN_TYPES = (MEDIA_TYPE, "application/jwt", "text/plain")
JSON_LD = "application/ld+json"
UNTP_TYPES = (JSON_LD, "application/json")


@router.get("/.well-known/did.json", summary="The registry's DID document (did:web): its public keys",
            responses=answers(DID_JSON))
async def registry_did(registry: Registry = Depends(get_registry)) -> JSONResponse:
    document = await blocking(registry.credentials.did_document)
    return JSONResponse(document, media_type=DID_JSON)


@router.get("/did.json", summary="The registry's DID document when MPR_BASE_URL has a path "
            "(did:web:host:registry resolves to https://host/registry/did.json); 404 without one",
            responses=answers(DID_JSON) | errors(404))
async def registry_did_below_path(registry: Registry = Depends(get_registry)) -> JSONResponse:
    document = await blocking(registry.credentials.registry_document_at, "/did.json")
    return JSONResponse(document, media_type=DID_JSON)


@router.get("/organisations/{org}/did.json", summary="An organisation's DID document: the keys the registry "
            "signs its credentials with (any name: the list of organisations is not told)",
            responses=answers(DID_JSON) | errors(400))
async def organisation_did(
    org: str = Path(..., max_length=100), registry: Registry = Depends(get_registry)
) -> JSONResponse:
    document = await blocking(registry.credentials.did_document, org)
    return JSONResponse(document, media_type=DID_JSON)


@router.get("/passports/{passport_id}/credential", summary="The passport as a W3C Verifiable Credential (VC-JOSE); "
            "?version=N for an earlier one", responses=answers(MEDIA_TYPE) | errors(400, 401, 404, 410))
async def passport_credential(
    passport_id: str,
    version: int | None = Query(None, ge=1, le=MAX_VERSION),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> Response:
    token = await blocking(registry.credentials.issue, agent, passport_id, version)
    # What is signed depends on who asks (restricted properties only for those who may read them).
    return Response(token, media_type=MEDIA_TYPE, headers={"Vary": "Authorization", "Cache-Control": "no-store"})


@router.get("/passports/{passport_id}/untp", summary="A product passport as a UNTP Digital Product Passport: "
            "JSON-LD, or signed (VC-JOSE) with Accept: application/vc+jwt",
            responses=answers("application/ld+json", MEDIA_TYPE) | errors(400, 401, 404, 406, 410, 422))
async def passport_untp(
    passport_id: str,
    request: Request,
    version: int | None = Query(None, ge=1, le=MAX_VERSION),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> Response:
    headers = {"Vary": "Accept, Authorization"}
    if choose(request.headers.get("accept"), [JSON_LD, MEDIA_TYPE], {"application/json": JSON_LD}) == MEDIA_TYPE:
        token = await blocking(registry.credentials.untp_signed, agent, passport_id, version)
        return Response(token, media_type=MEDIA_TYPE, headers=headers)
    document = await blocking(registry.credentials.untp, agent, passport_id, version)
    return JSONResponse(document, media_type=JSON_LD, headers=headers)


@router.post("/imports/untp", status_code=201, summary="Create a product passport from a UNTP Digital Product "
             "Passport (JSON-LD)", responses=described(200, "dry_run: the passport and the report, nothing stored")
             | errors(400, 401, 403, 409, 413, 415, 422), openapi_extra=body(*UNTP_TYPES))
async def import_untp(
    request: Request,
    dry_run: bool = Query(False, description="Return the passport and the report without storing"),
    slug: str | None = Header(None, description="Proposed passport id"),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> JSONResponse:
    media_type = media_type_of(request.headers.get("content-type"))
    if media_type not in UNTP_TYPES:
        raise UnsupportedMediaType(f"send the UNTP passport as {' or '.join(UNTP_TYPES)}, not {media_type or 'none'}")
    data = await read_body(request, registry.settings.max_body_bytes)
    return import_answer(await blocking(registry.imports.untp, agent, data, slug, dry_run))


@router.delete("/passports/{passport_id}/credential", summary="Revoke the credentials of a passport version "
               "(the current one, or ?version=N)", responses=errors(400, 401, 403, 404))
async def revoke_credential(
    passport_id: str,
    version: int | None = Query(None, ge=1, le=MAX_VERSION),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> JSONResponse:
    return JSONResponse(await blocking(registry.credentials.revoke, agent, passport_id, version))


@router.get(LIST_PATH, summary="The revocation status list (W3C Bitstring Status List credential)",
            responses=answers(MEDIA_TYPE))
async def status_list(registry: Registry = Depends(get_registry)) -> Response:
    token = await blocking(registry.credentials.status_list)
    return Response(token, media_type=MEDIA_TYPE, headers={"Cache-Control": "no-cache"})


@router.post("/credentials/verify", summary="Check a credential: signature, issuer, revocation, and that it "
             "matches the registry's stored version (nothing is stored)",
             responses=errors(400, 413, 415, 422), openapi_extra=body(*TOKEN_TYPES))
async def verify_credential(
    request: Request, registry: Registry = Depends(get_registry), agent: Agent = Depends(get_agent)
) -> JSONResponse:
    media_type = media_type_of(request.headers.get("content-type"))
    if media_type not in TOKEN_TYPES:
        raise UnsupportedMediaType(f"send the credential as {', '.join(TOKEN_TYPES)}, not {media_type or 'nothing'}")
    token = await read_body(request, registry.settings.max_body_bytes)
    verification = await blocking(registry.credentials.verify, agent, token)
    return JSONResponse(verification.as_dict())
