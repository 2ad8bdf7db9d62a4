"""The record-claim tests again, unchanged, on the remote backend (a SparqlStore over a real `oxigraph serve` and
over Virtuoso): the record graph is checked inside the query text (records.in_record_graph), which both must
answer the same. The public projection's test stays local: these remote registries have no public store."""

from __future__ import annotations

import pytest

import tests.test_record_claims as claims_tests
from registry.core import Registry
from tests import servers

oxigraph_server = servers.oxigraph_server  # fixtures, used by name
remote_core = servers.remote_core
virtuoso_server = servers.virtuoso_server
virtuoso_core = servers.virtuoso_core
chair = claims_tests.chair

globals().update({name: getattr(claims_tests, name) for name in dir(claims_tests)
                  if name.startswith("test_") and "public_projection" not in name})


@pytest.fixture(params=["oxigraph-server", "virtuoso"])
def core(request: pytest.FixtureRequest) -> Registry:
    return request.getfixturevalue("remote_core" if request.param == "oxigraph-server" else "virtuoso_core")
