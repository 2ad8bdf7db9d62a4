"""Deeply nested input gets a 400 that states the limit, in every format, and nothing is stored.

Before the limit, 10,000 nested blank nodes in Turtle were a 500 (RecursionError in content hashing)
and nested JSON-LD or SPARQL crashed the whole process (registry/nesting.py has the measurements).
"""

from __future__ import annotations

from itertools import pairwise

import pytest
from pyoxigraph import BlankNode, NamedNode, RdfFormat, Triple, parse, serialize

from registry.errors import MalformedInput
from registry.nesting import MAX_NESTING, MAX_SYNTAX_NESTING, blank_node_depth
from registry.rdf import parse_triples, skolemize
from tests.conftest import AUTH, DATA, settled

DEEP = 10_000
MINIMAL = (DATA / "minimal-passport.ttl").read_bytes()
BASE_IRI = "http://testserver/passports/draft"


def nested_turtle(levels: int) -> bytes:
    return b"<urn:a> <urn:p> " + b"[ <urn:p> " * levels + b'"leaf"' + b" ]" * levels + b" .\n"


def nested_json_ld(levels: int) -> bytes:
    return b'{"@id": "urn:a", "urn:p": ' + b'{"urn:p": ' * levels + b'"leaf"' + b"}" * levels + b"}"


def nested_rdf_xml(levels: int) -> bytes:
    return (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:u="urn:">'
            b'<rdf:Description rdf:about="urn:a">' + b'<u:p rdf:parseType="Resource">' * levels
            + b"<u:p>leaf</u:p>" + b"</u:p>" * levels + b"</rdf:Description></rdf:RDF>")


NESTED = {"text/turtle": nested_turtle, "application/ld+json": nested_json_ld,
          "application/rdf+xml": nested_rdf_xml}


def passport_nested(levels: int, media_type: str) -> bytes:
    """The minimal passport with a chain of `levels` blank nodes below its building, in `media_type`."""
    chain = b"<#building> <https://example.org/note> " + b"[ <https://example.org/note> " * levels \
        + b'"leaf"' + b" ]" * levels + b" .\n"
    triples = [q.triple for q in parse(MINIMAL + chain, RdfFormat.TURTLE, base_iri=BASE_IRI)]
    fmt = RdfFormat.from_media_type(media_type)
    assert fmt is not None
    return serialize(triples, format=fmt) or b""


@pytest.mark.parametrize("route", ["/validate", "/passports"])
@pytest.mark.parametrize("media_type", sorted(NESTED))
def test_deeply_nested_upload_is_400_naming_the_limit(client, route, media_type):
    before = settled(client.app.state.registry).store.count()
    response = client.post(route, content=NESTED[media_type](DEEP), headers={**AUTH, "Content-Type": media_type})
    assert response.status_code == 400
    assert f"at most {MAX_NESTING} levels of blank-node nesting" in response.text
    assert client.app.state.registry.store.count() == before


@pytest.mark.parametrize("media_type", sorted(NESTED))
def test_a_passport_nested_up_to_the_limit_is_stored(client, media_type):
    body = passport_nested(MAX_NESTING, media_type)
    response = client.post("/passports", content=body, headers={**AUTH, "Content-Type": media_type})
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("media_type", sorted(NESTED))
def test_one_level_past_the_limit_is_refused(client, media_type):
    before = settled(client.app.state.registry).store.count()
    body = passport_nested(MAX_NESTING + 1, media_type)
    response = client.post("/passports", content=body, headers={**AUTH, "Content-Type": media_type})
    assert response.status_code == 400 and str(MAX_NESTING) in response.text
    assert client.app.state.registry.store.count() == before


def test_nested_triple_terms_are_refused_before_parsing(client):
    # pyoxigraph's Turtle parser recurses into triple terms: ~20,000 levels crash the process.
    body = b"<urn:s> <urn:p> " + b"<<( <urn:a> <urn:b> " * DEEP + b"<urn:c>" + b" )>>" * DEEP + b" .\n"
    response = client.post("/validate", content=body, headers={"Content-Type": "text/turtle"})
    assert response.status_code == 400 and str(MAX_SYNTAX_NESTING) in response.text


def n_triples_chain(levels: int) -> bytes:
    return b"<urn:a> <urn:p> _:b1 .\n" + b"".join(b"_:b%d <urn:p> _:b%d .\n" % (i, i + 1) for i in range(1, levels))


def test_blank_nodes_chained_in_n_triples_count_as_nesting():
    assert blank_node_depth(parse_triples(n_triples_chain(MAX_NESTING), RdfFormat.N_TRIPLES, "urn:x")) == MAX_NESTING
    with pytest.raises(MalformedInput, match=f"at most {MAX_NESTING} levels"):
        parse_triples(n_triples_chain(MAX_NESTING + 1), RdfFormat.N_TRIPLES, "urn:x")


def test_a_long_rdf_list_is_not_nesting():
    items = b" ".join(b"%d" % i for i in range(1000))
    triples = parse_triples(b"<urn:s> <urn:p> ( " + items + b" ) .", RdfFormat.TURTLE, "urn:x")
    assert blank_node_depth(triples) == 1


def test_content_hashing_follows_10000_nested_blank_nodes_without_recursion():
    chain = [BlankNode(f"b{i}") for i in range(DEEP + 1)]
    p = NamedNode("urn:p")
    triples = [Triple(NamedNode("urn:a"), p, chain[0])] + [Triple(a, p, b) for a, b in pairwise(chain)]
    named = skolemize(triples, "urn:genid/", bytes(32))
    assert len({t.object for t in named}) == DEEP + 1


@pytest.mark.parametrize("route", ["/demands", "/match", "/match/portfolio"])
def test_deeply_nested_json_is_400(client, route):
    body = b'{"wants": ' + b"[" * DEEP + b"]" * DEEP + b"}"
    response = client.post(route, content=body, headers={**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 400 and str(MAX_NESTING) in response.text


def test_deeply_nested_sparql_is_400_for_anyone(client):
    # 3,000 nested group patterns crashed the process in pyoxigraph's SPARQL parser.
    query = "SELECT * WHERE " + "{ " * DEEP + "?s ?p ?o" + " }" * DEEP
    response = client.post("/sparql", content=query, headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 400 and str(MAX_SYNTAX_NESTING) in response.text
