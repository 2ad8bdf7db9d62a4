"""/passports: upload, read (any format, any version), update, withdraw, versions, history, diff."""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import HTMLResponse
from pyoxigraph import Triple

from registry.access.records import View
from registry.access.views import expected_version
from registry.api.deps import AT, MAX_OFFSET, MAX_VERSION, blocking, get_agent, get_registry, moment, read_body
from registry.api.negotiation import choose
from registry.api.openapi import PASSPORT_BODY, RDF_ANSWERS, answers, described, errors
from registry.api.pages import render_passport
from registry.api.passport_view import MAX_NODES, PART_LINKS
from registry.api.responses import JSONResponse, rdf_response
from registry.core import Registry
from registry.errors import InvalidParameter, NotComputable
from registry.passports.model import Agent, ChangeInfo, PassportRecord, WriteResult
from registry.qr import qr_svg_inline
from registry.rdf import ANSWER_FORMATS, upload_format
from registry.reports.charts import composition_svg

router = APIRouter(prefix="/passports", tags=["passports"])

HTML = "text/html"
RDF_OFFERS = [f.media_type for f in ANSWER_FORMATS]
JSON_ALIASES = {"application/json": "application/ld+json"}


def _small(triples: list[Triple]) -> bool:
    """Per-part figures are computed afresh (never stored), so only for passports whose tree the page draws whole."""
    return sum(1 for t in triples if t.predicate in PART_LINKS) <= MAX_NODES


def _page(registry: Registry, agent: Agent, view: View) -> str:
    """The passport page; figures and chart only for the current version (they are computed from it)."""
    history = registry.passports.history(agent, view.record.id)
    indicators = chart = note = None
    if view.version == view.record.version:
        try:
            indicators = registry.indicators.compute(agent, view.record.id, "emf", warnings=False,
                                                     parts=_small(view.triples)).indicators
        except NotComputable as exc:  # the page still shows the data, and says why there are no figures
            note = exc.message
        else:
            chart = composition_svg(indicators) if indicators.total_mass_kg > 0 else None
    return render_passport(view.record, view.version, view.triples, history, indicators, chart,
                           qr_svg_inline(view.record.iri), note, registry.concepts.label)


def _written(result: WriteResult, status: int) -> JSONResponse:
    return JSONResponse(
        result.as_dict(),
        status_code=status,
        headers={"Location": f"/passports/{result.id}", "ETag": result.etag},
    )


@router.post("", status_code=201, summary="Upload a new passport (validated with SHACL first)",
             responses=errors(400, 401, 403, 409, 413, 415, 422), openapi_extra=PASSPORT_BODY)
async def create_passport(
    request: Request,
    slug: str | None = Header(None, description="Proposed passport id (RFC 5023 Slug)"),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> JSONResponse:
    fmt = upload_format(request.headers.get("content-type"))
    body = await read_body(request, registry.settings.max_body_bytes)
    reason = request.headers.get("x-change-reason")
    result = await blocking(registry.passports.create, agent, body, fmt, slug, reason)
    return _written(result, 201)


@router.get("", summary="List active passports, paged", responses=errors(400, 401))
async def list_passports(
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    limit: int = Query(50, ge=1, le=500),
    q: str | None = Query(None, max_length=200, description="Words in the title"),
    at: str | None = AT,
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> JSONResponse:
    when = moment(at)
    if when is not None and q:
        raise InvalidParameter("q and at cannot be combined: titles are searched as they are now")
    if when is None:
        page = await blocking(registry.passports.page, agent, offset, limit, q)
    else:
        page = await blocking(registry.passports.page_at, agent, when, offset, limit)
    body: dict[str, object] = {
        "items": [r.as_dict() for r in page.items],
        "total": page.total,
        "offset": page.offset,
        "limit": page.limit,
    }
    if page.offset + page.limit < page.total:
        body["next"] = f"/passports?offset={page.offset + page.limit}&limit={page.limit}" + (f"&at={at}" if at else "")
    return JSONResponse(body)


@router.get("/{passport_id}",
            summary="Read a passport in the negotiated format; ?version=N or ?at=DATE for an earlier one",
            responses=answers(*RDF_ANSWERS, HTML) | errors(400, 401, 404, 406, 410))
async def read_passport(
    passport_id: str,
    request: Request,
    version: int | None = Query(None, ge=1, le=MAX_VERSION),
    format: str | None = Query(None, description="A media type; overrides Accept (for links and browsers)"),
    at: str | None = AT,
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> Response:
    media_type = choose(format or request.headers.get("accept"), [*RDF_OFFERS, HTML], JSON_ALIASES)
    when = moment(at)
    if when is not None and version is not None:
        raise InvalidParameter("give version or at, not both")
    if when is None:
        view = await blocking(registry.passports.content, agent, passport_id, version)
    else:
        view = await blocking(registry.passports.content_at, agent, passport_id, when)
    # Each representation, and a filtered view, has a validator of its own (registry/access/views.py).
    vary = "Accept, Authorization"
    if media_type == HTML:
        page = await blocking(_page, registry, agent, view)
        return HTMLResponse(page, headers={"ETag": _page_etag(view, page), "Vary": vary})
    return await rdf_response(view.triples, media_type, view.representation_etag)


def _page_etag(view: View, page: str) -> str:
    """The page shows more than the passport (figures from the product-type passports it uses, labels),
    so its validator folds in a digest of the page itself: any change to what it shows changes the tag."""
    return view.representation_etag("html-" + hashlib.sha256(page.encode()).hexdigest()[:16])


@router.put("/{passport_id}", summary="Replace a passport with a new version (If-Match for safe updates)",
            responses=described(201, "Created: the id was new")
            | errors(400, 401, 403, 404, 409, 410, 412, 413, 415, 422), openapi_extra=PASSPORT_BODY)
async def replace_passport(
    passport_id: str,
    request: Request,
    if_match: str | None = Header(None),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> JSONResponse:
    expected = expected_version(passport_id, if_match)
    fmt = upload_format(request.headers.get("content-type"))
    body = await read_body(request, registry.settings.max_body_bytes)
    reason = request.headers.get("x-change-reason")
    result, created = await blocking(registry.passports.replace, agent, passport_id, body, fmt, expected, reason)
    return _written(result, 201 if created else 200)


@router.delete("/{passport_id}", summary="Withdraw a passport (its history stays)",
               responses=errors(400, 401, 403, 404, 409, 410, 412))
async def withdraw_passport(
    passport_id: str,
    request: Request,
    if_match: str | None = Header(None),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> JSONResponse:
    expected = expected_version(passport_id, if_match)
    reason = request.headers.get("x-change-reason")
    result = await blocking(registry.passports.withdraw, agent, passport_id, expected, reason)
    return JSONResponse({**result.as_dict(), "status": "withdrawn"}, headers={"ETag": result.etag})


def _version_entry(record: PassportRecord, change: ChangeInfo) -> dict[str, object]:
    return {"version": change.version, "kind": change.kind, "time": change.time,
            "etag": f'"{record.id}-v{change.version}"', "href": f"/passports/{record.id}?version={change.version}"}


@router.get("/{passport_id}/versions", summary="The versions of a passport", responses=errors(400, 401, 404))
async def list_versions(
    passport_id: str, registry: Registry = Depends(get_registry), agent: Agent = Depends(get_agent)
) -> JSONResponse:
    record = await blocking(registry.passports.record, agent, passport_id)
    history = await blocking(registry.passports.history, agent, passport_id)
    return JSONResponse({"id": record.id, "current": record.version, "status": record.status,
                         "versions": [_version_entry(record, c) for c in history]})


@router.get("/{passport_id}/history", summary="Who changed what, when (JSON, or PROV-O as RDF)",
            responses=answers("application/json", *RDF_ANSWERS) | errors(400, 401, 404, 406))
async def read_history(
    passport_id: str, request: Request, registry: Registry = Depends(get_registry), agent: Agent = Depends(get_agent)
) -> Response:
    media_type = choose(request.headers.get("accept"), ["application/json", *RDF_OFFERS])
    if media_type == "application/json":
        history = await blocking(registry.passports.history, agent, passport_id)
        return JSONResponse({"id": passport_id, "changes": [c.as_dict() for c in history]})
    triples = await blocking(registry.passports.history_triples, agent, passport_id)
    return await rdf_response(triples, media_type)


@router.get("/{passport_id}/diff", summary="Triples added and removed between two versions",
            responses=errors(400, 401, 404, 410))
async def diff_versions(
    passport_id: str,
    from_version: int = Query(..., alias="from", ge=1, le=MAX_VERSION),
    to_version: int = Query(..., alias="to", ge=1, le=MAX_VERSION),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> JSONResponse:
    diff = await blocking(registry.passports.diff, agent, passport_id, from_version, to_version)
    return JSONResponse({"id": passport_id, **diff.as_dict()})
