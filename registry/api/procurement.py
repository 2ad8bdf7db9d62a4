"""/profiles (criteria profiles: upload, versions, history, diff) and /tenders/check (offers against a profile)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from registry.access.views import expected_version
from registry.api.deps import MAX_OFFSET, MAX_VERSION, blocking, get_agent, get_registry, read_body
from registry.api.negotiation import choose
from registry.api.openapi import RDF_ANSWERS, RDF_UPLOADS, answers, body, described, errors
from registry.api.responses import rdf_response
from registry.api.templating import environment
from registry.core import Registry
from registry.passports.model import Agent, WriteResult
from registry.procurement.criteria import Profile
from registry.procurement.tender import TenderReport
from registry.rdf import upload_format

router = APIRouter(tags=["procurement"])
RDF_OFFERS = list(RDF_ANSWERS)
REPORT_OFFERS = ["application/json", "text/csv", "text/html"]
SHORT = {"json": "application/json", "csv": "text/csv", "html": "text/html"}


def _written(result: WriteResult, status: int) -> JSONResponse:
    return JSONResponse(result.as_dict(), status_code=status,
                        headers={"Location": f"/profiles/{result.id}", "ETag": result.etag})


def _criteria(profile: Profile) -> dict[str, object]:
    return {"name": profile.name, "label": profile.label, "version": profile.version,
            "criteria": [c.as_dict() for c in profile.criteria]}


@router.get("/profiles", summary="Criteria profiles: the shipped ones and the stored ones the caller may see",
            responses=errors(400, 401))
async def list_profiles(
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    limit: int = Query(50, ge=1, le=500),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> JSONResponse:
    page = await blocking(registry.profiles.page, agent, offset, limit)
    return JSONResponse({"shipped": registry.profiles.shipped(), "items": [r.as_dict() for r in page.items],
                         "total": page.total, "offset": page.offset, "limit": page.limit})


@router.post("/profiles", status_code=201, summary="Upload a criteria profile (SHACL; procurers and admins)",
             responses=errors(400, 401, 403, 409, 413, 415, 422), openapi_extra=body(*RDF_UPLOADS))
async def create_profile(
    request: Request,
    slug: str | None = Header(None, description="Proposed profile id"),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> JSONResponse:
    fmt = upload_format(request.headers.get("content-type"))
    data = await read_body(request, registry.settings.max_body_bytes)
    result = await blocking(registry.profiles.create, agent, data, fmt, slug, request.headers.get("x-change-reason"))
    return _written(result, 201)


@router.get("/profiles/{profile_id}", summary="A criteria profile as RDF, or its criteria as JSON; ?version=N",
            responses=answers(*RDF_ANSWERS) | errors(400, 401, 404, 406, 410))
async def read_profile(
    profile_id: str,
    request: Request,
    version: int | None = Query(None, ge=1, le=MAX_VERSION),
    format: str | None = Query(None, description="A media type; overrides Accept"),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> Response:
    media_type = choose(format or request.headers.get("accept"), RDF_OFFERS)
    profile = await blocking(registry.profiles.profile, agent, profile_id, version)
    return await rdf_response(profile.shapes, media_type)


@router.get("/profiles/{profile_id}/criteria", summary="The criteria of a profile as JSON (labels, source, kind, "
            "weight)", responses=errors(400, 401, 404, 410))
async def read_criteria(
    profile_id: str,
    version: int | None = Query(None, ge=1, le=MAX_VERSION),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> JSONResponse:
    profile = await blocking(registry.profiles.profile, agent, profile_id, version)
    return JSONResponse(_criteria(profile))


@router.put("/profiles/{profile_id}", summary="A new version of a criteria profile (If-Match for safe updates)",
            responses=described(201, "Created: the id was new") | errors(400, 401, 403, 404, 409, 410, 412, 413, 415,
                                                                           422),
            openapi_extra=body(*RDF_UPLOADS))
async def replace_profile(
    profile_id: str,
    request: Request,
    if_match: str | None = Header(None),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> JSONResponse:
    expected = expected_version(profile_id, if_match)
    fmt = upload_format(request.headers.get("content-type"))
    data = await read_body(request, registry.settings.max_body_bytes)
    result, created = await blocking(registry.profiles.replace, agent, profile_id, data, fmt, expected,
                                     request.headers.get("x-change-reason"))
    return _written(result, 201 if created else 200)


@router.get("/profiles/{profile_id}/versions", summary="The versions of a stored criteria profile",
            responses=errors(400, 401, 404))
async def profile_versions(
    profile_id: str, registry: Registry = Depends(get_registry), agent: Agent = Depends(get_agent)
) -> JSONResponse:
    record = await blocking(registry.profiles.record, agent, profile_id)
    history = await blocking(registry.profiles.history, agent, profile_id)
    return JSONResponse({"id": record.id, "current": record.version, "status": record.status,
                         "versions": [{"version": c.version, "kind": c.kind, "time": c.time,
                                       "href": f"/profiles/{record.id}?version={c.version}"} for c in history]})


@router.get("/profiles/{profile_id}/history", summary="Who changed a criteria profile, when",
            responses=errors(400, 401, 404))
async def profile_history(
    profile_id: str, registry: Registry = Depends(get_registry), agent: Agent = Depends(get_agent)
) -> JSONResponse:
    history = await blocking(registry.profiles.history, agent, profile_id)
    return JSONResponse({"id": profile_id, "changes": [c.as_dict() for c in history]})


@router.get("/profiles/{profile_id}/diff", summary="Triples added and removed between two versions of a profile",
            responses=errors(400, 401, 404))
async def profile_diff(
    profile_id: str,
    from_version: int = Query(..., alias="from", ge=1, le=MAX_VERSION),
    to_version: int = Query(..., alias="to", ge=1, le=MAX_VERSION),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> JSONResponse:
    diff = await blocking(registry.profiles.diff, agent, profile_id, from_version, to_version)
    return JSONResponse({"id": profile_id, **diff.as_dict()})


def render_tender(report: TenderReport) -> str:
    return environment().get_template("tender.html").render(r=report)


@router.post("/tenders/check", summary="Check offers (product passports) against a criteria profile: per criterion "
             "pass / fail / not shown with evidence, award score, ranking (JSON, CSV or HTML)",
             responses=answers(*REPORT_OFFERS) | errors(400, 401, 404, 406, 413),
             openapi_extra=body("application/json"))
async def check_tender(
    request: Request,
    format: str | None = Query(None, description="json, csv or html; overrides Accept"),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> Response:
    media_type = choose(SHORT.get(format or "", format) or request.headers.get("accept"), REPORT_OFFERS)
    data = await read_body(request, registry.settings.max_body_bytes)
    report = await blocking(registry.tenders.check_request, agent, data)
    if media_type == "text/csv":
        return Response(report.csv(), media_type="text/csv; charset=utf-8")
    if media_type == "text/html":
        return HTMLResponse(await blocking(render_tender, report))
    return JSONResponse(report.as_dict())
