"""The public projection is written from the content a write already has, and never from a stale one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pyoxigraph import RdfFormat

from registry.access.public import PublicProjection
from registry.core import LOADER, Registry, build_registry
from registry.settings import Settings

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
