"""Parsing, canonical literals and blank-node naming: the things that keep patches small and honest."""

from __future__ import annotations

import pytest
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store

from registry.api.negotiation import choose
from registry.canonical import canonical, canonical_triples
from registry.errors import MalformedInput, NotAcceptable, QueryRefused, UnsupportedMediaType
from registry.rdf import parse_triples, skolemize, upload_format
from registry.settings import PROJECT_ROOT
from registry.sparql.guard import check

XSD = "http://www.w3.org/2001/XMLSchema#"
KEY = bytes(range(32))  # the registry key for blank-node IRIs; any fixed key will do here


@pytest.mark.parametrize(
    ("datatype", "text"),
    [("decimal", "11.0"), ("decimal", "0.30"), ("decimal", "-0.0"), ("integer", "007"), ("boolean", "1"),
     ("double", "1.5e3"), ("double", "-0.0"), ("float", "0.3"), ("dateTime", "2020-01-01T00:00:00.500+00:00"),
     ("nonNegativeInteger", "05"), ("decimal", "not a number")],
)
def test_canonical_form_matches_what_oxigraph_stores(datatype, text):
    literal = Literal(text, datatype=NamedNode(XSD + datatype))
    store = Store()
    store.add(Quad(NamedNode("urn:s"), NamedNode("urn:p"), literal))
    assert canonical(literal) == next(iter(store)).object


ODD_LITERALS = b"""@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<urn:s> <urn:p> "01.50"^^xsd:decimal, "+5"^^xsd:int, "1\\n"^^xsd:integer, "\\u0031"^^xsd:integer, "1"^^xsd:boolean,
  "x\\"^^<urn:t>"^^xsd:integer, "a \\"^^<http://www.w3.org/2001/XMLSchema#integer>", "1.0"@en, "2.50"^^<urn:t> ;
  <urn:q> [ <urn:v> "3.0"^^xsd:decimal ] .
"""


EXAMPLE_TURTLE = sorted((PROJECT_ROOT / "examples").glob("**/*.ttl"))


@pytest.mark.parametrize("document", [ODD_LITERALS, *(path.read_bytes() for path in EXAMPLE_TURTLE)])
def test_literals_made_canonical_in_the_blank_node_pass_are_those_of_canonical_triples(document):
    """The upload path canonicalises on N-Triples tokens; the result is what `canonical` gives term by term."""
    triples = parse_triples(document, RdfFormat.TURTLE, "urn:x")
    fused = skolemize(list(triples), "urn:genid/", KEY, canonicalize=True)
    assert fused == skolemize(canonical_triples(triples), "urn:genid/", KEY)


def test_same_document_gets_the_same_blank_node_names():
    doc = b'<urn:e> <urn:mass> [ <urn:v> "1" ] , [ <urn:v> "2" ] .'
    first = skolemize(parse_triples(doc, RdfFormat.TURTLE, "urn:x"), "urn:genid/", KEY)
    second = skolemize(parse_triples(doc, RdfFormat.TURTLE, "urn:x"), "urn:genid/", KEY)
    assert sorted(map(str, first)) == sorted(map(str, second))
    assert len({t.object for t in first if t.predicate.value == "urn:mass"}) == 2


def test_blank_nodes_with_equal_content_under_different_parents_stay_apart():
    doc = b'<urn:a> <urn:mass> [ <urn:v> "1" ] . <urn:b> <urn:mass> [ <urn:v> "1" ] .'
    triples = skolemize(parse_triples(doc, RdfFormat.TURTLE, "urn:x"), "urn:genid/", KEY)
    assert len({t.object for t in triples if t.predicate.value == "urn:mass"}) == 2


def test_named_graphs_in_an_upload_are_refused():
    with pytest.raises(MalformedInput):
        parse_triples(b"<urn:s> <urn:p> <urn:o> <urn:g> .", RdfFormat.N_QUADS, "urn:x")


def test_text_plain_is_not_taken_for_n_triples():
    with pytest.raises(UnsupportedMediaType):
        upload_format("text/plain")


@pytest.mark.parametrize(
    "query",
    ['SELECT * { ?s ?p "SERVICE" }', "SELECT ?service { ?service a ?t }",
     "PREFIX ex: <http://x/> SELECT * { ?s ex:load ?o }",
     "SELECT * { ?s <http://x/SERVICE> ?o } # SERVICE in a comment"],
)
def test_guard_lets_keywords_inside_names_strings_and_comments_through(query):
    assert check(query, update=False).kind == "SELECT"


@pytest.mark.parametrize(
    "query",
    ["SELECT * { SERVICE <http://x/> { ?s ?p ?o } }", "select * { service silent <http://x/> {} }",
     "SELECT * { \\u0053ERVICE <http://x/> {} }"],
)
def test_guard_refuses_service_however_written(query):
    with pytest.raises(QueryRefused):
        check(query, update=False)


def test_negotiation_honours_q_values_and_wildcards():
    offers = ["text/turtle", "application/ld+json", "text/html"]
    assert choose("text/html;q=0.5, application/ld+json", offers) == "application/ld+json"
    assert choose("*/*", offers) == "text/turtle"
    assert choose("text/*;q=0.9, text/html", offers) == "text/html"
    with pytest.raises(NotAcceptable):
        choose("image/png", offers)
