"""/organisations/{org}/baseline: an organisation's baseline (nulmeting) as JSON, CSV or an HTML page."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from registry.api.deps import AT, blocking, get_agent, get_registry, moment
from registry.api.negotiation import choose
from registry.api.openapi import answers, errors
from registry.api.templating import environment
from registry.core import Registry
from registry.passports.model import Agent
from registry.reports.baseline import Baseline

router = APIRouter(prefix="/organisations", tags=["reports"])
OFFERS = ["application/json", "text/csv", "text/html"]
ORGANISATION = Path(..., pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$", description="The organisation (as in its tokens)")


def render_baseline(baseline: Baseline) -> str:
    return environment().get_template("baseline.html").render(b=baseline)


@router.get("/{org}/baseline",
            summary="Baseline of an organisation's passports: mass by material and layer, primary input, MCI, "
            "carbon, availability per year; ?at= the baseline moment, with progress toward 2030",
            responses=answers(*OFFERS) | errors(400, 401, 406))
async def organisation_baseline(
    request: Request,
    org: str = ORGANISATION,
    at: str | None = AT,
    format: str | None = Query(None, description="json, csv or html (or a media type); overrides Accept"),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> Response:
    short = {"json": "application/json", "csv": "text/csv", "html": "text/html"}
    media_type = choose(short.get(format or "", format) or request.headers.get("accept"), OFFERS)
    baseline = await blocking(registry.reports.baseline, agent, org, moment(at))
    if media_type == "text/csv":
        return Response(baseline.csv(), media_type="text/csv; charset=utf-8")
    if media_type == "text/html":
        return HTMLResponse(await blocking(render_baseline, baseline))
    return JSONResponse(baseline.as_dict())
