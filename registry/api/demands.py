"""/demands (stored, versioned demands), their matches, /match for an unsaved demand, /match/portfolio."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import HTMLResponse, Response
from pyoxigraph import RdfFormat

from registry.api.demand_pages import render_demand_form, render_matches
from registry.api.deps import MAX_VERSION, blocking, get_agent, get_registry, read_body
from registry.api.negotiation import choose
from registry.api.openapi import RDF_ANSWERS, RDF_UPLOADS, answers, body, described, errors
from registry.api.responses import JSONResponse, rdf_response
from registry.core import Registry
from registry.errors import MalformedInput
from registry.matching.demand import Demand
from registry.matching.portfolio import Plan
from registry.matching.scoring import Match, Weights
from registry.matching.service import PortfolioResult
from registry.namespaces import CONDITIONS
from registry.passports.model import Agent
from registry.rdf import ANSWER_FORMATS, upload_format

router = APIRouter(tags=["matching"])

RDF_OFFERS = [f.media_type for f in ANSWER_FORMATS]


def _is_json(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() == "application/json"


def _format(content_type: str | None) -> RdfFormat | None:
    """None for plain JSON (the JSON demand form); an RDF format otherwise (415 if unknown)."""
    return None if _is_json(content_type) else upload_format(content_type)


def _weights(text: str | None) -> Weights:
    """`concept:0.5,carbon:0.5` -> Weights; unnamed components keep their defaults."""
    if not text:
        return Weights()
    values: dict[str, Any] = {}
    for part in text.split(","):
        name, _, number = part.partition(":")
        try:
            values[name.strip()] = float(number)
        except ValueError as exc:
            raise MalformedInput(f"weights: {part!r} is not NAME:NUMBER") from exc
    return Weights.from_mapping(values)


def _matches(demand: Demand, matches: list[Match], weights: Weights) -> JSONResponse:
    return JSONResponse({"demand": demand.as_dict(), "weights": weights.__dict__,
                         "matches": [m.as_dict() for m in matches]})


@router.post("/demands", status_code=201, summary="Store a demand (RDF with the core demand terms, or JSON)",
             responses=errors(400, 401, 403, 409, 413, 415, 422), openapi_extra=body(*RDF_UPLOADS, "application/json"))
async def create_demand(
    request: Request,
    slug: str | None = Header(None, description="Proposed demand id"),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> JSONResponse:
    fmt = _format(request.headers.get("content-type"))
    body = await read_body(request, registry.settings.max_body_bytes)
    result = await blocking(registry.demands.create, agent, body, fmt, slug, request.headers.get("x-change-reason"))
    return JSONResponse(result.as_dict(), status_code=201,
                        headers={"Location": f"/demands/{result.id}", "ETag": result.etag})


@router.put("/demands/{demand_id}", summary="Replace a demand with a new version (RDF or JSON)",
            responses=described(201, "Created: the id was new")
            | errors(400, 401, 403, 404, 409, 410, 412, 413, 415, 422),
            openapi_extra=body(*RDF_UPLOADS, "application/json"))
async def replace_demand(
    demand_id: str,
    request: Request,
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> JSONResponse:
    fmt = _format(request.headers.get("content-type"))
    body = await read_body(request, registry.settings.max_body_bytes)
    result, created = await blocking(registry.demands.replace, agent, demand_id, body, fmt, None,
                                     request.headers.get("x-change-reason"))
    return JSONResponse(result.as_dict(), status_code=201 if created else 200,
                        headers={"Location": f"/demands/{result.id}", "ETag": result.etag})


@router.get("/demands/new", response_class=HTMLResponse, summary="Form (HTML) to store a demand and see its matches")
async def demand_form(registry: Registry = Depends(get_registry)) -> HTMLResponse:
    concepts = registry.concepts
    materials = sorted(((iri, concepts.label(iri)) for iri in concepts.materials), key=lambda m: m[1].casefold())
    conditions = sorted(c.rsplit("/", 1)[-1] for c in concepts.members(CONDITIONS))
    return HTMLResponse(render_demand_form(materials, conditions, sorted(registry.demands.writers)))


@router.get("/demands/{demand_id}", summary="Read a demand (RDF by Accept); ?version=N for an earlier one",
            responses=answers(*RDF_ANSWERS) | errors(400, 401, 404, 406, 410))
async def read_demand(
    demand_id: str,
    request: Request,
    version: int | None = Query(None, ge=1, le=MAX_VERSION),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> Response:
    media_type = choose(request.headers.get("accept"), RDF_OFFERS, {"application/json": "application/ld+json"})
    view = await blocking(registry.demands.content, agent, demand_id, version)
    return await rdf_response(view.triples, media_type, view.representation_etag)


@router.get("/demands/{demand_id}/matches", summary="Supply matching a stored demand, best first, with reasons",
            responses=answers("application/json", "text/html") | errors(400, 401, 404, 406, 410, 422))
async def demand_matches(
    demand_id: str,
    request: Request,
    limit: int = Query(20, ge=1, le=500),
    format: str | None = Query(None, description="application/json or text/html; overrides Accept"),
    weights: str | None = Query(None, description="e.g. concept:0.4,carbon:0.3 (others keep their defaults)"),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> Response:
    media_type = choose(format or request.headers.get("accept"), ["application/json", "text/html"])
    chosen = _weights(weights)
    demand, found = await blocking(registry.matching.stored_matches, agent, demand_id, limit, chosen)
    if media_type == "text/html":
        return HTMLResponse(render_matches(demand, found, registry.concepts.label, registry.settings.base),
                            headers={"Vary": "Accept, Authorization"})
    return _matches(demand, found, chosen)


@router.post("/match", summary="Matches for an unsaved demand (RDF or JSON); nothing is stored",
             responses=errors(400, 401, 413, 415, 422), openapi_extra=body(*RDF_UPLOADS, "application/json"))
async def match_unsaved(
    request: Request,
    limit: int = Query(20, ge=1, le=500),
    weights: str | None = Query(None, description="e.g. concept:0.4,carbon:0.3"),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> JSONResponse:
    chosen = _weights(weights)
    fmt = _format(request.headers.get("content-type"))
    body = await read_body(request, registry.settings.max_body_bytes)
    demand = await blocking(registry.matching.unsaved, body, fmt)
    found = await blocking(registry.matching.matches, agent, demand, limit, chosen)
    return _matches(demand, found, chosen)


def _plan(plan: Plan, result: PortfolioResult) -> dict[str, Any]:
    return {
        "method": plan.method, "saved_kg": plan.saved_kg, "transport_kg": plan.transport_kg,
        "allocations": [
            {"demand": result.demands[a.demand].iri, "demand_index": a.demand,
             "demand_label": result.demands[a.demand].label, "supply": result.items[a.supply].as_dict(),
             "fraction": a.fraction, "quantity": a.quantity, "unit": result.demands[a.demand].quantity.unit,
             "saved_kg": a.saved_kg, "transport_kg": a.transport_kg}
            for a in plan.allocations
        ],
    }


@router.post("/match/portfolio", summary="Assign many demands to many supply items at once (optimiser)",
             responses=errors(400, 401, 403, 413, 422), openapi_extra=body("application/json"))
async def match_portfolio(
    request: Request, registry: Registry = Depends(get_registry), agent: Agent = Depends(get_agent),
) -> JSONResponse:
    body = await read_body(request, registry.settings.max_body_bytes)
    result = await blocking(registry.matching.portfolio, agent, body)
    return JSONResponse({**_plan(result.plan, result), "greedy": _plan(result.baseline, result)})
