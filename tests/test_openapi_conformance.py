"""The OpenAPI document matches the service: schemathesis sends generated requests to every operation,
anonymous and as the admin, and every answer must be no server error, with a status code and a content
type that the document lists for that operation.

The registry has the examples loaded, in a temporary store the generated writes may spoil. The run is
bounded (few examples per operation, derandomized, no example database) so the file stays within minutes.
Generated ids rarely name a stored passport, so each case is sent once more with the id of an example
passport: the generated query, headers and body then reach the code behind the 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.specs.openapi.schemas import OpenApiSchema

from registry.api.app import create_app
from registry.auth import ADMIN as ADMIN_AGENT
from registry.core import Registry, build_registry
from registry.settings import Settings
from tests.conftest import ADMIN, AUTH, BASE

CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance]
CALLERS = {"anonymous": {}, "admin": AUTH}


@pytest.fixture(scope="module")
def spoilable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    data: Path = tmp_path_factory.mktemp("conformance") / "data"
    registry = build_registry(Settings(data=data, admin_token=ADMIN, load_examples=True, base_url=BASE))
    yield registry
    registry.close()


@pytest.fixture(scope="module")
def api_schema(spoilable: Registry) -> OpenApiSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(core=spoilable))


@pytest.fixture(scope="module")
def example_ids(api_schema: OpenApiSchema, spoilable: Registry) -> list[str]:
    """The stored example passports (loaded when the schema was fetched, at the app's start)."""
    ids = [record.id for record in spoilable.passports.page(ADMIN_AGENT, 0, 50).items]
    assert ids, "the example passports were not loaded"
    return ids


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=20, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_operation_answers_as_documented(case: schemathesis.Case, example_ids: list[str]) -> None:
    for headers in CALLERS.values():  # a copy: schemathesis adds the case's headers to the dict it is given
        case.call_and_validate(headers=dict(headers), checks=CHECKS)
    generated = (case.path_parameters or {}).get("passport_id")
    if generated is not None and example_ids:
        case.path_parameters["passport_id"] = example_ids[len(str(generated)) % len(example_ids)]
        for headers in CALLERS.values():
            case.call_and_validate(headers=dict(headers), checks=CHECKS)


def test_document_declares_the_bearer_token_and_the_raw_bodies(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    upload = document["paths"]["/passports"]["post"]
    assert {"text/turtle", "application/ld+json"} <= set(upload["requestBody"]["content"])
    assert "text/turtle" in document["paths"]["/passports/{passport_id}"]["get"]["responses"]["200"]["content"]


def test_document_says_the_token_is_optional_and_bad_parameters_are_400(client: TestClient) -> None:
    listing = client.get("/openapi.json").json()["paths"]["/passports"]["get"]
    assert listing["security"] == [{}, {"HTTPBearer": []}]
    assert "400" in listing["responses"]
    assert "422" not in listing["responses"]


def test_the_shared_credentials_stay_as_they_were() -> None:
    """Runs after the generated cases: a mutated AUTH would send their Accept header from every later test."""
    assert list(AUTH.items()) == [("Authorization", f"Bearer {ADMIN}")]
