"""/organisations/{org}/material-mappings: an organisation's own material names -> concepts (SKOS), versioned."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Header, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse

from registry.access.views import expected_version
from registry.api.deps import blocking, get_agent, get_registry, read_body
from registry.api.mapping_page import render_mappings_page
from registry.api.negotiation import choose
from registry.api.openapi import answers, body, errors
from registry.core import Registry
from registry.errors import MalformedInput, UnsupportedMediaType
from registry.importers.mappings import MappingTable
from registry.passports.model import Agent, etag_for
from registry.rdf import media_type_of

router = APIRouter(prefix="/organisations", tags=["material mappings"])
TURTLE = "text/turtle"
VARY = {"Vary": "Accept, Authorization"}  # the format by Accept; the table at all by who asks


def _etag(table: MappingTable) -> str:
    return etag_for(f"{table.organisation}-material-mappings", table.version)


def _page(registry: Registry, table: MappingTable) -> HTMLResponse:
    concepts = registry.concepts
    materials = sorted(((iri, concepts.label(iri)) for iri in concepts.materials), key=lambda m: m[1].casefold())
    page = render_mappings_page(table, materials, concepts.label, sorted(registry.mappings.writers))
    return HTMLResponse(page, headers=VARY)  # no ETag: the JSON's is strong, and a strong one names one representation


@router.get("/{org}/material-mappings", summary="An organisation's material-name mappings (JSON, SKOS Turtle, "
            "or the HTML page where names, also a dry-run import's unmapped ones, are mapped)",
            responses=answers("application/json", TURTLE, "text/html") | errors(400, 404))
async def get_mappings(
    org: str, request: Request, registry: Registry = Depends(get_registry), agent: Agent = Depends(get_agent),
) -> Response:
    accept = request.headers.get("accept") or ""
    if TURTLE in accept:
        return Response(await blocking(registry.mappings.turtle, agent, org), media_type=TURTLE, headers=VARY)
    table = await blocking(registry.mappings.get, agent, org)
    if choose(accept, ["application/json", "text/html"], strict=False) == "text/html":
        return _page(registry, table)
    return JSONResponse(table.as_dict(), headers={"ETag": _etag(table), **VARY})


@router.put("/{org}/material-mappings", summary="Replace the organisation's mappings with a new version",
            responses=answers("application/json") | errors(400, 401, 403, 404, 412, 413, 415),
            openapi_extra=body("application/json"))
async def put_mappings(
    org: str, request: Request, if_match: str | None = Header(None),
    registry: Registry = Depends(get_registry), agent: Agent = Depends(get_agent),
) -> JSONResponse:
    if media_type_of(request.headers.get("content-type")) != "application/json":
        raise UnsupportedMediaType('send the table as application/json: {"mappings": [{"name", "concept"}]}')
    raw = await read_body(request, registry.settings.max_body_bytes)
    try:
        parsed = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedInput(f"the body is not JSON: {exc}") from exc
    expected = expected_version(f"{org}-material-mappings", if_match, "material mapping table")
    table = await blocking(registry.mappings.put, agent, org, parsed, expected)
    return JSONResponse(table.as_dict(), headers={"ETag": _etag(table)})
