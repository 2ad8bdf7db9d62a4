"""/passports/{id}/indicators: mass by material, MCI, embodied carbon, detachability, completeness (JSON)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import Response

from registry.api.deps import blocking, get_agent, get_registry
from registry.api.openapi import answers, described, errors
from registry.api.responses import JSONResponse
from registry.core import Registry
from registry.passports.model import Agent
from registry.reports.charts import composition_svg

router = APIRouter(prefix="/passports", tags=["indicators"])
RETRY_AFTER_S = "2"
COMPUTING = ("Only with `Prefer: respond-async`: the passport's figures are being computed (right after a write) "
             "and are not stored yet; the body says how far the computation has got (`parts_measured` of "
             "`parts`, null while the passport is read); ask again after Retry-After seconds.")


def _respond_async(prefer: str | None) -> bool:
    """RFC 7240: the client would rather have 202 than wait."""
    tokens = (prefer or "").replace(";", ",").split(",")
    return any(token.split("=", 1)[0].strip().lower() == "respond-async" for token in tokens)


@router.get("/{passport_id}/indicators", summary="Circularity, carbon and completeness indicators of a passport",
            responses=described(202, COMPUTING) | errors(400, 401, 404, 410, 422))
async def passport_indicators(
    passport_id: str,
    method: Literal["emf"] = Query("emf", description="MCI method: the Ellen MacArthur Foundation MCI (2019); "
                                   "the uncited Madaster variant was removed (docs/methods.md)"),
    parts: bool = Query(False, description="Include the figures of every part (element)"),
    warnings: bool = Query(True, description="Run the SHACL shapes and list their warnings"),
    factors: str | None = Query(None, max_length=140, description="Carbon factor set ORG/SET or ORG/SET@VERSION "
                                "(GET /organisations/{org}/carbon-factors); default: the shipped reference set"),
    prefer: str | None = Header(None, description="`respond-async`: answer 202 with progress instead of "
                                "waiting while the figures are being computed (RFC 7240)"),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> JSONResponse:
    if factors is None and _respond_async(prefer):  # figures with a chosen set are computed per request
        progress = await blocking(registry.indicators.pending, agent, passport_id, method)
        if progress is not None:
            return JSONResponse({"passport": passport_id, "status": "computing", **progress}, status_code=202,
                                headers={"Retry-After": RETRY_AFTER_S, "Preference-Applied": "respond-async"})
    view = await blocking(registry.indicators.compute, agent, passport_id, method, warnings, parts, factors)
    # figures from a restricted factor set are for the caller alone: no shared cache may keep them
    private = {"Cache-Control": "private", "Vary": "Authorization"} if factors else None
    return JSONResponse(view.as_dict(with_parts=parts), headers=private)


@router.get("/{passport_id}/indicators.svg", summary="Chart of a passport's material composition (SVG)",
            responses=answers("image/svg+xml") | errors(400, 401, 404, 410, 422))
async def passport_composition_chart(
    passport_id: str, registry: Registry = Depends(get_registry), agent: Agent = Depends(get_agent)
) -> Response:
    view = await blocking(registry.indicators.compute, agent, passport_id, "emf", False)
    return Response(await blocking(composition_svg, view.indicators), media_type="image/svg+xml")
