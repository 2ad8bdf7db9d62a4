"""Formats tools expect (issue 16), each read back by a real client: rdflib, pyld, SPARQLWrapper.

- Turtle prefixes are absolute, so a saved answer means the same read under any base;
- JSON-LD (also for `Accept: application/json`) is compacted under the registry's own context, which is
  published at /context.jsonld and kept in the repository as ontology/context.jsonld.
"""

from __future__ import annotations

import csv
import io
import json

import httpx
import pytest
import rdflib
from pyld import jsonld
from pyoxigraph import Literal, NamedNode, Triple
from rdflib.compare import isomorphic
from SPARQLWrapper import JSONLD, SPARQLWrapper

from registry.jsonld import compacted, context
from registry.quantities import SIGNIFICANT_DIGITS, tidy
from registry.settings import PROJECT_ROOT
from tests.conftest import AUTH, DATA, EXAMPLES

OFFICE = (EXAMPLES / "passports" / "office-utrecht-1972.ttl").read_bytes()
RDF_TYPE = rdflib.RDF.type


@pytest.fixture
def office(client) -> str:
    response = client.post("/passports", content=OFFICE,
                           headers={"Content-Type": "text/turtle", "Slug": "office", **AUTH})
    assert response.status_code == 201, response.text
    return "/passports/office"


def turtle_graph(client, path: str, base: str) -> rdflib.Graph:
    text = client.get(path, headers={"Accept": "text/turtle", **AUTH}).text
    return rdflib.Graph().parse(data=text, format="turtle", publicID=base)


def test_turtle_reads_the_same_under_an_https_base(client, office):
    here = turtle_graph(client, office, "http://testserver/passports/office")
    elsewhere = turtle_graph(client, office, "https://mirror.example/saved/office.ttl")
    assert set(here) == set(elsewhere)


def test_turtle_keeps_http_vocabularies_under_an_https_base(client, office):
    graph = turtle_graph(client, office, "https://mirror.example/saved/office.ttl")
    assert (None, RDF_TYPE, rdflib.URIRef("https://w3id.org/bot#Building")) in graph
    assert not any(str(p).startswith("https://www.w3.org/") for p in graph.predicates())


def test_turtle_declares_absolute_prefixes(client, office):
    text = client.get(office, headers={"Accept": "text/turtle", **AUTH}).text
    assert "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> ." in text
    assert "@base" not in text


def _json_ld(client, path: str, accept: str) -> dict:
    response = client.get(path, headers={"Accept": accept, **AUTH})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    return response.json()


@pytest.mark.parametrize("accept", ["application/ld+json", "application/json"])
def test_json_ld_is_compacted_under_the_registry_context(client, office, accept):
    document = _json_ld(client, office, accept)
    published = json.loads((PROJECT_ROOT / "ontology" / "context.jsonld").read_text())
    assert document["@context"] == published["@context"]
    passport = next(n for n in document["@graph"] if n["@id"] == "http://testserver/passports/office")
    assert passport["@type"] == "mpr:Passport"


def test_json_ld_expanded_by_pyld_gives_the_turtle_triples(client, office):
    nquads = jsonld.to_rdf(_json_ld(client, office, "application/ld+json"), {"format": "application/n-quads"})
    from_pyld = rdflib.Graph().parse(data=nquads, format="nt")
    assert len(from_pyld) > 100
    assert isomorphic(from_pyld, turtle_graph(client, office, "http://testserver/passports/office"))


def test_json_ld_read_by_rdflib_gives_the_turtle_triples(client, office):
    text = client.get(office, headers={"Accept": "application/ld+json", **AUTH}).text
    from_rdflib = rdflib.Graph().parse(data=text, format="json-ld")
    assert isomorphic(from_rdflib, turtle_graph(client, office, "http://testserver/passports/office"))


def test_context_is_served_as_the_repository_file_with_a_long_cache(client):
    response = client.get("/context.jsonld")
    assert response.content == (PROJECT_ROOT / "ontology" / "context.jsonld").read_bytes()
    assert response.headers["content-type"].startswith("application/ld+json")
    assert "max-age=604800" in response.headers["cache-control"]


def test_iri_whose_scheme_is_a_prefix_name_is_left_expanded():
    # geo: is a URI scheme (RFC 5870) and a prefix of the context: compacted, it would be read as geo:#...
    triples = [Triple(NamedNode("geo:52.09,5.12"), NamedNode("http://purl.org/dc/terms/title"), Literal("a place"))]
    document = compacted(triples)
    nquads = jsonld.to_rdf(document, {"format": "application/n-quads"})
    assert nquads.strip() == '<geo:52.09,5.12> <http://purl.org/dc/terms/title> "a place" .'


def test_tidy_keeps_the_data_digits_and_drops_float_noise():
    assert tidy(15577.296499999999) == 15577.2965  # the noise of issue 16, 16 significant digits -> 9
    assert tidy(0.1 + 0.2) == 0.3  # 0.30000000000000004
    assert tidy(2 / 3) == 0.666666666667  # a true ratio keeps 12 significant digits
    assert tidy(123456.789) == 123456.789  # a stated figure stays as stated


def _floats(value: object) -> list[float]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [f for v in value.values() for f in _floats(v)]
    if isinstance(value, list):
        return [f for v in value for f in _floats(v)]
    return []


def _significant(number: float) -> int:
    return len(repr(abs(number)).replace(".", "").split("e")[0].strip("0"))


def test_indicator_figures_carry_no_float_noise(client, office):
    figures = _floats(client.get(f"{office}/indicators", headers=AUTH).json())
    assert len(figures) > 20
    assert max(_significant(f) for f in figures) <= SIGNIFICANT_DIGITS


def test_urban_mine_csv_names_materials_beside_their_iris(client, office):
    text = client.get("/reports/urban-mine?format=csv", headers=AUTH).text
    rows = list(csv.DictReader(io.StringIO(text)))
    labels = {r["material"]: r["material_label"] for r in rows}
    assert labels["https://w3id.org/mpr/materials/reinforced-concrete"] == "reinforced concrete"
    assert max(_significant(float(r["mass_kg"])) for r in rows) <= SIGNIFICANT_DIGITS


def test_materials_csv_names_materials_beside_their_iris(client, office):
    text = client.get("/materials?limit=1000", headers={"Accept": "text/csv", **AUTH}).text
    rows = list(csv.DictReader(io.StringIO(text)))
    labelled = {r["material"]: r["material_label"] for r in rows if r["material"]}
    assert labelled["https://w3id.org/mpr/materials/aluminium"] == "aluminium"


PAVILION = (DATA / "minimal-passport.ttl").read_bytes()


def test_validation_report_names_a_blank_focus_node_by_its_part(client):
    body = PAVILION.replace(b"mpr:recycledContent 0.1", b"mpr:recycledContent 1.5")
    report = client.post("/validate", content=body, headers={"Content-Type": "text/turtle"}).json()
    result = next(r for r in report["results"] if r["path"] == "https://w3id.org/mpr#recycledContent")
    assert "/.well-known/genid/" in result["focus_node"]  # the IRI stays
    assert result["focus_label"] == "Column C1 > composedOf (reinforced-concrete)"


def test_a_refused_upload_names_its_focus_nodes_too(client):
    """A write that conforms skips naming (it reports only a count of warnings); one it refuses names them."""
    body = PAVILION.replace(b"mpr:recycledContent 0.1", b"mpr:recycledContent 1.5")
    answer = client.post("/passports", content=body, headers={"Content-Type": "text/turtle", **AUTH})
    assert answer.status_code == 422
    results = answer.json()["report"]["results"]
    result = next(r for r in results if r["path"] == "https://w3id.org/mpr#recycledContent")
    assert result["focus_label"] == "Column C1 > composedOf (reinforced-concrete)"


def test_diff_names_subjects_and_properties(client):
    headers = {"Content-Type": "text/turtle", **AUTH}
    client.put("/passports/pavilion", content=PAVILION, headers=headers)
    client.put("/passports/pavilion", content=PAVILION.replace(b"Column C1", b"Column C1-a"), headers=headers)
    diff = client.get("/passports/pavilion/diff?from=1&to=2", headers=AUTH).json()
    assert len(diff["added"]) == len(diff["removed"]) == 1  # the triples, as before
    assert {"change": "added", "subject": "Column C1-a", "property": "label", "value": "Column C1-a"} in diff["changes"]
    assert {"change": "removed", "subject": "Column C1", "property": "label", "value": "Column C1"} in diff["changes"]


@pytest.mark.parametrize("media_type", ["text/turtle", "application/ld+json"])
def test_upload_examples_of_the_openapi_document_are_accepted(client, media_type):
    operation = client.get("/openapi.json").json()["paths"]["/passports"]["post"]
    example = operation["requestBody"]["content"][media_type]["example"]
    response = client.post("/passports", content=example.encode(), headers={"Content-Type": media_type, **AUTH})
    assert response.status_code == 201, response.text


def test_openapi_documents_the_sparql_query_parameter(client):
    parameters = client.get("/openapi.json").json()["paths"]["/sparql"]["get"]["parameters"]
    assert {"query", "default-graph-uri", "named-graph-uri"} <= {p["name"] for p in parameters}


def test_sparql_construct_in_json_ld_is_compacted_and_read_by_sparqlwrapper(server):
    created = httpx.post(f"{server.url}/passports", content=PAVILION,
                         headers={"Content-Type": "text/turtle", "Slug": "pavilion", **AUTH})
    assert created.status_code == 201, created.text
    query = "CONSTRUCT WHERE { ?s a ?t }"
    raw = httpx.get(f"{server.url}/sparql", params={"query": query}, headers={"Accept": "application/ld+json"},
                    timeout=60)
    assert raw.json()["@context"] == context()
    client = SPARQLWrapper(f"{server.url}/sparql")
    client.setQuery(query)
    client.setReturnFormat(JSONLD)
    graph = client.query().convert()
    assert (rdflib.URIRef(f"{server.url}/passports/pavilion"), RDF_TYPE,
            rdflib.URIRef("https://w3id.org/mpr#Passport")) in graph
