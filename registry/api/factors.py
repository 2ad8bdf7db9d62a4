"""/organisations/{org}/carbon-factors: an organisation's own carbon factor sets (CSV or RDF), versioned, public
or restricted; the indicators use one with `?factors=ORG/SET[@VERSION]` (registry/indicators/factorsets.py)."""

from __future__ import annotations

import csv
import io
from typing import Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from registry.access.views import expected_version
from registry.api.deps import blocking, get_agent, get_registry, read_body
from registry.api.negotiation import choose
from registry.api.openapi import answers, body, errors
from registry.core import Registry
from registry.indicators.factorsets import COLUMNS, FactorSet
from registry.passports.model import Agent, etag_for
from registry.rdf import media_type_of

router = APIRouter(prefix="/organisations", tags=["carbon factor sets"])
TURTLE, CSV, JSON = "text/turtle", "text/csv", "application/json"
VARY = {"Vary": "Accept, Authorization"}  # the format by Accept; a restricted set at all by who asks
MAX_VERSION = 10**9


def _etag(found: FactorSet) -> str:
    return etag_for(f"{found.ref.organisation}-carbon-factors-{found.ref.name}", found.ref.version or 0)


def _csv(found: FactorSet) -> bytes:
    """The set in the columns a PUT accepts, so a spreadsheet round-trips."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*COLUMNS, "dataset"])
    for row in found.rows:
        values = row.as_dict()
        writer.writerow([values["material"], values["module"], repr(row.kg_co2e), "kg CO2e",
                         values["en15804_version"], values["gwp_indicator"], row.declared_unit, row.source,
                         row.licence, row.dataset or ""])
    return out.getvalue().encode()


@router.get("/{org}/carbon-factors", summary="The organisation's carbon factor sets the caller may see",
            responses=errors(400))
async def list_factor_sets(
    org: str, registry: Registry = Depends(get_registry), agent: Agent = Depends(get_agent),
) -> JSONResponse:
    found = await blocking(registry.factor_sets.list, agent, org)
    return JSONResponse({"organisation": org, "sets": [s.as_dict(with_factors=False) for s in found]},
                        headers=VARY)


@router.get("/{org}/carbon-factors/{name}", summary="A carbon factor set (JSON, CSV or Turtle), at a version",
            responses=answers(JSON, CSV, TURTLE) | errors(400, 404, 406))
async def get_factor_set(
    org: str, name: str, request: Request,
    version: int | None = Query(None, ge=1, le=MAX_VERSION, description="An earlier version (default: current)"),
    registry: Registry = Depends(get_registry), agent: Agent = Depends(get_agent),
) -> Response:
    accept = request.headers.get("accept") or ""
    kind = choose(accept, [JSON, CSV, TURTLE], strict=False)
    if kind == TURTLE:
        return Response(await blocking(registry.factor_sets.turtle, agent, org, name, version), media_type=TURTLE,
                        headers=VARY)
    found = await blocking(registry.factor_sets.get, agent, org, name, version)
    if kind == CSV:
        return Response(_csv(found), media_type=CSV, headers=VARY)
    return JSONResponse(found.as_dict(), headers={"ETag": _etag(found), **VARY})


@router.put("/{org}/carbon-factors/{name}", summary="Store a new version of a carbon factor set (CSV or RDF)",
            responses=answers(JSON) | errors(400, 401, 403, 412, 413, 415, 422),
            openapi_extra=body(CSV, TURTLE, "application/ld+json"))
async def put_factor_set(
    org: str, name: str, request: Request, if_match: str | None = Header(None),
    visibility: Literal["public", "restricted"] | None = Query(
        None, description="Who may read and use the set; a new set is restricted unless said otherwise, a new "
                          "version keeps the set's visibility"),
    registry: Registry = Depends(get_registry), agent: Agent = Depends(get_agent),
) -> JSONResponse:
    raw = await read_body(request, registry.settings.max_body_bytes)
    expected = expected_version(f"{org}-carbon-factors-{name}", if_match, "carbon factor set")
    stored = await blocking(registry.factor_sets.put, agent, org, name, raw,
                            media_type_of(request.headers.get("content-type")), visibility, expected)
    return JSONResponse(stored.as_dict(), headers={"ETag": _etag(stored)})
