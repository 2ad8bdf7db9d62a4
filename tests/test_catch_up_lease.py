"""The catch-up lease: of the processes sharing a store (`mpr serve --workers N` over a SPARQL server), one
recomputes the summaries an upgrade made stale, not each of them (registry/indicators/lease.py). Two leases
over one store stand for two worker processes; the guards that decide between them are the store's, so the
lease is tried on the embedded store, a real `oxigraph serve` and Virtuoso."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import RdfFormat

from registry.api.app import create_app
from registry.core import LOADER, Registry, build_registry
from registry.indicators.lease import EXPIRES, CatchUpLease
from registry.settings import Settings
from tests import servers
from tests.conftest import BASE, settled
from tests.test_indicators import CHAIR

oxigraph_server = servers.oxigraph_server  # fixtures, used by name
remote_core = servers.remote_core
virtuoso_server = servers.virtuoso_server
virtuoso_core = servers.virtuoso_core
START = datetime(2026, 12, 1, 9, tzinfo=UTC)


@pytest.fixture(params=["embedded", "oxigraph-server", "virtuoso"])
def registry(request: pytest.FixtureRequest) -> Registry:
    return request.getfixturevalue({"embedded": "core", "oxigraph-server": "remote_core",
                                    "virtuoso": "virtuoso_core"}[request.param])


def lease(registry: Registry, at: datetime = START) -> CatchUpLease:
    return CatchUpLease(registry.store, BASE, clock=lambda: at)


def test_of_two_processes_the_first_to_take_the_lease_holds_it(registry: Registry):
    first, second = lease(registry), lease(registry)
    assert first.take("basis") is True
    assert second.take("basis") is False


def test_a_given_back_lease_can_be_taken_again(registry: Registry):
    first, second = lease(registry), lease(registry)
    first.take("basis")
    first.release()
    assert second.take("basis") is True


def test_a_lease_left_by_a_killed_process_is_taken_over_once_expired(registry: Registry):
    lease(registry).take("basis")  # never given back
    assert lease(registry, START + EXPIRES - timedelta(minutes=1)).take("basis") is False
    assert lease(registry, START + EXPIRES).take("basis") is True


def test_a_lease_is_per_computation_basis(registry: Registry):
    lease(registry).take("before the upgrade")
    assert lease(registry).take("after the upgrade") is True


def test_giving_back_leaves_another_processs_lease_alone(registry: Registry):
    holder, other = lease(registry), lease(registry)
    holder.take("basis")
    other.release()  # holds nothing
    assert lease(registry).take("basis") is False


def upgraded(settings: Settings) -> Registry:
    """A registry with one passport whose summary the upgrade (another basis) made stale."""
    with_summaries = settings.model_copy(update={"indicators_at_write": True})
    first = build_registry(with_summaries)
    first.domain.passports.create(CHAIR, RdfFormat.TURTLE, LOADER, passport_id="chair")
    settled(first).close()
    registry = build_registry(with_summaries)
    registry.domain.indicators.basis = "after an upgrade"
    return registry


def is_caught_up(registry: Registry) -> bool:
    indicators = registry.domain.indicators
    names = registry.domain.passports.names("chair")
    return indicators.stored.state(names, "emf", indicators.basis).current is not None


def test_a_server_start_leaves_the_catch_up_to_the_process_holding_the_lease(settings: Settings):
    registry = upgraded(settings)
    CatchUpLease(registry.store, BASE).take("after an upgrade")  # another worker started first
    with TestClient(create_app(core=registry), base_url=BASE):
        assert not is_caught_up(settled(registry))
    registry.close()


def test_a_server_start_recomputes_the_summaries_an_upgrade_made_stale(settings: Settings):
    """Summaries stored under another computation basis (a new method revision or reference data) are recomputed
    in the background once the server starts, not by the first reader: the first baseline after an upgrade
    computed every passport itself (175 s at 10,000 passports)."""
    registry = upgraded(settings)
    assert not is_caught_up(registry)
    with TestClient(create_app(core=registry), base_url=BASE):
        assert is_caught_up(settled(registry))
    registry.close()


def test_a_finished_catch_up_gives_the_lease_back(settings: Settings):
    registry = upgraded(settings)
    with TestClient(create_app(core=registry), base_url=BASE):
        settled(registry)
        assert CatchUpLease(registry.store, BASE).take("after an upgrade") is True
    registry.close()


def test_a_catch_up_cut_short_by_shutdown_gives_the_lease_back(settings: Settings):
    registry = upgraded(settings)
    indicators = registry.domain.indicators
    background = indicators.summarise_after_writes()
    assert indicators.lease.take(indicators.basis)  # as a catch-up does before its search
    background.close()
    indicators.close()
    assert CatchUpLease(registry.store, BASE).take("after an upgrade") is True
    registry.store.close()
