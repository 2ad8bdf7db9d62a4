"""Where a passport's asset lies: municipality and province from its WGS 84 location, else its address.

Why the point wins over the address: `schema:addressLocality` is often a town or village that is not
a municipality (Zwolle's Westenholte, Amsterdam's Zuidoost), while the point lies in exactly one
municipality's boundary. The address is the fallback when no point is given or it lies outside the
boundaries; when both are given and name different municipalities, the point is used and the place
carries a warning, so the data can be corrected.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from shapely import wkt
from shapely.errors import GEOSException, ShapelyError
from shapely.geometry import Point

from registry.regions.boundaries import SOURCE, RegionIndex

UNKNOWN = "unknown"
MAX_WKT_CHARS = 100_000  # a building's outline is far smaller; larger text is not parsed


@dataclass(frozen=True)
class Place:
    municipality: str = UNKNOWN
    province: str = UNKNOWN
    code: str | None = None  # CBS statcode of the municipality, when it is one
    source: str | None = None  # "point" | "address" | None
    note: str | None = None  # why nothing was found, or that point and address disagree

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _point(text: str) -> tuple[float, float] | None:
    """lon, lat of a WKT point (a polygon's representative point); None when it cannot be read."""
    if len(text) > MAX_WKT_CHARS:
        return None
    body = text.strip()
    if body.startswith("<"):  # GeoSPARQL allows a CRS IRI before the geometry; only WGS 84 (CRS84) is used
        if not body.startswith("<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"):
            return None
        body = body.split(">", 1)[1]
    try:
        geometry = wkt.loads(body)
    except (GEOSException, ShapelyError, ValueError):
        return None
    if geometry.is_empty:
        return None
    point = geometry if isinstance(geometry, Point) else geometry.representative_point()
    return float(point.x), float(point.y)


def place(index: RegionIndex, wkt_text: str | None, locality: str | None, region: str | None) -> Place:
    """Municipality and province of an asset from its geometry (WKT) and postal address."""
    by_point = None
    note = None
    if wkt_text is not None:
        point = _point(wkt_text)
        if point is None:
            note = f"the location {wkt_text[:80]!r} is not a WKT geometry in WGS 84"
        else:
            by_point = index.at(*point)
            if by_point is None:
                note = (f"the location POINT({point[0]} {point[1]}) lies outside the Dutch municipalities "
                        f"({SOURCE})")
    by_address = index.named(locality) if locality else None
    if by_point is not None:
        if locality and by_address is not None and by_address.code != by_point.code:
            note = (f"the location lies in {by_point.name}, the address names {locality}; "
                    f"the location is used")
        return Place(by_point.name, by_point.province or UNKNOWN, by_point.code, "point", note)
    if by_address is not None:
        return Place(by_address.name, by_address.province or UNKNOWN, by_address.code, "address", note)
    if locality:
        province = (index.province_named(region) if region else None) or region or UNKNOWN
        return Place(locality, province, None, "address", note)
    return Place(note=note or "neither a location nor an address locality is given")
