"""/passports/{id}/indicators: mass by material, MCI, embodied carbon, detachability, completeness (JSON)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from registry.api.deps import blocking, get_agent, get_registry
from registry.api.openapi import answers, errors
from registry.api.responses import JSONResponse
from registry.core import Registry
from registry.passports.model import Agent
from registry.reports.charts import composition_svg

router = APIRouter(prefix="/passports", tags=["indicators"])


@router.get("/{passport_id}/indicators", summary="Circularity, carbon and completeness indicators of a passport",
            responses=errors(400, 401, 404, 410, 422))
async def passport_indicators(
    passport_id: str,
    method: Literal["emf"] = Query("emf", description="MCI method: the Ellen MacArthur Foundation MCI (2019); "
                                   "the uncited Madaster variant was removed (docs/methods.md)"),
    parts: bool = Query(False, description="Include the figures of every part (element)"),
    warnings: bool = Query(True, description="Run the SHACL shapes and list their warnings"),
    factors: str | None = Query(None, max_length=140, description="Carbon factor set ORG/SET or ORG/SET@VERSION "
                                "(GET /organisations/{org}/carbon-factors); default: the shipped reference set"),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> JSONResponse:
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
