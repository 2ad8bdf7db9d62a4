"""/passports: upload, read (any format, any version), update, withdraw, versions, history, diff."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pyoxigraph import RdfFormat

from registry.access.policy import check_write
from registry.api.deps import blocking, get_agent, get_registry, read_body
from registry.api.negotiation import choose
from registry.api.pages import render_passport
from registry.core import Registry
from registry.errors import NotComputable, PreconditionFailed
from registry.passports.model import Agent, PassportRecord, WriteResult, version_from_etag
from registry.qr import qr_code
from registry.rdf import ANSWER_FORMATS, serialize_triples, upload_format
from registry.reports.charts import composition_svg

router = APIRouter(prefix="/passports", tags=["passports"])

HTML = "text/html"
RDF_OFFERS = [f.media_type for f in ANSWER_FORMATS]
JSON_ALIASES = {"application/json": "application/ld+json"}


def _page(registry: Registry, agent: Agent, record: PassportRecord, version: int, triples: list) -> str:
    """The passport page; figures and chart only for the current version (they are computed from it)."""
    history = registry.access.history(agent, record.id)
    indicators = chart = note = None
    if version == record.version:
        try:
            indicators = registry.indicators.compute(record.id, "emf", warnings=False)
        except NotComputable as exc:  # the page still shows the data, and says why there are no figures
            note = exc.message
        else:
            chart = composition_svg(indicators) if indicators.total_mass_kg > 0 else None
    return render_passport(record, version, triples, history, indicators, chart, qr_code(record.iri), note)


def _expected_version(passport_id: str, if_match: str | None) -> int | None:
    if if_match is None or if_match.strip() == "*":
        return None
    versions = [version_from_etag(passport_id, tag) for tag in if_match.split(",")]
    found = [v for v in versions if v is not None]
    if not found:
        raise PreconditionFailed(f"If-Match {if_match} names no version of passport {passport_id!r}")
    return max(found)


def _written(result: WriteResult, status: int) -> JSONResponse:
    return JSONResponse(
        result.as_dict(),
        status_code=status,
        headers={"Location": f"/passports/{result.id}", "ETag": result.etag},
    )


@router.post("", status_code=201, summary="Upload a new passport (validated with SHACL first)")
async def create_passport(
    request: Request,
    slug: str | None = Header(None, description="Proposed passport id (RFC 5023 Slug)"),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> JSONResponse:
    check_write(agent)
    fmt = upload_format(request.headers.get("content-type"))
    body = await read_body(request, registry.settings.max_body_bytes)
    reason = request.headers.get("x-change-reason")
    result = await blocking(registry.access.create, agent, body, fmt, slug, reason)
    return _written(result, 201)


@router.get("", summary="List active passports, paged")
async def list_passports(
    offset: int = Query(0, ge=0),
    limit: int = Query(50, ge=1, le=500),
    q: str | None = Query(None, max_length=200, description="Words in the title"),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> JSONResponse:
    page = await blocking(registry.access.list, agent, offset, limit, q)
    body: dict[str, object] = {
        "items": [r.as_dict() for r in page.items],
        "total": page.total,
        "offset": page.offset,
        "limit": page.limit,
    }
    if page.offset + page.limit < page.total:
        body["next"] = f"/passports?offset={page.offset + page.limit}&limit={page.limit}"
    return JSONResponse(body)


@router.get("/{passport_id}", summary="Read a passport in the negotiated format; ?version=N for an earlier one")
async def read_passport(
    passport_id: str,
    request: Request,
    version: int | None = Query(None, ge=1),
    format: str | None = Query(None, description="A media type; overrides Accept (for links and browsers)"),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> Response:
    media_type = choose(format or request.headers.get("accept"), [*RDF_OFFERS, HTML], JSON_ALIASES)
    record, triples = await blocking(registry.access.content, agent, passport_id, version)
    shown = version or record.version
    headers = {"ETag": record.etag if shown == record.version else f'"{record.id}-v{shown}"', "Vary": "Accept"}
    if media_type == HTML:
        page = await blocking(_page, registry, agent, record, shown, triples)
        return HTMLResponse(page, headers=headers)
    fmt = RdfFormat.from_media_type(media_type)
    assert fmt is not None
    body = await blocking(serialize_triples, triples, fmt, record.iri)
    return Response(body, media_type=fmt.media_type, headers=headers)


@router.put("/{passport_id}", summary="Replace a passport with a new version (If-Match for safe updates)")
async def replace_passport(
    passport_id: str,
    request: Request,
    if_match: str | None = Header(None),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> JSONResponse:
    check_write(agent)
    expected = _expected_version(passport_id, if_match)
    fmt = upload_format(request.headers.get("content-type"))
    body = await read_body(request, registry.settings.max_body_bytes)
    reason = request.headers.get("x-change-reason")
    result, created = await blocking(registry.access.replace, agent, passport_id, body, fmt, expected, reason)
    return _written(result, 201 if created else 200)


@router.delete("/{passport_id}", summary="Withdraw a passport (its history stays)")
async def withdraw_passport(
    passport_id: str,
    request: Request,
    if_match: str | None = Header(None),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> JSONResponse:
    check_write(agent)
    expected = _expected_version(passport_id, if_match)
    reason = request.headers.get("x-change-reason")
    result = await blocking(registry.access.withdraw, agent, passport_id, expected, reason)
    return JSONResponse({**result.as_dict(), "status": "withdrawn"}, headers={"ETag": result.etag})


def _version_entry(record: PassportRecord, change) -> dict[str, object]:
    return {"version": change.version, "kind": change.kind, "time": change.time,
            "etag": f'"{record.id}-v{change.version}"', "href": f"/passports/{record.id}?version={change.version}"}


@router.get("/{passport_id}/versions", summary="The versions of a passport")
async def list_versions(
    passport_id: str, registry: Registry = Depends(get_registry), agent: Agent = Depends(get_agent)
) -> JSONResponse:
    record = await blocking(registry.access.record, agent, passport_id)
    history = await blocking(registry.access.history, agent, passport_id)
    return JSONResponse({"id": record.id, "current": record.version, "status": record.status,
                         "versions": [_version_entry(record, c) for c in history]})


@router.get("/{passport_id}/history", summary="Who changed what, when (JSON, or PROV-O as RDF)")
async def read_history(
    passport_id: str, request: Request, registry: Registry = Depends(get_registry), agent: Agent = Depends(get_agent)
) -> Response:
    media_type = choose(request.headers.get("accept"), ["application/json", *RDF_OFFERS])
    if media_type == "application/json":
        history = await blocking(registry.access.history, agent, passport_id)
        return JSONResponse({"id": passport_id, "changes": [c.as_dict() for c in history]})
    fmt = RdfFormat.from_media_type(media_type)
    assert fmt is not None
    triples = await blocking(registry.access.history_triples, agent, passport_id)
    return Response(await blocking(serialize_triples, triples, fmt), media_type=fmt.media_type)


@router.get("/{passport_id}/diff", summary="Triples added and removed between two versions")
async def diff_versions(
    passport_id: str,
    from_version: int = Query(..., alias="from", ge=1),
    to_version: int = Query(..., alias="to", ge=1),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> JSONResponse:
    diff = await blocking(registry.access.diff, agent, passport_id, from_version, to_version)
    return JSONResponse({"id": passport_id, **diff.as_dict()})
