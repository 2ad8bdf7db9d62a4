"""Data carriers: the QR code of a passport and the GS1 Digital Link resolver (`/01/{gtin}[/21/{serial}]`),
which redirects, or lists every link it has (registry/linkset.py)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from registry.api.deps import blocking, get_agent, get_registry
from registry.api.negotiation import choose
from registry.api.openapi import answers, errors
from registry.core import Registry
from registry.linkset import ALL, linkset, pick
from registry.linkset import MEDIA_TYPE as LINKSET
from registry.passports.model import Agent
from registry.qr import KINDS, qr_code

router = APIRouter(tags=["identifiers"])
QR_TYPES = list(KINDS)
HTML = "text/html"


@router.get("/passports/{passport_id}/qr", summary="QR code carrying the passport's resolvable URL",
            responses=answers(*QR_TYPES) | errors(400, 401, 404, 406, 410))
async def passport_qr(
    passport_id: str,
    request: Request,
    format: str | None = Query(None, description="svg or png; overrides Accept"),
    scale: int = Query(8, ge=1, le=40),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> Response:
    wanted = {"svg": "image/svg+xml", "png": "image/png"}.get(format or "", format)
    media_type = choose(wanted or request.headers.get("accept"), QR_TYPES, strict=wanted is not None)
    record = await blocking(registry.passports.record, agent, passport_id)
    return Response(qr_code(record.iri, media_type, scale), media_type=media_type,
                    headers={"Content-Disposition": f'inline; filename="{passport_id}-qr.{KINDS[media_type]}"'})


LINK_TYPE = Query(None, alias="linkType", max_length=200,
                  description="A GS1 link type (gs1:pip, gs1:masterData, gs1:jws, gs1:sustainabilityInfo, "
                  "gs1:relatedImage): 303 to that link; 'linkset' or 'all': the whole linkset")
RESOLVER_ANSWERS = answers(LINKSET, status=200, description="The linkset (RFC 9264), when asked for") | errors(
    400, 401, 404)


async def _resolve(
    request: Request, registry: Registry, agent: Agent, gtin: str, serial: str | None, link_type: str | None
) -> Response:
    """303 to the passport (or the link `?linkType=` names); the RFC 9264 linkset when asked for by
    `Accept: application/linkset+json` or `?linkType=linkset`."""
    # Built from the parts, percent-encoded: a decoded serial number may hold spaces or line breaks.
    anchor = f"{registry.settings.base}/01/{quote(gtin, safe='')}" + (f"/21/{quote(serial, safe='')}" if serial else "")
    header = {"Vary": "Accept", "Link": f'<{anchor}?linkType=linkset>; rel="linkset"; type="{LINKSET}"'}
    wants_linkset = link_type in ALL or (
        link_type is None and choose(request.headers.get("accept"), [HTML, LINKSET], strict=False) == LINKSET)
    if link_type is None and not wants_linkset:
        target = await blocking(registry.passports.resolve, agent, gtin, serial)
        return RedirectResponse(target, status_code=303, headers=header)
    view, epds = await blocking(registry.passports.links, agent, gtin, serial)
    document = linkset(anchor, view.record.iri, view.record.title or view.record.id, epds)
    if wants_linkset:
        return JSONResponse(document, media_type=LINKSET, headers=header)
    assert link_type is not None
    return RedirectResponse(pick(document, link_type), status_code=303, headers=header)


@router.get("/01/{gtin}", summary="GS1 Digital Link: the passport of a product type (303, or its linkset)",
            status_code=303, responses=RESOLVER_ANSWERS)
async def resolve_gtin(
    gtin: str, request: Request, link_type: str | None = LINK_TYPE,
    registry: Registry = Depends(get_registry), agent: Agent = Depends(get_agent),
) -> Response:
    return await _resolve(request, registry, agent, gtin, None, link_type)


@router.get("/01/{gtin}/21/{serial}", summary="GS1 Digital Link: the passport of one item (303, or its linkset)",
            status_code=303, responses=RESOLVER_ANSWERS)
async def resolve_item(
    gtin: str, serial: str, request: Request, link_type: str | None = LINK_TYPE,
    registry: Registry = Depends(get_registry), agent: Agent = Depends(get_agent),
) -> Response:
    return await _resolve(request, registry, agent, gtin, serial, link_type)
