"""/sparql: a SPARQL 1.1 Protocol endpoint (query via GET or POST, update via POST with an admin token)."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse
from pyoxigraph import NamedNode, QueryResultsFormat, RdfFormat, parse

from registry.access.policy import check_admin, sees_everything
from registry.api.deps import blocking, get_agent, get_registry, read_body
from registry.api.negotiation import choose
from registry.api.openapi import SPARQL_PARAMETERS, answers, body, described, errors
from registry.api.pages import render_sparql_page
from registry.api.sparql_results import graph_table, render_results_page, solutions_table
from registry.core import Registry
from registry.errors import MalformedInput, StoreUnavailable, UnsupportedMediaType
from registry.passports.model import Agent
from registry.rdf import ANSWER_FORMATS, media_type_of, serialize_triples
from registry.sparql.description import service_description
from registry.sparql.guard import check
from registry.store.base import QueryDataset, TripleStore

router = APIRouter(tags=["sparql"])

RESULT_OFFERS = [
    f.media_type.split(";")[0]
    for f in (QueryResultsFormat.JSON, QueryResultsFormat.XML, QueryResultsFormat.CSV, QueryResultsFormat.TSV)
]
RESULT_ALIASES = {"application/json": QueryResultsFormat.JSON.media_type,
                  "application/xml": QueryResultsFormat.XML.media_type,
                  "text/xml": QueryResultsFormat.XML.media_type}
GRAPH_OFFERS = [f.media_type for f in ANSWER_FORMATS]
HTML = "text/html"  # a browser: without a query the query page (YASGUI), with one the results page
GRAPH_ALIASES = {"application/json": "application/ld+json", "application/xml": "application/rdf+xml",
                 "text/xml": "application/rdf+xml"}
QUERY_DATASET_PARAMS = ("default-graph-uri", "named-graph-uri")
UPDATE_DATASET_PARAMS = ("using-graph-uri", "using-named-graph-uri")


def _one(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise MalformedInput(f"give the '{name}' parameter once")
    return values[0] if values else None


def _iris(params: dict[str, list[str]], name: str) -> tuple[str, ...]:
    found = []
    for value in params.get(name, []):
        try:
            found.append(NamedNode(value).value)
        except ValueError as exc:
            raise MalformedInput(f"'{name}' must be an absolute IRI; got {value!r}") from exc
    return tuple(found)


def _dataset(*sources: dict[str, list[str]]) -> QueryDataset | None:
    """The protocol dataset (default-graph-uri, named-graph-uri) of a query; None keeps the union default graph.

    The graphs are looked up in the store the caller may query (the public store for anonymous callers),
    so naming a graph never reaches data the caller could not query anyway.
    """
    params = {k: v for source in sources for k, v in source.items()}
    for name in UPDATE_DATASET_PARAMS:
        if name in params:
            raise MalformedInput(f"'{name}' belongs to updates, not queries")
    default, named = _iris(params, "default-graph-uri"), _iris(params, "named-graph-uri")
    return QueryDataset(default, named) if default or named else None


def _refuse_update_dataset(*sources: dict[str, list[str]]) -> None:
    given = sorted({p for source in sources for p in source if p in (*QUERY_DATASET_PARAMS, *UPDATE_DATASET_PARAMS)})
    if given:
        raise MalformedInput(f"{', '.join(given)} is not supported for updates: name graphs with WITH, USING or "
                             "GRAPH in the update itself")


def _client_of(request: Request) -> str:
    """Who a query counts against for the fair share of slots: the token if any, else the address."""
    authorization = request.headers.get("authorization")
    if authorization:
        return "token:" + hashlib.sha256(authorization.encode()).hexdigest()[:16]
    return "address:" + (request.client.host if request.client else "unknown")


def _store_for(registry: Registry, agent: Agent) -> TripleStore:
    """Auditors and admins query the full store; everyone else the public projection (docs/architecture.md 6)."""
    if sees_everything(agent):
        return registry.store
    if registry.public_store is None:
        raise StoreUnavailable("this deployment has no public dataset configured; SPARQL needs an auditor token")
    return registry.public_store


def _endpoint(registry: Registry) -> str:
    """The base IRI of queries and updates, and the service's own IRI: the endpoint's address."""
    return f"{registry.settings.base}/sparql"


async def _query(
    text: str, request: Request, registry: Registry, agent: Agent, dataset: QueryDataset | None
) -> Response:
    checked = await blocking(check, text, update=False)
    store = _store_for(registry, agent)
    offers, aliases = (GRAPH_OFFERS, GRAPH_ALIASES) if checked.returns_graph else (RESULT_OFFERS, RESULT_ALIASES)
    # HTML last: only an Accept that prefers it (a browser's) gets the results page; */* gets the first offer
    media_type = choose(request.headers.get("accept"), [*offers, HTML], aliases, strict=False)
    page = media_type == HTML
    if page:
        media_type = RdfFormat.N_TRIPLES.media_type if checked.returns_graph else QueryResultsFormat.JSON.media_type
    output = await registry.queries.query(
        store, checked.text, checked.kind, media_type,  # type: ignore[arg-type]
        client=_client_of(request), base_iri=_endpoint(registry), dataset=dataset,
    )
    if page:
        table = await blocking(graph_table if checked.returns_graph else solutions_table, output.body)
        return HTMLResponse(render_results_page(text, table), headers={"Vary": "Accept"})
    body = output.body
    if checked.returns_graph and RdfFormat.from_media_type(output.media_type) == RdfFormat.JSON_LD:
        body = await blocking(_compacted, body)
    return Response(body, media_type=output.media_type, headers={"Vary": "Accept"})


def _compacted(expanded: bytes) -> bytes:
    """A graph's JSON-LD as every other route answers it: compacted under the registry's context (the engine
    writes expanded JSON-LD; registry/jsonld.py)."""
    return serialize_triples([q.triple for q in parse(expanded, RdfFormat.JSON_LD)], RdfFormat.JSON_LD)


async def _update(text: str, agent: Agent, registry: Registry) -> Response:
    check_admin(agent, "SPARQL updates")
    checked = await blocking(check, text, update=True)
    await blocking(registry.store.update, checked.text, base_iri=_endpoint(registry))
    # after the update, never before (registry/indicators/stored.py): summaries read before it are stale now
    await blocking(registry.domain.indicators.content_changed_in_place)
    return Response(status_code=204)


def _service_description(request: Request, registry: Registry) -> Response:
    media_type = choose(request.headers.get("accept"), GRAPH_OFFERS, GRAPH_ALIASES, strict=False)
    fmt = RdfFormat.from_media_type(media_type) or RdfFormat.TURTLE
    body = serialize_triples(service_description(_endpoint(registry)), fmt)
    return Response(body, media_type=fmt.media_type, headers={"Vary": "Accept"})


def _utf8(content_type: str | None) -> None:
    charset = next((p.split("=", 1)[1].strip().strip('"').lower() for p in (content_type or "").split(";")[1:]
                    if p.strip().lower().startswith("charset=")), "utf-8")
    if charset not in ("utf-8", "utf8"):
        raise MalformedInput(f"SPARQL requests are read as UTF-8; the body says charset={charset}")


@router.get("/sparql", summary="SPARQL 1.1 query (query=...); without a query, the service description",
            responses=answers(*RESULT_OFFERS, *GRAPH_OFFERS, HTML) | errors(400, 401, 403, 503),
            openapi_extra={"parameters": SPARQL_PARAMETERS})
async def sparql_get(
    request: Request, registry: Registry = Depends(get_registry), agent: Agent = Depends(get_agent)
) -> Response:
    params = parse_qs(request.url.query, keep_blank_values=True)
    if not params:
        if choose(request.headers.get("accept"), [*GRAPH_OFFERS, HTML], GRAPH_ALIASES, strict=False) == HTML:
            # The page queries the origin it was served from (the base URL may name another host).
            here = str(request.url.replace(query="", fragment=""))
            return HTMLResponse(render_sparql_page(here, _endpoint(registry)), headers={"Vary": "Accept"})
        return _service_description(request, registry)
    if "update" in params:
        raise MalformedInput("updates must be sent with POST")
    query = _one(params, "query")
    if query is None:
        raise MalformedInput("missing 'query' parameter; see the SPARQL 1.1 Protocol")
    return await _query(query, request, registry, agent, _dataset(params))


@router.post("/sparql", summary="SPARQL 1.1 query or update (form, sparql-query or sparql-update body)",
             responses=answers(*RESULT_OFFERS, *GRAPH_OFFERS, HTML) | described(204, "The update was applied")
             | errors(400, 401, 403, 413, 415, 503),
             openapi_extra=body("application/x-www-form-urlencoded", "application/sparql-query",
                                "application/sparql-update"))
async def sparql_post(
    request: Request, registry: Registry = Depends(get_registry), agent: Agent = Depends(get_agent)
) -> Response:
    content_type = media_type_of(request.headers.get("content-type"))
    _utf8(request.headers.get("content-type"))
    body = await read_body(request, registry.settings.max_body_bytes)
    params = parse_qs(request.url.query, keep_blank_values=True)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedInput("the request body is not UTF-8") from exc
    if content_type == "application/x-www-form-urlencoded":
        form = parse_qs(text, keep_blank_values=True)
        query, update = _one(form, "query"), _one(form, "update")
        if (query is None) == (update is None):
            raise MalformedInput("send exactly one of the form fields 'query' or 'update'")
        if update is not None:
            _refuse_update_dataset(params, form)
            return await _update(update, agent, registry)
        return await _query(query or "", request, registry, agent, _dataset(params, form))
    if content_type == "application/sparql-query":
        return await _query(text, request, registry, agent, _dataset(params))
    if content_type == "application/sparql-update":
        _refuse_update_dataset(params)
        return await _update(text, agent, registry)
    raise UnsupportedMediaType(
        f"cannot read a SPARQL request sent as {content_type or 'no Content-Type'}; send "
        "application/x-www-form-urlencoded, application/sparql-query or application/sparql-update"
    )
