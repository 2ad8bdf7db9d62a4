"""Runaway queries are really stopped at the time limit, and one client cannot take every query slot."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import AUTH, Server

SLOTS = 2
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { VALUES ?a { %s } VALUES ?b { %s } VALUES ?c { %s } VALUES ?d { %s } }" % (
    (" ".join(str(i) for i in range(200)),) * 4
)
JSON = {"Accept": "application/sparql-results+json"}


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("runaway") / "data", "--no-examples",
                    env={"MPR_QUERY_TIMEOUT_S": "1", "MPR_MAX_CONCURRENT_QUERIES": str(SLOTS)}).start()
    # the first query starts the worker processes' fork server: not part of what is measured below
    assert httpx.get(f"{server.url}/sparql", params={"query": "ASK {}"}, timeout=90).status_code == 200
    yield server
    server.stop()


def ask(endpoint: Server, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.get(f"{endpoint.url}/sparql", params={"query": "ASK {}"}, headers={**JSON, **(headers or {})},
                     timeout=30)


def test_more_runaway_queries_than_slots_then_a_query_still_runs(endpoint):
    for _ in range(SLOTS + 1):
        response = httpx.get(f"{endpoint.url}/sparql", params={"query": RUNAWAY}, timeout=30)
        assert response.status_code == 503
        assert "stopped" in response.json()["detail"]
    answer = ask(endpoint)
    assert answer.status_code == 200
    assert answer.json()["boolean"] is True


def test_a_stopped_query_frees_its_slot_at_the_limit(endpoint):
    started = time.monotonic()
    response = httpx.get(f"{endpoint.url}/sparql", params={"query": RUNAWAY}, timeout=30)
    assert response.status_code == 503
    assert time.monotonic() - started < 5
    assert ask(endpoint).status_code == 200


def test_one_client_gets_at_most_half_the_slots_and_others_still_run(endpoint):
    runaway = threading.Thread(
        target=lambda: httpx.get(f"{endpoint.url}/sparql", params={"query": RUNAWAY}, timeout=30)
    )
    runaway.start()
    time.sleep(0.4)  # the anonymous client's runaway query now holds its share (one of two slots)
    same_client = ask(endpoint)
    other_client = ask(endpoint, AUTH)
    runaway.join()
    assert same_client.status_code == 503
    assert "at once" in same_client.json()["detail"]
    assert other_client.status_code == 200
