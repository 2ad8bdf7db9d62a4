"""The supply index: every reusable item of every active passport, in memory, as numpy columns.

Why in memory: a radius-and-material search over a million items must answer in tens of
milliseconds, and in the on-disk store every joined property costs a seek per item. The columns
answer a filter with a few vectorised comparisons instead.

Why it is never stale: every passport write replaces the collection's change token in the store
(PassportService.change_token). Each search first reads that token (one lookup); when it differs,
the index compares every passport's current version with the one it holds and re-reads only the
passports that changed, were added or were withdrawn. This also holds with several worker processes
or a remote store, since the token lives in the store, not in a process. Writes that bypass the
passport service (admin SPARQL updates) are not seen until the next passport write.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np

from registry.concepts import ConceptScheme
from registry.indicators.carbon import load_factors
from registry.matching.geo import EARTH_RADIUS_KM
from registry.matching.supply import DIMENSION_NAMES, PassportState, SupplyFilter, SupplyItem, SupplyReader
from registry.regions.boundaries import Region, dutch_regions
from registry.store.base import TripleStore

NO_DATE = np.iinfo(np.int32).max  # sorts after every real date, so "date" order puts unknown dates last
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180
CLOCK_MARGIN = timedelta(minutes=10)
COMPACT_FROM_ROWS = 1024  # below this, dead rows cost less than rebuilding the columns

# Column name -> (dtype, value for "unknown")
COLUMNS: dict[str, tuple[type, object]] = {
    "lon": (np.float64, np.nan),
    "lat": (np.float64, np.nan),
    "material": (np.int32, -1),
    "product": (np.int32, -1),
    "available": (np.int32, NO_DATE),
    "mass": (np.float64, np.nan),
    "volume": (np.float64, np.nan),
    "count": (np.float64, 1.0),
    "grade": (np.int32, -1),
    **{name: (np.float64, np.nan) for name in DIMENSION_NAMES},
    "owner": (np.int32, -1),
    "municipality": (np.int32, -1),  # codes of casefolded CBS names, from the item's point (registry/regions/)
    "province": (np.int32, -1),
    "restricted": (np.bool_, False),
    "alive": (np.bool_, False),
}


def haversine_many(lon: float, lat: float, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """geo.haversine_km over arrays: the same formula and Earth radius, so both give the same km."""
    p1, p2 = math.radians(lat), np.radians(lats)
    dp, dl = p2 - p1, np.radians(lons - lon)
    a = np.sin(dp / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    distance: np.ndarray = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))
    return distance


class _Columns:
    """Growable numpy columns (capacity doubles), so adding a passport's items is amortised O(items)."""

    def __init__(self, capacity: int = 1024) -> None:
        self.size = 0
        self.data: dict[str, np.ndarray] = {
            name: np.full(capacity, empty, dtype=dtype) for name, (dtype, empty) in COLUMNS.items()
        }

    def append(self, rows: dict[str, list[object]]) -> range:
        n = len(rows["alive"])
        needed = self.size + n
        capacity = len(self.data["alive"])
        if needed > capacity:
            while capacity < needed:
                capacity *= 2
            for name, (dtype, empty) in COLUMNS.items():
                grown: np.ndarray = np.full(capacity, empty, dtype=dtype)
                grown[:self.size] = self.data[name][:self.size]
                self.data[name] = grown
        for name, values in rows.items():
            self.data[name][self.size:needed] = values
        added = range(self.size, needed)
        self.size = needed
        return added

    def view(self, name: str) -> np.ndarray:
        return self.data[name][:self.size]


@dataclass
class _Held:
    state: PassportState
    rows: range


class SupplyIndex:
    """Search over every supply item; refreshed from the store when its change token moves."""

    def __init__(self, store: TripleStore, concepts: ConceptScheme, change_token: Callable[[], str]) -> None:
        self.reader = SupplyReader(store, concepts)
        self.concepts = concepts
        self.change_token = change_token
        self.factors = {m: f for m, fs in load_factors().items() for f in fs if f.module == "A1-A3"}
        self._lock = threading.Lock()
        self._token: str | None = None
        self._since: datetime | None = None
        self._held: dict[str, _Held] = {}
        self._items: list[SupplyItem | None] = []
        self._columns = _Columns()
        self._codes: dict[str, dict[str, int]] = {k: {} for k in ("material", "product", "owner", "municipality",
                                                                   "province")}
        self._regions: dict[tuple[float, float], Region | None] = {}

    # --- keeping in step with the store --------------------------------------------------------

    def refresh(self) -> None:
        """Bring the index up to date with the store; cheap (one lookup) when nothing changed.

        The first call reads every passport's state; later ones only the passports whose record
        changed since the previous refresh (minus CLOCK_MARGIN, for writers on other clocks and
        writes committed a little after their timestamp), so a write costs the next search a few
        milliseconds, not a scan of every record."""
        token = self.change_token()
        if token == self._token:
            return
        with self._lock:
            if token == self._token:
                return
            started = datetime.now(UTC)
            if self._since is None:
                touched: set[str] | None = None
                current = self.reader.passports()
            else:
                touched = self.reader.changed_since(self._since - CLOCK_MARGIN)
                current = self.reader.passports(touched)
            candidates = self._held if touched is None else {g: self._held[g] for g in touched if g in self._held}
            for graph in [g for g, held in candidates.items() if current.get(g) != held.state]:
                self._drop(graph)
            fresh = [g for g in current if g not in self._held]
            by_graph: dict[str, list[SupplyItem]] = {g: [] for g in fresh}
            for item in self.reader.read(fresh):
                by_graph[item.passport].append(item)
            for graph, graph_items in by_graph.items():
                self._add(graph, current[graph], graph_items)
            if self._dead_share() > 0.5:
                self._compact()
            # Token and time are taken before reading: a write during this refresh moves the token
            # again and is inside the next window, so the next search picks it up.
            self._token, self._since = token, started

    def _code(self, kind: str, value: str | None) -> int:
        if value is None:
            return -1
        return self._codes[kind].setdefault(value, len(self._codes[kind]))

    def _add(self, graph: str, state: PassportState, items: list[SupplyItem]) -> None:
        notation = self.concepts.notation
        owner = self._code("owner", state.owner)
        regions = [self._region(i.lon, i.lat) for i in items]
        rows: dict[str, list[object]] = {
            "lon": [np.nan if i.lon is None else i.lon for i in items],
            "lat": [np.nan if i.lat is None else i.lat for i in items],
            "material": [self._code("material", i.material) for i in items],
            "product": [self._code("product", i.product_type) for i in items],
            "available": [NO_DATE if i.available_from is None else i.available_from.toordinal() for i in items],
            "mass": [np.nan if i.mass_kg is None else i.mass_kg for i in items],
            "volume": [np.nan if i.volume_m3 is None else i.volume_m3 for i in items],
            "count": [i.count for i in items],
            "grade": [notation.get(i.condition or "", -1) for i in items],
            **{name: [i.dimensions_m.get(name, np.nan) for i in items] for name in DIMENSION_NAMES},
            "owner": [owner] * len(items),
            "municipality": [self._code("municipality", r.name.casefold() if r else None) for r in regions],
            "province": [self._code("province", r.province.casefold() if r and r.province else None) for r in regions],
            "restricted": [state.restricted] * len(items),
            "alive": [True] * len(items),
        }
        self._held[graph] = _Held(state, self._columns.append(rows))
        self._items.extend(items)

    def _region(self, lon: float | None, lat: float | None) -> Region | None:
        """Items of a passport mostly share its location: one point-in-polygon test per distinct point."""
        if lon is None or lat is None:
            return None
        key = (lon, lat)
        if key not in self._regions:
            self._regions[key] = dutch_regions().at(lon, lat)
        return self._regions[key]

    def _drop(self, graph: str) -> None:
        held = self._held.pop(graph)
        self._columns.view("alive")[held.rows.start:held.rows.stop] = False
        for i in held.rows:
            self._items[i] = None

    def _dead_share(self) -> float:
        size = self._columns.size
        return 0.0 if size < COMPACT_FROM_ROWS else 1.0 - float(self._columns.view("alive").sum()) / size

    def _compact(self) -> None:
        held = sorted(self._held.items(), key=lambda kv: kv[1].rows.start)
        old_items, old = self._items, self._columns
        self._items, self._columns, self._held = [], _Columns(), {}
        for graph, h in held:
            rows = {name: old.view(name)[h.rows.start:h.rows.stop] for name in COLUMNS}
            self._held[graph] = _Held(h.state, self._columns.append(rows))  # type: ignore[arg-type]
            self._items.extend(old_items[h.rows.start:h.rows.stop])

    # --- searching ------------------------------------------------------------------------------

    def _select(self, flt: SupplyFilter) -> np.ndarray:
        """Row numbers of items passing the filter, in no particular order."""
        col = self._columns.view
        mask = col("alive").copy()
        if flt.public_only:
            visible = ~col("restricted")
            org = self._codes["owner"].get(flt.organisation) if flt.organisation else None
            if org is not None:
                visible |= col("owner") == org
            mask &= visible
        if flt.materials is not None or flt.products is not None:
            fits = np.zeros(self._columns.size, dtype=bool)
            for kind, wanted in (("material", flt.materials), ("product", flt.products)):
                if wanted is not None:
                    fits |= self._among(kind, wanted)
            mask &= fits
        if flt.available_from is not None:
            mask &= (col("available") >= flt.available_from.toordinal()) & (col("available") != NO_DATE)
        if flt.available_until is not None:
            mask &= col("available") <= flt.available_until.toordinal()
        if flt.not_after is not None:
            mask &= (col("available") <= flt.not_after.toordinal()) | (col("available") == NO_DATE)
        if flt.min_mass_kg is not None:
            mask &= np.nan_to_num(col("mass")) >= flt.min_mass_kg
        if flt.min_volume_m3 is not None:
            mask &= np.nan_to_num(col("volume")) >= flt.min_volume_m3
        if flt.min_count is not None:
            mask &= col("count") >= flt.min_count
        if flt.worst_condition is not None:
            mask &= (col("grade") >= 0) & (col("grade") <= flt.worst_condition)
        for kind, name in (("municipality", flt.municipality), ("province", flt.province)):
            if name is not None:
                mask &= self._among(kind, frozenset({name}))
        for name, low, high in flt.dimensions:
            if low is not None:
                mask &= col(name) >= low  # NaN (not stated) compares False: left out
            if high is not None:
                mask &= col(name) <= high
        if flt.radius_km is not None and flt.lon is not None and flt.lat is not None:
            # A bounding box first (cheap comparisons), the exact great circle on what is left.
            half_lat = flt.radius_km / KM_PER_DEGREE
            cos_lat = math.cos(math.radians(min(89.9, abs(flt.lat) + half_lat)))
            half_lon = 180.0 if cos_lat <= 0 else min(180.0, half_lat / cos_lat)
            mask &= np.abs(col("lat") - flt.lat) <= half_lat  # NaN (no location) compares False
            lon_gap = np.abs(col("lon") - flt.lon)
            mask &= np.minimum(lon_gap, 360.0 - lon_gap) <= half_lon
            rows = np.flatnonzero(mask)
            distance = haversine_many(flt.lon, flt.lat, col("lon")[rows], col("lat")[rows])
            return rows[distance <= flt.radius_km]
        return np.flatnonzero(mask)

    def _among(self, kind: str, values: frozenset[str]) -> np.ndarray:
        """Rows whose `kind` column holds one of `values`, by a lookup table over the codes."""
        codes = self._codes[kind]
        table = np.zeros(len(codes) + 1, dtype=bool)  # code -1 (none) reads the last slot, which stays False
        for value in values:
            if value in codes:
                table[codes[value]] = True
        selected: np.ndarray = table[self._columns.view(kind)]
        return selected

    def _distances(self, flt: SupplyFilter, rows: np.ndarray) -> np.ndarray | None:
        if flt.lon is None or flt.lat is None:
            return None
        col = self._columns.view
        return haversine_many(flt.lon, flt.lat, col("lon")[rows], col("lat")[rows])

    def _item(self, row: int, distance: float | None) -> SupplyItem:
        item = self._items[row]
        assert item is not None  # rows come from alive columns only
        # A copy: the held item is shared by concurrent searches with other centres.
        return item.at_distance(None if distance is None or math.isnan(distance) else float(distance))

    def items(self, flt: SupplyFilter) -> list[SupplyItem]:
        """Every item passing the filter, with its distance from the centre when one is given. Unsorted."""
        self.refresh()
        with self._lock:
            rows = self._select(flt)
            distances = self._distances(flt, rows)
            return [self._item(int(r), None if distances is None else distances[k]) for k, r in enumerate(rows)]

    def page(self, flt: SupplyFilter, sort: str, offset: int, limit: int) -> tuple[list[SupplyItem], int]:
        """One page of the filtered items in `sort` order ("distance" or "date"), and the total.

        Only the items that can reach the page are turned into objects: the k-th smallest key is
        found with a partition, and every item at or below it is sorted with the full key (ties on
        distance are common, since all items of a building share its location).
        """
        self.refresh()
        with self._lock:
            rows = self._select(flt)
            total = len(rows)
            distances = self._distances(flt, rows)
            if sort == "distance" and distances is not None:
                key = np.where(np.isnan(distances), np.inf, distances)
            else:
                key = self._columns.view("available")[rows].astype(np.float64)
            k = offset + limit
            if 0 < k < total:
                kth = np.partition(key, k - 1)[k - 1]
                keep = np.flatnonzero(key <= kth)
            else:
                keep = np.arange(total)
            chosen = [self._item(int(rows[i]), None if distances is None else distances[i]) for i in keep]
        if sort == "distance":
            chosen.sort(key=lambda i: (i.distance_km is None, i.distance_km or 0.0, i.tie_key))
        else:
            chosen.sort(key=lambda i: (i.available_from is None, i.available_from or date.min, i.tie_key))
        return chosen[offset:offset + limit], total
