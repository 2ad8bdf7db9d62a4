"""/sparql: a SPARQL 1.1 Protocol endpoint (query via GET or POST, update via POST with an admin token)."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request, Response
from pyoxigraph import QueryResultsFormat

from registry.access.policy import check_admin, sees_everything
from registry.api.deps import blocking, get_agent, get_registry, read_body
from registry.api.negotiation import choose
from registry.core import Registry
from registry.errors import MalformedInput, StoreUnavailable, UnsupportedMediaType
from registry.passports.model import Agent
from registry.rdf import ANSWER_FORMATS, media_type_of
from registry.sparql.guard import check
from registry.store.base import TripleStore

router = APIRouter(tags=["sparql"])

RESULT_OFFERS = [
    f.media_type.split(";")[0]
    for f in (QueryResultsFormat.JSON, QueryResultsFormat.XML, QueryResultsFormat.CSV, QueryResultsFormat.TSV)
]
RESULT_ALIASES = {"application/json": QueryResultsFormat.JSON.media_type,
                  "application/xml": QueryResultsFormat.XML.media_type,
                  "text/xml": QueryResultsFormat.XML.media_type}
GRAPH_OFFERS = [f.media_type for f in ANSWER_FORMATS]
GRAPH_ALIASES = {"application/json": "application/ld+json", "application/xml": "application/rdf+xml",
                 "text/xml": "application/rdf+xml"}
DATASET_PARAMS = ("default-graph-uri", "named-graph-uri", "using-graph-uri", "using-named-graph-uri")


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise MalformedInput(f"give the '{name}' parameter once")
    return values[0] if values else None


def _refuse_dataset(params: dict[str, list[str]]) -> None:
    given = [p for p in DATASET_PARAMS if p in params]
    if given:
        raise MalformedInput(
            f"{', '.join(given)} is not supported: the default graph is the union of all passports; "
            "use GRAPH in the query to pick one"
        )


def _dataset(registry: Registry, agent: Agent) -> TripleStore:
    """Auditors and admins query the full store; everyone else the public projection (DESIGN 3, 5)."""
    if sees_everything(agent):
        return registry.store
    if registry.public_store is None:
        raise StoreUnavailable("this deployment has no public dataset configured; SPARQL needs an auditor token")
    return registry.public_store


async def _query(text: str, request: Request, registry: Registry, agent: Agent) -> Response:
    checked = await blocking(check, text, update=False)
    store = _dataset(registry, agent)
    if checked.returns_graph:
        media_type = choose(request.headers.get("accept"), GRAPH_OFFERS, GRAPH_ALIASES, strict=False)
    else:
        media_type = choose(request.headers.get("accept"), RESULT_OFFERS, RESULT_ALIASES, strict=False)
    output = await registry.queries.run(
        lambda: store.query_serialized(checked.text, checked.kind, media_type)  # type: ignore[arg-type]
    )
    return Response(output.body, media_type=output.media_type, headers={"Vary": "Accept"})


async def _update(text: str, agent: Agent, registry: Registry) -> Response:
    check_admin(agent, "SPARQL updates")
    checked = await blocking(check, text, update=True)
    await blocking(registry.store.update, checked.text)
    return Response(status_code=204)


@router.get("/sparql", summary="SPARQL 1.1 query (query=...)")
async def sparql_get(
    request: Request, registry: Registry = Depends(get_registry), agent: Agent = Depends(get_agent)
) -> Response:
    params = parse_qs(request.url.query, keep_blank_values=True)
    _refuse_dataset(params)
    if "update" in params:
        raise MalformedInput("updates must be sent with POST")
    query = _one(params, "query")
    if query is None:
        raise MalformedInput("missing 'query' parameter; see the SPARQL 1.1 Protocol")
    return await _query(query, request, registry, agent)


@router.post("/sparql", summary="SPARQL 1.1 query or update (form, sparql-query or sparql-update body)")
async def sparql_post(
    request: Request, registry: Registry = Depends(get_registry), agent: Agent = Depends(get_agent)
) -> Response:
    content_type = media_type_of(request.headers.get("content-type"))
    body = await read_body(request, registry.settings.max_body_bytes)
    params = parse_qs(request.url.query, keep_blank_values=True)
    _refuse_dataset(params)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedInput("the request body is not UTF-8") from exc
    if content_type == "application/x-www-form-urlencoded":
        form = parse_qs(text, keep_blank_values=True)
        _refuse_dataset(form)
        query, update = _one(form, "query"), _one(form, "update")
        if (query is None) == (update is None):
            raise MalformedInput("send exactly one of the form fields 'query' or 'update'")
        if update is not None:
            return await _update(update, agent, registry)
        return await _query(query or "", request, registry, agent)
    if content_type == "application/sparql-query":
        return await _query(text, request, registry, agent)
    if content_type == "application/sparql-update":
        return await _update(text, agent, registry)
    raise UnsupportedMediaType(
        f"cannot read a SPARQL request sent as {content_type or 'no Content-Type'}; send "
        "application/x-www-form-urlencoded, application/sparql-query or application/sparql-update"
    )
