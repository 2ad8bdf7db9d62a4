"""Baseline figures of past versions, kept in memory between baselines `?at=` a moment.

Why: a baseline at an earlier moment rebuilds the versions current then into a store of its own
(scope.py), where nothing can be stored, so every request rebuilt and recomputed every passport. A
version never changes once written, so its figures depend only on it, on the product types it refers
to as they were at the moment (their versions are checked on every use) and on the computation basis
(method revision, reference data, ontology; part of the key). A passport whose entry still holds is
neither rebuilt nor computed. Bounded by the parts held, least recently used first out.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from threading import Lock

from registry.indicators.result import Indicators

# One entry weighs 1 + its number of parts; a small building passport holds tens, a large one thousands.
MAX_WEIGHT = 500_000


@dataclass(frozen=True)
class PastEntry:
    """One past version's indicators (with parts) and its baseline entry (registry/reports/baseline.py)."""

    types: tuple[tuple[str, int | None], ...]  # product-type graphs it refers to, and their versions then
    result: Indicators
    entry: dict[str, object]


class PastIndicators:
    """(passport IRI, version, computation basis) -> PastEntry; shared by every request of one registry."""

    def __init__(self, max_weight: int = MAX_WEIGHT) -> None:
        self.max_weight = max_weight
        self.weight = 0
        self._entries: OrderedDict[Hashable, PastEntry] = OrderedDict()
        self._lock = Lock()

    def get(self, key: Hashable) -> PastEntry | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: Hashable, found: PastEntry) -> None:
        weight = 1 + len(found.result.parts)
        if weight > self.max_weight:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            self.weight -= 0 if old is None else 1 + len(old.result.parts)
            self._entries[key] = found
            self.weight += weight
            while self.weight > self.max_weight:
                _, dropped = self._entries.popitem(last=False)
                self.weight -= 1 + len(dropped.result.parts)
