"""The public projection is written from the content a write already has, and never from a stale one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pyoxigraph import RdfFormat

from bench.generate import building
from registry.access.public import PublicProjection
from registry.core import LOADER, Registry, build_registry
from registry.passports import records
from registry.settings import Settings
from registry.store import oxigraph
from registry.store.base import Changeset, GraphChange
from registry.store.oxigraph import BULK_FROM

RENAMED = (b"Column C1", b"Column C1 renamed")


@pytest.fixture
def registry(settings: Settings) -> Iterator[Registry]:
    built = build_registry(settings)
    yield built
    built.close()


def _public_content(registry: Registry, passport_id: str) -> set[object]:
    assert registry.public_store is not None
    return set(registry.public_store.triples(registry.domain.passports.names(passport_id).content_graph))


def test_a_write_projects_the_content_it_stored(registry: Registry, passport_ttl: bytes) -> None:
    passports = registry.domain.passports
    passports.create(passport_ttl, RdfFormat.TURTLE, LOADER, passport_id="p1")
    passports.replace("p1", passport_ttl.replace(*RENAMED), RdfFormat.TURTLE, LOADER)
    _, stored = passports.content("p1")
    assert _public_content(registry, "p1") == set(stored)


def test_content_of_a_superseded_version_is_not_projected(registry: Registry, passport_ttl: bytes) -> None:
    """A writer whose hook runs after another writer's newer version projects what is current."""
    passports = registry.domain.passports
    assert registry.public_store is not None
    passports.create(passport_ttl, RdfFormat.TURTLE, LOADER, passport_id="p1")
    _, first = passports.content("p1")
    passports.replace("p1", passport_ttl.replace(*RENAMED), RdfFormat.TURTLE, LOADER)
    _, current = passports.content("p1")
    projection = PublicProjection(passports, registry.public_store, frozenset())
    projection.sync("p1", version=1, content=first)
    assert _public_content(registry, "p1") == set(current) != set(first)


def test_a_passport_written_in_bulk_is_projected_whole_with_its_record(registry: Registry) -> None:
    """From BULK_FROM triples both stores take the write as one bulk ingest; the projection is still all there."""
    passports = registry.domain.passports
    assert registry.public_store is not None
    passports.create(building(BULK_FROM + 2_000).encode(), RdfFormat.TURTLE, LOADER, passport_id="big")
    _, stored = passports.content("big")
    assert len(stored) >= BULK_FROM
    assert _public_content(registry, "big") == set(stored)
    iri = passports.names("big").iri
    assert records.versions(registry.public_store, [iri]) == {iri: 1}


def test_a_bulk_write_leaves_only_its_own_change_token(registry: Registry) -> None:
    """The superseded token is removed right after the bulk ingest (Changeset.cleanup)."""
    passports = registry.domain.passports
    for passport_id in ("big-1", "big-2"):
        passports.create(building(BULK_FROM + 2_000).encode(), RdfFormat.TURTLE, LOADER, passport_id=passport_id)
    (token,) = registry.store.triples(passports.changes_node)
    assert token.object.value.startswith("big-2 v1 ")


def test_a_projection_lost_between_the_two_writes_is_repaired(registry: Registry, passport_ttl: bytes) -> None:
    """What start-up runs (build_registry: PublicProjection.repair) brings back a projection a crash lost."""
    passports = registry.domain.passports
    public = registry.public_store
    assert public is not None
    passports.create(passport_ttl, RdfFormat.TURTLE, LOADER, passport_id="p1")
    _, stored = passports.content("p1")
    names = passports.names("p1")
    # The crash this stands for: the full store written, the process killed before the public store was.
    graphs = (names.content_graph, names.record_graph)
    public.apply(Changeset([GraphChange(g, remove=public.triples(g)) for g in graphs]))
    assert _public_content(registry, "p1") == set()
    assert PublicProjection(passports, public, frozenset()).repair() == ["p1"]
    assert _public_content(registry, "p1") == set(stored)


def test_a_passport_written_in_chunks_is_stored_and_projected_whole(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above BULK_CHUNK quads a new graph goes in as several ingests, completed by a marker: both stores end
    with exactly the prepared content and the record, and no marker is left."""
    monkeypatch.setattr(oxigraph, "BULK_CHUNK", 3_000)
    passports = registry.domain.passports
    assert registry.public_store is not None
    data = building(BULK_FROM + 2_000).encode()
    passports.create(data, RdfFormat.TURTLE, LOADER, passport_id="big")
    names = passports.names("big")
    prepared = set(passports.prepare(data, RdfFormat.TURTLE, names))
    assert set(registry.store.triples(names.content_graph)) == prepared
    assert _public_content(registry, "big") == prepared
    for store in (registry.store, registry.public_store):
        assert records.versions(store, [names.iri]) == {names.iri: 1}
        assert store.count(oxigraph.PENDING_GRAPH) == 0
