"""/reports/urban-mine: mass by material, region and year of availability over all active building passports."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from registry.api.deps import AT, blocking, get_agent, get_registry, moment
from registry.api.openapi import answers, errors
from registry.api.responses import JSONResponse
from registry.core import Registry
from registry.passports.model import Agent
from registry.reports.charts import availability_svg
from registry.reports.urban_mine import RegionFilter

router = APIRouter(prefix="/reports", tags=["reports"])

MUNICIPALITY = Query(None, max_length=100, description="Only this municipality (CBS 2025 name, e.g. Zwolle)")
PROVINCE = Query(None, max_length=100, description="Only this province (e.g. Overijssel)")


@router.get("/urban-mine", summary="Urban mine: mass by material, municipality, province and year (JSON or CSV); ?at=",
            responses=answers("application/json", "text/csv") | errors(400, 401))
async def urban_mine_report(
    request: Request,
    format: Literal["json", "csv"] | None = Query(None, description="Overrides Accept: json or csv"),
    at: str | None = AT,
    municipality: str | None = MUNICIPALITY,
    province: str | None = PROVINCE,
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> Response:
    report = await blocking(registry.reports.urban_mine, agent, moment(at), RegionFilter(municipality, province))
    wants_csv = format == "csv" or (format is None and "text/csv" in (request.headers.get("accept") or ""))
    if wants_csv:
        return Response(report.csv(registry.concepts.label), media_type="text/csv; charset=utf-8")
    return JSONResponse(report.as_dict())


@router.get("/urban-mine.svg", summary="Chart of the urban mine: mass becoming available per year (SVG)",
            responses=answers("image/svg+xml") | errors(400, 401))
async def urban_mine_chart(
    at: str | None = AT,
    municipality: str | None = MUNICIPALITY,
    province: str | None = PROVINCE,
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> Response:
    report = await blocking(registry.reports.urban_mine, agent, moment(at), RegionFilter(municipality, province))
    return Response(await blocking(availability_svg, report), media_type="image/svg+xml")
