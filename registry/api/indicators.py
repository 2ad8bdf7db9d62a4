"""/passports/{id}/indicators: mass by material, MCI, embodied carbon, detachability, completeness (JSON)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse, Response

from registry.access.policy import sees_full
from registry.api.deps import blocking, get_agent, get_registry
from registry.core import Registry
from registry.errors import Gone
from registry.indicators.service import Indicators
from registry.passports.model import Agent, PassportRecord
from registry.reports.charts import composition_svg

router = APIRouter(prefix="/passports", tags=["indicators"])


def _compute(
    registry: Registry, agent: Agent, passport_id: str, method: str, warnings: bool, parts: bool = False
) -> tuple[PassportRecord, Indicators]:
    """Check the passport exists, may be seen and is active first, so the answer is 404/410 like GET /passports/{id}."""
    record = registry.access.record(agent, passport_id)
    if record.status == "withdrawn":
        raise Gone(f"passport {passport_id!r} was withdrawn at version {record.version}")
    return record, registry.indicators.compute(passport_id, method, warnings, parts)  # type: ignore[arg-type]


@router.get("/{passport_id}/indicators", summary="Circularity, carbon and completeness indicators of a passport")
async def passport_indicators(
    passport_id: str,
    method: Literal["emf", "madaster"] = Query("emf", description="MCI method: Ellen MacArthur Foundation or Madaster"),
    parts: bool = Query(False, description="Include the figures of every part (element)"),
    warnings: bool = Query(True, description="Run the SHACL shapes and list their warnings"),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> JSONResponse:
    record, result = await blocking(_compute, registry, agent, passport_id, method, warnings, parts)
    # residual value is restricted data: only the owner and auditors get it
    return JSONResponse(result.as_dict(with_parts=parts, with_restricted=sees_full(agent, record.owner)))


@router.get("/{passport_id}/indicators.svg", summary="Chart of a passport's material composition (SVG)")
async def passport_composition_chart(
    passport_id: str, registry: Registry = Depends(get_registry), agent: Agent = Depends(get_agent)
) -> Response:
    _record, result = await blocking(_compute, registry, agent, passport_id, "emf", False)
    return Response(await blocking(composition_svg, result), media_type="image/svg+xml")
