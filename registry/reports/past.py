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
from typing import Any

from registry.indicators.result import Indicators

# One entry weighs 1 + its number of rows (layer x material per part); a small building passport holds tens,
# a large one thousands.
MAX_WEIGHT = 500_000


@dataclass(frozen=True)
class Tally:
    """What an organisation baseline sums of one passport's indicators besides its entry's rows."""

    total_mass_kg: float
    mci: float | None
    mci_mass_kg: float
    carbon_kg_co2e_by_module: dict[str, float]
    available_kg_by_year: dict[str, float]

    @classmethod
    def of(cls, result: Indicators) -> Tally:
        return cls(result.total_mass_kg, result.mci, result.mci_mass_kg, dict(result.carbon_kg_co2e_by_module),
                   {year: sum(materials.values()) for year, materials in result.mass_kg_by_year_and_material.items()})


def stored_entry(iri: str, version: int, stored: dict[str, Any]) -> tuple[Tally, dict[str, object]]:
    """A tally and baseline entry as stored with a summary (registry/reports/baseline.py `describe`)."""
    entry: dict[str, object] = {"passport": iri.rsplit("/", 1)[-1], "version": version, **stored["entry"]}
    entry["rows"] = [tuple(row) for row in stored["entry"]["rows"]]
    return Tally(**stored["tally"]), entry


@dataclass(frozen=True)
class PastEntry:
    """One past version's tally and its baseline entry (registry/reports/baseline.py)."""

    types: tuple[tuple[str, int | None], ...]  # product-type graphs it refers to, and their versions then
    tally: Tally
    entry: dict[str, object]

    @property
    def weight(self) -> int:
        return 1 + len(self.entry["rows"])  # type: ignore[arg-type]


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
        weight = found.weight
        if weight > self.max_weight:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            self.weight -= 0 if old is None else old.weight
            self._entries[key] = found
            self.weight += weight
            while self.weight > self.max_weight:
                _, dropped = self._entries.popitem(last=False)
                self.weight -= dropped.weight
