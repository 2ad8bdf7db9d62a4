"""Data carriers: the QR code of a passport and the GS1 Digital Link resolver (`/01/{gtin}[/21/{serial}]`)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import RedirectResponse

from registry.api.deps import blocking, get_agent, get_registry
from registry.api.negotiation import choose
from registry.api.openapi import answers, errors
from registry.core import Registry
from registry.passports.model import Agent
from registry.qr import KINDS, qr_code

router = APIRouter(tags=["identifiers"])
QR_TYPES = list(KINDS)


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


async def _redirect(registry: Registry, agent: Agent, gtin: str, serial: str | None) -> RedirectResponse:
    target = await blocking(registry.passports.resolve, agent, gtin, serial)
    return RedirectResponse(target, status_code=303, headers={"Vary": "Accept"})


@router.get("/01/{gtin}", summary="GS1 Digital Link: the passport of a product type", status_code=303,
            responses=errors(400, 401, 404))
async def resolve_gtin(
    gtin: str, registry: Registry = Depends(get_registry), agent: Agent = Depends(get_agent)
) -> RedirectResponse:
    return await _redirect(registry, agent, gtin, None)


@router.get("/01/{gtin}/21/{serial}", summary="GS1 Digital Link: the passport of one item", status_code=303,
            responses=errors(400, 401, 404))
async def resolve_item(
    gtin: str, serial: str, registry: Registry = Depends(get_registry), agent: Agent = Depends(get_agent)
) -> RedirectResponse:
    return await _redirect(registry, agent, gtin, serial)
