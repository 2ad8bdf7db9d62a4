"""The organisation baseline's hand-worked tests again, unchanged, on the remote backend: a SparqlStore over a
real `oxigraph serve` and over Virtuoso. The baseline reads its passports in a few whole-store queries
(records.Selection, StoredIndicators.exact_with_parts) whose results must be the same on every store."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

import tests.test_baseline as baseline_tests
import tests.test_past_baseline as past_tests
from registry.core import Registry
from tests import servers

oxigraph_server = servers.oxigraph_server  # fixtures, used by name
remote_core = servers.remote_core
remote_client = servers.remote_client
virtuoso_server = servers.virtuoso_server
virtuoso_core = servers.virtuoso_core
virtuoso_client = servers.virtuoso_client
office = past_tests.office
org = baseline_tests.org

# Every test of both suites, except the CLI's (it opens an embedded store of its own).
globals().update({name: getattr(module, name) for module in (baseline_tests, past_tests) for name in dir(module)
                  if name.startswith("test_") and name != "test_mpr_report_baseline_prints_the_figures"})


@pytest.fixture(params=["oxigraph-server", "virtuoso"])
def client(request: pytest.FixtureRequest) -> TestClient:
    return request.getfixturevalue("remote_client" if request.param == "oxigraph-server" else "virtuoso_client")


@pytest.fixture(params=["oxigraph-server", "virtuoso"])
def core(request: pytest.FixtureRequest) -> Registry:
    return request.getfixturevalue("remote_core" if request.param == "oxigraph-server" else "virtuoso_core")


def test_a_stored_summary_is_served_on_the_remote_store(org):
    """The second baseline reads the summaries the first stored (one pass), and answers the same figures."""
    client, headers = org
    first = client.get(f"/organisations/{baseline_tests.ORG}/baseline", headers=headers["owner"]).json()
    registry = client.app.state.registry
    registry.domain.reports.past = type(registry.domain.reports.past)()  # forget the kept figures
    found = registry.domain.indicators.stored_with_parts({"school": 1, "hidden-school": 1})
    assert sorted(found) == ["hidden-school", "school"]
    again = client.get(f"/organisations/{baseline_tests.ORG}/baseline", headers=headers["owner"]).json()
    assert again == first and again["baseline"]["primary_kg"] == pytest.approx(1760.0)  # as worked in test_baseline
