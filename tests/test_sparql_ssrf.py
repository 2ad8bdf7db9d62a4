"""No spelling of SERVICE or LOAD makes the server call out: a real loopback listener counts every request.

The corpus covers case, \\u escapes, comments ended by a bare carriage return (the spelling that got
through the old token scan), prefixed and relative IRIs, variables, sub-queries, EXISTS, GRAPH/OPTIONAL/
MINUS/UNION nesting, tokens glued to numbers and punctuation, every query form, and updates with
WITH/USING and several operations.
"""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from pyoxigraph import Store

from registry.errors import MalformedInput, QueryRefused
from registry.sparql.guard import check
from tests.conftest import AUTH, Server

QUERIES = [
    "SELECT * WHERE { SERVICE <{u}> { ?s ?p ?o } }",
    "select * where { service <{u}> { ?s ?p ?o } }",
    "SELECT * WHERE { SeRvIcE SILENT <{u}> { ?s ?p ?o } }",
    "SELECT * WHERE { \\u0053ERVICE <{u}> { ?s ?p ?o } }",
    "SELECT * WHERE { SERV\\u0049CE <{u}> { ?s ?p ?o } }",
    "SELECT * WHERE { \\U00000053ERVICE <{u}> { ?s ?p ?o } }",
    "SELECT * WHERE { # a comment\rSERVICE <{u}> { ?s ?p ?o } }",
    "SELECT * WHERE { # a comment\\u000dSERVICE <{u}> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o # a comment\n SERVICE <{u}> { ?s ?p ?o } }",
    "SELECT*{SERVICE\t<{u}>{}}",
    "SELECT * { FILTER(1<2)SERVICE<{u}>{} FILTER(3>2) }",
    "SELECT * { ?s ?p 1 .SERVICE<{u}>{} }",
    "SELECT * { BIND(1 AS ?x)SERVICE<{u}>{} }",
    "PREFIX s: <{u}> SELECT * { SERVICE s: { ?s ?p ?o } }",
    "PREFIX s: <{u}> SELECT * { SERVICE s:x { ?s ?p ?o } }",
    "BASE <{u}> SELECT * { SERVICE <> { ?s ?p ?o } }",
    "SELECT * { VALUES ?g { <{u}> } SERVICE ?g { ?s ?p ?o } }",
    "SELECT * { { SELECT * WHERE { SERVICE <{u}> { ?s ?p ?o } } } }",
    "SELECT * { GRAPH ?g { OPTIONAL { SERVICE <{u}> { ?s ?p ?o } } } }",
    "SELECT * { ?a ?b ?c MINUS { SERVICE <{u}> { ?a ?b ?c } } }",
    "SELECT * { { ?a ?b ?c } UNION { SERVICE <{u}> { ?a ?b ?c } } }",
    "SELECT * { FILTER EXISTS { SERVICE <{u}> { ?s ?p ?o } } }",
    "SELECT * { FILTER NOT EXISTS { SERVICE <{u}> { ?s ?p ?o } } }",
    "ASK { SERVICE <{u}> { ?s ?p ?o } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <{u}> { ?s ?p ?o } }",
    "DESCRIBE ?s WHERE { SERVICE <{u}> { ?s ?p ?o } }",
    "SELECT * { SERVICE <{u}> { SERVICE <{u}> { ?s ?p ?o } } }",
]
UPDATES = [
    "LOAD <{u}>",
    "load silent <{u}> into graph <http://example.org/g>",
    "\\u004cOAD <{u}>",
    "# a comment\rLOAD <{u}>",
    "INSERT DATA { <http://example.org/a> <http://example.org/b> 1 } ; LOAD <{u}>",
    "INSERT { ?s ?p ?o } WHERE { SERVICE <{u}> { ?s ?p ?o } }",
    "WITH <http://example.org/g> DELETE { ?s ?p ?o } INSERT { ?s ?p ?o } "
    "USING <http://example.org/g> WHERE { SERVICE <{u}> { ?s ?p ?o } }",
    "DELETE { ?s ?p ?o } USING NAMED <http://example.org/g> WHERE { GRAPH ?g { SERVICE <{u}> { ?s ?p ?o } } }",
    "DELETE WHERE { ?s ?p ?o } ; # c\rINSERT { ?s ?p ?o } WHERE { SERVICE <{u}> { ?s ?p ?o } }",
]


class Listener:
    """A loopback HTTP server that answers nothing useful and counts every request that reaches it."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                self.send_response(500)
                self.end_headers()

            do_POST = do_GET

            def log_message(self, *_args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sparql"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def assert_untouched(self) -> None:
        time.sleep(0.1)
        assert self.hits == []


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    running = Listener()
    yield running
    running.server.shutdown()


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("ssrf") / "data", "--no-examples").start()
    yield server
    server.stop()


def test_the_listener_sees_what_an_unguarded_oxigraph_sends(listener):
    with pytest.raises(OSError):
        bool(Store().query(f"ASK {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"))
    assert len(listener.hits) == 1
    listener.hits.clear()


@pytest.mark.parametrize("query", QUERIES)
def test_guard_refuses_every_service_spelling(query, listener):
    with pytest.raises((QueryRefused, MalformedInput)):
        check(query.replace("{u}", listener.url), update=False)


@pytest.mark.parametrize("update", UPDATES)
def test_guard_refuses_every_load_and_service_spelling_in_updates(update, listener):
    with pytest.raises((QueryRefused, MalformedInput)):
        check(update.replace("{u}", listener.url), update=True)


@pytest.mark.parametrize("query", QUERIES)
def test_no_query_spelling_reaches_the_listener_by_get_or_post(query, listener, endpoint):
    text = query.replace("{u}", listener.url)
    answers = [
        httpx.get(f"{endpoint.url}/sparql", params={"query": text}, timeout=30),
        httpx.post(f"{endpoint.url}/sparql", data={"query": text}, timeout=30),
        httpx.post(f"{endpoint.url}/sparql", content=text.encode(), timeout=30,
                   headers={"Content-Type": "application/sparql-query", **AUTH}),
    ]
    assert [r.status_code for r in answers if r.status_code not in (400, 403)] == []
    listener.assert_untouched()


@pytest.mark.parametrize("update", UPDATES)
def test_no_admin_update_spelling_reaches_the_listener(update, listener, endpoint):
    text = update.replace("{u}", listener.url)
    answers = [
        httpx.post(f"{endpoint.url}/sparql", content=text.encode(), timeout=30,
                   headers={"Content-Type": "application/sparql-update", **AUTH}),
        httpx.post(f"{endpoint.url}/sparql", data={"update": text}, headers=AUTH, timeout=30),
    ]
    assert [r.status_code for r in answers if r.status_code not in (400, 403)] == []
    listener.assert_untouched()


def test_a_refused_update_leaves_the_store_unchanged(listener, endpoint):
    text = f"INSERT DATA {{ <http://example.org/a> <http://example.org/b> 1 }} ; LOAD <{listener.url}>"
    httpx.post(f"{endpoint.url}/sparql", data={"update": text}, headers=AUTH, timeout=30)
    ask = "ASK { <http://example.org/a> ?p ?o }"
    answer = httpx.get(f"{endpoint.url}/sparql", params={"query": ask}, headers={**AUTH, "Accept": "application/json"},
                       timeout=90)  # the first query starts the worker fork server
    assert answer.json()["boolean"] is False


def test_ordinary_queries_still_run(endpoint):
    query = 'PREFIX ex: <http://example.org/> SELECT ?service WHERE { ?service ex:load "SERVICE" } # SERVICE'
    assert httpx.get(f"{endpoint.url}/sparql", params={"query": query}, timeout=30).status_code == 200
