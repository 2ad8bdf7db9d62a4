"""The /sparql endpoint as real clients use it: SPARQLWrapper and rdflib's SPARQLStore over real HTTP."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TSV, XML, SPARQLWrapper

from tests.conftest import ADMIN, AUTH, DATA, Server

COUNT_COLUMNS = "PREFIX bot: <https://w3id.org/bot#> SELECT ?e WHERE { ?e a bot:Element }"
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { VALUES ?a { %s } VALUES ?b { %s } VALUES ?c { %s } VALUES ?d { %s } }" % (
    (" ".join(str(i) for i in range(100)),) * 4
)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Server:
    server = Server(tmp_path_factory.mktemp("sparql") / "data", "--no-examples",
                    env={"MPR_QUERY_TIMEOUT_S": "1.5", "MPR_MAX_CONCURRENT_QUERIES": "2"}).start()
    response = httpx.post(f"{server.url}/passports", content=(DATA / "minimal-passport.ttl").read_bytes(),
                          headers={"Content-Type": "text/turtle", "Slug": "pavilion", **AUTH})
    assert response.status_code == 201, response.text
    yield server
    server.stop()


def wrapper(server: Server, query: str, fmt: str) -> SPARQLWrapper:
    client = SPARQLWrapper(f"{server.url}/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    return client


def test_sparqlwrapper_select_json(loaded):
    result = wrapper(loaded, COUNT_COLUMNS, JSON).queryAndConvert()
    assert [b["e"]["value"] for b in result["results"]["bindings"]] == [f"{loaded.url}/passports/pavilion#column-1"]


def test_sparqlwrapper_select_xml(loaded):
    document = wrapper(loaded, COUNT_COLUMNS, XML).queryAndConvert()
    assert document.getElementsByTagName("uri")[0].firstChild.data.endswith("#column-1")


@pytest.mark.parametrize(("fmt", "separator"), [(CSV, b","), (TSV, b"\t")])
def test_sparqlwrapper_select_csv_and_tsv(loaded, fmt, separator):
    body = wrapper(loaded, "SELECT ?a ?b WHERE { BIND(1 AS ?a) BIND(2 AS ?b) }", fmt).queryAndConvert()
    assert separator in body.splitlines()[0]


def test_sparqlwrapper_ask(loaded):
    result = wrapper(loaded, "ASK { ?s a <https://w3id.org/mpr#Passport> }", JSON).queryAndConvert()
    assert result["boolean"] is True


def test_rdflib_sparqlstore_select_and_construct(loaded):
    graph = rdflib.Graph(store=SPARQLStore(query_endpoint=f"{loaded.url}/sparql"))
    rows = list(graph.query("SELECT ?t WHERE { ?p a <https://w3id.org/mpr#Passport> ; "
                            "<http://purl.org/dc/terms/title> ?t }"))
    assert [str(r[0]) for r in rows] == ["Test pavilion"]
    constructed = graph.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s a <https://w3id.org/bot#Storey> ; ?p ?o }")
    assert len(constructed.graph) >= 3


def test_get_and_post_forms_agree(loaded):
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    accept = {"Accept": "application/sparql-results+json"}
    via_get = httpx.get(f"{loaded.url}/sparql", params={"query": query}, headers=accept).json()
    via_form = httpx.post(f"{loaded.url}/sparql", data={"query": query}, headers=accept).json()
    via_body = httpx.post(f"{loaded.url}/sparql", content=query,
                          headers={**accept, "Content-Type": "application/sparql-query"}).json()
    assert via_get == via_form == via_body


def test_construct_negotiates_rdf_syntax(loaded):
    response = httpx.get(f"{loaded.url}/sparql", params={"query": "CONSTRUCT WHERE { ?s a ?t }"},
                         headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/n-triples")


def test_service_is_refused_before_reaching_the_store(loaded):
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    response = httpx.get(f"{loaded.url}/sparql", params={"query": query})
    assert response.status_code == 403
    assert "SERVICE" in response.json()["detail"]


def test_service_hidden_by_a_unicode_escape_is_refused(loaded):
    query = "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    assert httpx.get(f"{loaded.url}/sparql", params={"query": query}).status_code == 403


def test_load_is_refused_even_for_admins(loaded):
    response = httpx.post(f"{loaded.url}/sparql", content="LOAD <http://127.0.0.1:9/x.ttl>",
                          headers={"Content-Type": "application/sparql-update", **AUTH})
    assert response.status_code == 403
    assert "LOAD" in response.json()["detail"]


def test_invalid_sparql_is_400_with_the_parser_message(loaded):
    response = httpx.get(f"{loaded.url}/sparql", params={"query": "SELECT ?s WHERE { ?s ?p }"})
    assert response.status_code == 400
    assert "invalid SPARQL" in response.json()["detail"]


def test_missing_query_is_400(loaded):
    assert httpx.get(f"{loaded.url}/sparql", params={"default-graph-uri": "http://example.org/g"}).status_code == 400


def test_update_without_a_token_is_401(loaded):
    response = httpx.post(f"{loaded.url}/sparql", content="INSERT DATA { <urn:a> <urn:b> <urn:c> }",
                          headers={"Content-Type": "application/sparql-update"})
    assert response.status_code == 401
    ask = httpx.get(f"{loaded.url}/sparql", params={"query": "ASK { <urn:a> ?p ?o }"},
                    headers={"Accept": "application/sparql-results+json"}).json()
    assert ask["boolean"] is False


def test_update_with_the_admin_token_is_applied(loaded):
    update = "INSERT DATA { GRAPH <urn:g> { <urn:x> <urn:y> <urn:z> } }"
    response = httpx.post(f"{loaded.url}/sparql", data={"update": update},
                          headers={"Authorization": f"Bearer {ADMIN}"})
    assert response.status_code == 204
    ask = httpx.get(f"{loaded.url}/sparql", params={"query": "ASK { <urn:x> <urn:y> <urn:z> }"},
                    headers={"Accept": "application/sparql-results+json", **AUTH}).json()
    assert ask["boolean"] is True


def test_update_sent_as_a_query_is_400(loaded):
    response = httpx.get(f"{loaded.url}/sparql", params={"query": "DELETE WHERE { ?s ?p ?o }"})
    assert response.status_code == 400


def test_unsupported_request_media_type_is_415(loaded):
    response = httpx.post(f"{loaded.url}/sparql", content="SELECT * {}", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415


def test_query_past_the_time_limit_gets_503_and_the_server_stays_responsive(loaded):
    health_times: list[float] = []

    def poll_health() -> None:
        for _ in range(5):
            start = time.monotonic()
            httpx.get(f"{loaded.url}/health", timeout=10)
            health_times.append(time.monotonic() - start)
            time.sleep(0.2)

    poller = threading.Thread(target=poll_health)
    poller.start()
    response = httpx.get(f"{loaded.url}/sparql", params={"query": HEAVY}, timeout=60)
    poller.join()
    assert response.status_code == 503
    assert "limit" in response.json()["detail"]
    assert response.headers["Retry-After"]
    assert len(health_times) == 5  # every health check was answered while the query ran


def test_get_without_parameters_answers_the_service_description_in_turtle(loaded):
    response = httpx.get(f"{loaded.url}/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    service = next(graph.subjects(rdflib.RDF.type, sd.Service))
    assert (service, sd.supportedLanguage, sd.SPARQL11Query) in graph
    assert (service, sd.feature, sd.BasicFederatedQuery) not in graph  # SERVICE is never run


def test_dataset_parameters_reach_only_graphs_the_caller_may_query(loaded):
    secret = "http://example.org/only-in-the-full-store"
    update = f"INSERT DATA {{ GRAPH <{secret}> {{ <a:s> <a:p> 1 }} }}"
    inserted = httpx.post(f"{loaded.url}/sparql", data={"update": update}, headers=AUTH)
    assert inserted.status_code == 204
    params = {"query": "ASK { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": secret}
    accept = {"Accept": "application/sparql-results+json"}
    anonymous = httpx.get(f"{loaded.url}/sparql", params=params, headers=accept)
    admin = httpx.get(f"{loaded.url}/sparql", params=params, headers={**accept, **AUTH})
    assert anonymous.json()["boolean"] is False
    assert admin.json()["boolean"] is True


def test_a_dataset_iri_that_is_not_absolute_is_400(loaded):
    response = httpx.get(f"{loaded.url}/sparql", params={"query": "ASK {}", "default-graph-uri": "not an iri"})
    assert response.status_code == 400
    assert "default-graph-uri" in response.json()["detail"]


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_a_browser_opening_a_query_gets_a_results_table(loaded):
    answer = httpx.get(f"{loaded.url}/sparql", params={"query": COUNT_COLUMNS}, headers={"Accept": BROWSER})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    assert "<th>e</th>" in answer.text and f'<a href="{loaded.url}/passports/pavilion#column-1">' in answer.text
    assert "1 row." in answer.text and "Query page (YASGUI)" in answer.text


def test_a_browser_gets_a_graph_as_a_table_of_triples(loaded):
    query = "CONSTRUCT { ?e a <https://w3id.org/bot#Element> } WHERE { ?e a <https://w3id.org/bot#Element> }"
    answer = httpx.get(f"{loaded.url}/sparql", params={"query": query}, headers={"Accept": BROWSER})
    assert "<th>subject</th><th>predicate</th><th>object</th>" in answer.text
    assert ">https://w3id.org/bot#Element</a>" in answer.text


def test_a_browser_gets_the_answer_of_an_ask(loaded):
    answer = httpx.get(f"{loaded.url}/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": BROWSER})
    assert "The answer is <b>yes</b>" in answer.text


def test_the_results_page_escapes_every_value(loaded):
    query = 'SELECT ?x ?y WHERE { VALUES (?x ?y) { ("<script>alert(1)</script>"@en <javascript:alert(2)>) } }'
    answer = httpx.get(f"{loaded.url}/sparql", params={"query": query}, headers={"Accept": BROWSER})
    assert answer.status_code == 200 and "<script>alert" not in answer.text
    assert answer.text.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2  # the query shown, and the value
    assert "javascript:alert(2)" in answer.text and 'href="javascript' not in answer.text


@pytest.mark.parametrize(("accept", "media_type"), [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"), ("*/*", "application/sparql-results+json"),
    ("application/xml", "application/sparql-results+xml")])
def test_programs_keep_getting_the_results_formats(loaded, accept, media_type):
    answer = httpx.get(f"{loaded.url}/sparql", params={"query": COUNT_COLUMNS}, headers={"Accept": accept})
    assert answer.headers["content-type"].startswith(media_type) and "#column-1" in answer.text


def test_the_results_page_shows_at_most_its_row_limit_and_says_so():
    from registry.api.sparql_results import MAX_ROWS, render_results_page, solutions_table

    bindings = [{"n": {"type": "literal", "value": str(i), "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}
                for i in range(MAX_ROWS + 5)]
    table = solutions_table(json.dumps({"head": {"vars": ["n"]}, "results": {"bindings": bindings}}).encode())
    assert (table.total, len(table.rows), table.rows[0][0].note) == (MAX_ROWS + 5, MAX_ROWS, "xsd:integer")
    page = render_results_page("SELECT ?n {}", table)
    assert f"{MAX_ROWS + 5} rows; the first {MAX_ROWS} are shown" in page
