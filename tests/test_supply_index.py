"""The in-memory supply index stays in step with the store: across processes, versions and withdrawals.

Two registry cores over one `oxigraph serve` stand for two API worker processes: what one writes, the
other's next search must show, although each keeps its own index in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields, replace
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat

from registry.core import Registry, build_registry
from registry.matching import index
from registry.matching.supply import SupplyFilter, SupplyItem
from registry.passports import Agent
from registry.settings import Settings
from tests import servers
from tests.conftest import ADMIN, BASE
from tests.matching_data import passport

oxigraph_server = servers.oxigraph_server  # fixture, used by name
BUILDER = Agent("builder", "acme", "builder")
MAT = "https://w3id.org/mpr/materials/"
CONCRETE = frozenset({MAT + "concrete"})


@pytest.fixture
def two_workers(oxigraph_server: servers.OxigraphServer, tmp_path: Path) -> Iterator[tuple[Registry, Registry]]:
    cores = [build_registry(Settings(data=tmp_path / f"unused-{n}", admin_token=ADMIN, load_examples=False,
                                     base_url=BASE, **oxigraph_server.settings())) for n in (1, 2)]
    yield cores[0], cores[1]
    for core in cores:
        core.close()


def _labels(core: Registry, flt: SupplyFilter | None = None) -> list[str]:
    return sorted(i.label or "" for i in core.domain.matching.supply.items(flt or SupplyFilter()))


def test_a_write_by_one_worker_shows_in_the_other_workers_next_search(two_workers) -> None:
    writer, reader = two_workers
    writer.domain.passports.create(passport("First", 5.0, 52.0), RdfFormat.TURTLE, BUILDER, passport_id="first")
    assert _labels(reader) == ["First part"]
    writer.domain.passports.create(passport("Second", 5.1, 52.0), RdfFormat.TURTLE, BUILDER, passport_id="second")
    assert _labels(reader) == ["First part", "Second part"]


def test_a_new_version_replaces_the_items_of_the_old_one(two_workers) -> None:
    writer, reader = two_workers
    hall = passport("Hall", 5.0, 52.0, mass=1000)
    writer.domain.passports.create(hall, RdfFormat.TURTLE, BUILDER, passport_id="hall")
    assert [i.mass_kg for i in reader.domain.matching.supply.items(SupplyFilter())] == [1000.0]
    writer.domain.passports.replace("hall", passport("Hall", 5.0, 52.0, mass=250), RdfFormat.TURTLE, BUILDER)
    assert [i.mass_kg for i in reader.domain.matching.supply.items(SupplyFilter())] == [250.0]


def test_a_withdrawn_passport_leaves_the_other_workers_index(two_workers) -> None:
    writer, reader = two_workers
    writer.domain.passports.create(passport("Gone", 5.0, 52.0), RdfFormat.TURTLE, BUILDER, passport_id="gone")
    assert _labels(reader) == ["Gone part"]
    writer.domain.passports.withdraw("gone", BUILDER)
    assert _labels(reader) == []


def test_restricting_a_passport_hides_it_from_outsiders_but_not_its_owner(two_workers) -> None:
    writer, reader = two_workers
    writer.domain.passports.create(passport("Yard", 5.0, 52.0), RdfFormat.TURTLE, BUILDER, passport_id="yard")
    writer.domain.passports.replace("yard", passport("Yard", 5.0, 52.0, restricted=True), RdfFormat.TURTLE, BUILDER)
    assert _labels(reader) == []
    assert _labels(reader, SupplyFilter(organisation="acme")) == ["Yard part"]
    assert _labels(reader, SupplyFilter(public_only=False)) == ["Yard part"]


def test_many_changes_compact_the_index_without_losing_items(core: Registry, monkeypatch) -> None:
    """Every replace leaves dead rows behind; once they are most of the index it is rebuilt."""
    monkeypatch.setattr(index, "COMPACT_FROM_ROWS", 10)
    for n in range(12):
        core.domain.passports.create(passport(f"B{n}", 5.0 + n / 100, 52.0), RdfFormat.TURTLE, BUILDER,
                                     passport_id=f"b{n}")
    supply = core.domain.matching.supply
    for round_ in range(150):
        n = round_ % 12
        core.domain.passports.replace(f"b{n}", passport(f"B{n}", 5.0 + n / 100, 52.0, mass=100 + round_),
                               RdfFormat.TURTLE, BUILDER)
        supply.refresh()
    items = supply.items(SupplyFilter(materials=CONCRETE))
    assert sorted(i.label or "" for i in items) == sorted(f"B{n} part" for n in range(12))
    assert {i.label: i.mass_kg for i in items}["B5 part"] == 100 + 149  # round 149 (149 % 12 = 5) was b5's last
    assert supply._columns.size <= 2 * 12  # compacted: not 162 rows, 150 of them dead


def test_paging_by_distance_breaks_ties_by_part(core: Registry) -> None:
    """All items of one building share its location: the page must not cut such a tie at random."""
    for n in range(5):
        core.domain.passports.create(passport(f"Same{n}", 5.0, 52.0), RdfFormat.TURTLE, BUILDER, passport_id=f"same{n}")
    core.domain.passports.create(passport("Near", 5.0, 52.01), RdfFormat.TURTLE, BUILDER, passport_id="near")
    flt = SupplyFilter(lon=5.0, lat=52.0)
    first, total = core.domain.matching.supply.page(flt, "distance", 0, 3)
    rest, _ = core.domain.matching.supply.page(flt, "distance", 3, 3)
    assert total == 6
    assert [i.part.split("/")[-1] for i in first + rest] == [
        "same0#part", "same1#part", "same2#part", "same3#part", "same4#part", "near#part"]


def test_a_copy_at_a_distance_keeps_every_other_field() -> None:
    """at_distance spells the fields out for speed; it must stay equal to dataclasses.replace."""
    values = {f.name: f"v-{f.name}" for f in fields(SupplyItem)}
    item = SupplyItem(**values)  # type: ignore[arg-type]
    assert item.at_distance(3.5) == replace(item, distance_km=3.5)
