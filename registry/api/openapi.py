"""What the OpenAPI document says that the route signatures cannot: the error answers a route gives, the media
types of answers built by hand, the bodies of routes that read the raw request, and the bearer token.

Routes read raw bodies (to bound their size and to accept RDF in any syntax), so FastAPI sees no body; without
these declarations the document would promise JSON where the service answers Turtle, and hide 4xx answers
that clients must handle. tests/test_openapi_conformance.py holds the service to this document.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict
from pyoxigraph import RdfFormat, parse

from registry.rdf import ANSWER_FORMATS, UPLOAD_FORMATS, serialize_triples

Responses = dict[int | str, dict[str, Any]]

RDF_ANSWERS = tuple(f.media_type for f in ANSWER_FORMATS)
RDF_UPLOADS = tuple(f.media_type for f in UPLOAD_FORMATS)
RAW_BODY = {"type": "string", "format": "binary"}
JSON_BODY = {"type": "object"}

#: Documents the optional token; `get_agent` reads the header itself (a malformed one is a 401, not anonymity).
BEARER = HTTPBearer(
    auto_error=False,
    description="Optional: without a token the caller is anonymous and sees public data. "
    "The admin token or an organisation's token (docs/architecture.md).",
)


class ErrorBody(BaseModel):
    """Every error answer (registry/api/errors.py): `detail`, sometimes a SHACL `report` and other fields."""

    model_config = ConfigDict(extra="allow")
    detail: str


def errors(*statuses: int) -> Responses:
    """The error answers of a route, each a JSON `ErrorBody`."""
    content = {"application/json": {"schema": ErrorBody.model_json_schema()}}  # also on HTML and RDF routes
    return {status: {"description": HTTPStatus(status).phrase, "content": content} for status in statuses}


def described(status: int, description: str) -> Responses:
    """An answer the route's signature does not show (a second success code, a JSON body of its own)."""
    return {status: {"description": description}}


def answers(*media_types: str, status: int = 200, description: str = "") -> Responses:
    """A success answer in media types other than JSON (RDF syntaxes, CSV, images, spreadsheets)."""
    text = description or HTTPStatus(status).phrase
    content = {m: {"schema": JSON_BODY if m == "application/json" else {"type": "string"}} for m in media_types}
    return {status: {"description": text, "content": content}}


def body(*media_types: str, required: bool = True, examples: dict[str, str] | None = None) -> dict[str, Any]:
    """`openapi_extra` for a route that reads the raw body: which media types it reads, with an example of
    each where one is given (what "Try it out" in /docs fills in)."""
    content: dict[str, dict[str, Any]] = {}
    for m in media_types:
        content[m] = {"schema": JSON_BODY if m == "application/json" else RAW_BODY}
        if examples and m in examples:
            content[m]["example"] = examples[m]
    return {"requestBody": {"required": required, "content": content}}


#: A passport small enough to read in "Try it out": one column of 675 kg reinforced concrete.
EXAMPLE_PASSPORT = """@prefix mpr: <https://w3id.org/mpr#> .
@prefix bot: <https://w3id.org/bot#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix qudt: <http://qudt.org/schema/qudt/> .
@prefix unit: <http://qudt.org/vocab/unit/> .
@prefix geo: <http://www.opengis.net/ont/geosparql#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix mat: <https://w3id.org/mpr/materials/> .
@prefix conn: <https://w3id.org/mpr/connections/> .

<> a mpr:Passport ; dcterms:title "Test pavilion"@en ; mpr:describes <#building> .
<#building> a bot:Building ; rdfs:label "Test pavilion" ;
    geo:hasGeometry [ a geo:Geometry ; geo:asWKT "POINT(5.1214 52.0907)"^^geo:wktLiteral ] ;
    mpr:availableFrom "2027-06-01"^^xsd:date ; bot:hasStorey <#storey-0> .
<#storey-0> a bot:Storey ; rdfs:label "Ground floor" ; bot:hasElement <#column-1> .
<#column-1> a bot:Element ; rdfs:label "Column C1" ; mpr:connectionType conn:bolted ;
    mpr:availableFrom "2027-06-01"^^xsd:date ;
    mpr:composedOf [ a mpr:MaterialComposition ; mpr:material mat:reinforced-concrete ;
        mpr:mass [ a qudt:QuantityValue ; qudt:numericValue 675.0 ; qudt:unit unit:KiloGM ] ;
        mpr:recycledContent 0.1 ] .
"""


def passport_examples() -> dict[str, str]:
    """The example passport in Turtle and JSON-LD, converted (not written twice), relative IRIs kept relative
    by converting under a placeholder base and cutting it off again (N-Triples has no relative IRIs)."""
    base = "https://example.invalid/passports/example"
    triples = [q.triple for q in parse(EXAMPLE_PASSPORT.encode(), RdfFormat.TURTLE, base_iri=base)]
    found = {RdfFormat.TURTLE.media_type: EXAMPLE_PASSPORT}
    text = serialize_triples(triples, RdfFormat.JSON_LD).decode().replace(base, "")
    found[RdfFormat.JSON_LD.media_type] = json.dumps(json.loads(text), indent=2)
    return found


#: The request body of passport uploads and checks, with the example passport in each syntax.
PASSPORT_BODY = body(*RDF_UPLOADS, examples=passport_examples())


#: The parameters of GET /sparql (SPARQL 1.1 Protocol 2.1.1), read from the query string by the route itself.
SPARQL_PARAMETERS: list[dict[str, Any]] = [
    {"name": "query", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "A SPARQL 1.1 query; without it, the service description is answered",
     "example": "PREFIX mpr: <https://w3id.org/mpr#> SELECT ?part ?material "
                "WHERE { ?part mpr:composedOf/mpr:material ?material } LIMIT 10"},
    {"name": "default-graph-uri", "in": "query", "required": False,
     "schema": {"type": "array", "items": {"type": "string"}}, "description": "Graphs merged into the default graph"},
    {"name": "named-graph-uri", "in": "query", "required": False,
     "schema": {"type": "array", "items": {"type": "string"}}, "description": "Graphs queried with GRAPH"},
]


def _amend(document: dict[str, Any]) -> None:
    """Two things FastAPI's generator gets wrong for this service, put right in the finished document.

    The token is optional everywhere (anonymous callers see public data), so each operation's security gets
    the empty alternative; and invalid parameters are answered 400 (registry/api/app.py), so FastAPI's
    automatic 422 "Validation Error" is dropped where no route declared a 422 of its own.
    """
    for path in document.get("paths", {}).values():
        for operation in path.values():
            security = operation.get("security")
            if security and {} not in security:
                operation["security"] = [{}, *security]
            answer = operation.get("responses", {}).get("422", {})
            if "HTTPValidationError" in str(answer.get("content", {})):
                del operation["responses"]["422"]
    document.get("components", {}).get("schemas", {}).pop("HTTPValidationError", None)
    document.get("components", {}).get("schemas", {}).pop("ValidationError", None)


def install(app: FastAPI) -> None:
    """Serve the amended document (built once, on the first request, like FastAPI's own)."""
    generate = app.openapi

    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            _amend(generate())
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]
