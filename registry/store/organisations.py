"""What the stores of organisation-owned, versioned graphs share: material mappings and carbon factor sets.

Why one base: both keep one graph per organisation (and per set) under `{base}/organisations/{org}/...`,
resolve concepts on write and stamp each version with the time; built alike, they are wired alike in
`registry.core` and a test can give both the same clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from registry.concepts import ConceptScheme
from registry.store.base import TripleStore


def _now() -> datetime:
    return datetime.now(UTC)


class OrganisationGraphs:
    """The store, the registry's base IRI (no trailing slash), the concept scheme and the clock."""

    def __init__(self, store: TripleStore, base: str, concepts: ConceptScheme,
                 clock: Callable[[], datetime] = _now) -> None:
        self.store = store
        self.base = base.rstrip("/")
        self.concepts = concepts
        self.clock = clock
