"""/reports/urban-mine: mass by material, region and year of availability over all active building passports."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse

from registry.api.deps import AT, blocking, get_agent, get_registry, moment
from registry.api.negotiation import choose
from registry.api.openapi import answers, errors
from registry.api.report_page import render_urban_mine
from registry.api.responses import JSONResponse
from registry.core import Registry
from registry.namespaces import MATERIALS
from registry.passports.model import Agent
from registry.reports.charts import availability_svg
from registry.reports.urban_mine import UNKNOWN, RegionFilter, UrbanMine

router = APIRouter(prefix="/reports", tags=["reports"])

MUNICIPALITY = Query(None, max_length=100, description="Only this municipality (CBS 2025 name, e.g. Zwolle)")
PROVINCE = Query(None, max_length=100, description="Only this province (e.g. Overijssel)")


OFFERS = {"json": "application/json", "csv": "text/csv", "html": "text/html"}


def _filtered(registry: Registry, report: UrbanMine, material: str | None, year: str | None) -> UrbanMine:
    """The material filter takes narrower concepts too (concrete includes precast concrete)."""
    if material is None and year is None:
        return report
    if material is None:
        wanted = None
    elif material == UNKNOWN:
        wanted = frozenset({UNKNOWN})
    else:
        wanted = registry.concepts.descendants(registry.concepts.resolve(material, MATERIALS, "material"))
    return report.filtered(wanted, year)


@router.get("/urban-mine", summary="Urban mine: mass by material, municipality, province and year "
            "(JSON, CSV, or a page with charts); ?at=",
            responses=answers(*OFFERS.values()) | errors(400, 401, 406))
async def urban_mine_report(
    request: Request,
    format: Literal["json", "csv", "html"] | None = Query(None, description="Overrides Accept: json, csv or html"),
    at: str | None = AT,
    municipality: str | None = MUNICIPALITY,
    province: str | None = PROVINCE,
    material: str | None = Query(None, max_length=500, description="Material concept (IRI, mat:slug or slug), "
                                 "with its narrower concepts; 'unknown' for mass without a material"),
    year: str | None = Query(None, max_length=20, description="Year of availability, or 'unknown'"),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> Response:
    accepted = request.headers.get("accept")
    media_type = OFFERS[format] if format else choose(accepted, list(OFFERS.values()), strict=False)
    when = moment(at)
    report = await blocking(registry.reports.urban_mine, agent, when, RegionFilter(municipality, province))
    shown = await blocking(_filtered, registry, report, material or None, year or None)
    if media_type == "text/csv":
        return Response(shown.csv(registry.concepts.label), media_type="text/csv; charset=utf-8")
    if media_type == "text/html":
        # the filters offer every region of the whole report, not only the one chosen
        whole = report if not (municipality or province) else await blocking(
            registry.reports.urban_mine, agent, when, RegionFilter(None, None))
        query = {"municipality": municipality or "", "province": province or "", "material": material or "",
                 "year": year or ""}
        page = await blocking(render_urban_mine, whole, shown, request.url, query, registry.concepts.label)
        return HTMLResponse(page, headers={"Vary": "Accept"})
    return JSONResponse(shown.as_dict())


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
