"""Bad input is a 4xx that names what is wrong, never a 500, and a 500 never costs the next request.

The numeric query parameters are walked from the OpenAPI document: each must declare both bounds,
and a value past them, NaN or infinity is a 400 naming the parameter.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from registry.api.app import create_app
from registry.settings import Settings
from tests.conftest import BASE


def numeric_parameters() -> list[tuple[str, str, dict]]:
    """(path, name, schema) of every integer or number query parameter of a GET route."""
    app = create_app(Settings(data=Path("unused"), load_examples=False))
    found = []
    for path, methods in app.openapi()["paths"].items():
        for parameter in methods.get("get", {}).get("parameters", []):
            schema = parameter["schema"]
            typed = next((s for s in schema.get("anyOf", [schema]) if s.get("type") in ("integer", "number")), None)
            if parameter["in"] == "query" and typed is not None:
                found.append((path, parameter["name"], typed))
    return found


NUMERIC = numeric_parameters()
IDS = {"passport_id": "p", "demand_id": "d", "profile_id": "f", "org": "o", "token_id": "t", "name": "n"}


def test_there_are_numeric_parameters_to_check():
    assert {name for _path, name, _schema in NUMERIC} >= {"offset", "limit", "version", "lon", "min_mass_kg"}


@pytest.mark.parametrize(("path", "name", "schema"), NUMERIC, ids=[f"{p}:{n}" for p, n, _ in NUMERIC])
def test_every_numeric_query_parameter_has_both_bounds(path, name, schema):
    assert "minimum" in schema or "exclusiveMinimum" in schema, (path, name)
    assert "maximum" in schema or "exclusiveMaximum" in schema, (path, name)


@pytest.fixture(scope="module")
def shared_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One registry for the many requests below: they are all refused before anything is read."""
    settings = Settings(data=tmp_path_factory.mktemp("data"), load_examples=False, base_url=BASE)
    with TestClient(create_app(settings), base_url=BASE) as client:
        yield client


@pytest.mark.parametrize(("path", "name", "schema"), NUMERIC, ids=[f"{p}:{n}" for p, n, _ in NUMERIC])
def test_numbers_out_of_bounds_are_400_naming_the_parameter(shared_client, path, name, schema):
    huge = ["9" * 30, "-" + "9" * 30] if schema["type"] == "integer" else ["1e30", "-1e30", "nan", "inf", "-inf"]
    others = {"from": "1", "to": "1"} if path.endswith("/diff") else {}
    for value in huge:
        response = shared_client.get(path.format(**IDS), params={**others, name: value})
        assert response.status_code == 400, (value, response.text)
        assert name in response.json()["detail"], value


@pytest.mark.parametrize("path", ["/passports", "/", "/materials"])
def test_an_offset_past_any_registry_is_400_without_internal_messages(shared_client, path):
    response = shared_client.get(path, params={"offset": str(10**24)})
    assert response.status_code == 400
    assert "offset" in response.text and "SPARQL" not in response.text


def test_a_product_that_is_no_iri_is_400_naming_it(shared_client):
    response = shared_client.get("/materials", params={"product": "AAA"})
    assert response.status_code == 400
    assert "product" in response.json()["detail"] and "AAA" in response.json()["detail"]


# --- a 500 answers properly and keeps the connection ---------------------------------------------

def _crash() -> None:
    raise RuntimeError("planted failure")


@pytest.fixture
def crashing_server(tmp_path: Path) -> Iterator[str]:
    """Real uvicorn on 127.0.0.1 serving the app plus one route that fails with an unexpected error."""
    app: FastAPI = create_app(Settings(data=tmp_path / "data", load_examples=False))
    app.add_api_route("/crash", _crash)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start within 60 s"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(30)


def test_after_a_500_the_kept_alive_connection_still_answers(crashing_server):
    with httpx.Client(base_url=crashing_server, timeout=30) as client:
        for _ in range(20):
            crash = client.get("/crash")
            assert crash.status_code == 500 and "detail" in crash.json()
            assert "planted failure" not in crash.text  # internals stay in the log
            assert client.get("/health").status_code == 200  # the same connection, not reset
