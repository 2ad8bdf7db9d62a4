"""Dutch municipalities and provinces (CBS 2025 boundaries) and point-in-polygon look-ups over them.

Why shipped as the original TopoJSON and decoded here: the files are small (147 kB), decoding is
exact (integer arcs, one affine transform, docs in data/SOURCES.md), and keeping the source bytes
unchanged lets anyone check them against the published sha256. Source and licence: data/SOURCES.md
(Centraal Bureau voor de Statistiek, via PDOK; generalised by cartomap/nl; open data, name the source).

A municipality's province is the province polygon holding the municipality's representative point,
not a second look-up of the passport's point: both layers were simplified separately, so near a
provincial border the two look-ups could disagree, and a municipality lies in one province only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from shapely import STRtree
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

DATA = Path(__file__).with_name("data")
MUNICIPALITIES_FILE = DATA / "gemeente_2025.topojson"
PROVINCES_FILE = DATA / "provincie_2025.topojson"
SOURCE = "CBS 2025 boundaries (Centraal Bureau voor de Statistiek, via PDOK; generalised by cartomap/nl)"
# Common names that are not the CBS name of the municipality.
ALIASES = {"den haag": "'s-Gravenhage", "the hague": "'s-Gravenhage", "den bosch": "'s-Hertogenbosch"}


@dataclass(frozen=True)
class Region:
    code: str  # CBS statcode: GM0193, PV23
    name: str  # CBS statnaam: Zwolle, Overijssel
    province: str | None = None  # for a municipality: the province's name


Ring = list[tuple[float, float]]


def _decode_arcs(topology: dict[str, Any]) -> list[Ring]:
    """Quantized, delta-encoded arcs to lon/lat (TopoJSON spec 2.1.2 and 2.2)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _ring(arcs: list[Ring], indices: Sequence[int]) -> Ring:
    ring: Ring = []
    for index in indices:
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        ring.extend(points if not ring else points[1:])
    return ring


def _polygon(arcs: list[Ring], rings: Sequence[Sequence[int]]) -> Polygon:
    outer, *holes = (_ring(arcs, r) for r in rings)
    return Polygon(outer, holes)


def _geometry(arcs: list[Ring], geometry: dict[str, Any]) -> BaseGeometry:
    if geometry["type"] == "Polygon":
        return _polygon(arcs, geometry["arcs"])
    return MultiPolygon([_polygon(arcs, p) for p in geometry["arcs"]])


def read_topojson(path: Path) -> list[tuple[Region, BaseGeometry]]:
    topology = json.loads(path.read_text(encoding="utf-8"))
    arcs = _decode_arcs(topology)
    (collection,) = topology["objects"].values()
    return [(Region(g["properties"]["statcode"], g["properties"]["statnaam"]), _geometry(arcs, g))
            for g in collection["geometries"]]


class _Layer:
    """One layer of regions in an STRtree: candidates by bounding box, then an exact covers() test."""

    def __init__(self, regions: list[tuple[Region, BaseGeometry]]) -> None:
        self.regions = [r for r, _ in regions]
        self.geometries = [g for _, g in regions]
        self.tree = STRtree(self.geometries)

    def at(self, point: Point) -> Region | None:
        for index in sorted(int(i) for i in self.tree.query(point)):
            if self.geometries[index].covers(point):  # covers: a point on a boundary still counts
                return self.regions[index]
        return None


class RegionIndex:
    """Municipalities and provinces of the Netherlands, by point and by name."""

    def __init__(self, municipalities: list[tuple[Region, BaseGeometry]],
                 provinces: list[tuple[Region, BaseGeometry]]) -> None:
        self.provinces = _Layer(provinces)
        placed = [(Region(r.code, r.name, self._province_of(g)), g) for r, g in municipalities]
        self.municipalities = _Layer(placed)
        self.by_name = {r.name.casefold(): r for r, _ in placed}
        self.province_names = {r.name.casefold(): r.name for r, _ in provinces}

    def _province_of(self, geometry: BaseGeometry) -> str | None:
        province = self.provinces.at(geometry.representative_point())
        return province.name if province else None

    def at(self, lon: float, lat: float) -> Region | None:
        """The municipality holding the point (WGS 84), or None outside the Netherlands' boundaries."""
        return self.municipalities.at(Point(lon, lat))

    def named(self, name: str) -> Region | None:
        """The municipality of that CBS name (case-insensitive, a few common aliases)."""
        key = name.strip().casefold()
        return self.by_name.get(ALIASES.get(key, key).casefold())

    def province_named(self, name: str) -> str | None:
        return self.province_names.get(name.strip().casefold())


@cache
def dutch_regions() -> RegionIndex:
    """The shipped CBS 2025 boundaries, decoded once per process (about 0.2 s)."""
    return RegionIndex(read_topojson(MUNICIPALITIES_FILE), read_topojson(PROVINCES_FILE))
