"""Great-circle distances from WGS 84 WKT literals.

Why haversine and not road distance: the registry makes no outgoing requests (no routing service),
and a great-circle distance is a stated, reproducible lower bound of the transport distance.
"""

from __future__ import annotations

import math
import re

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius
# Half the Earth's circumference: no two points are further apart, so a larger radius is a mistake.
MAX_RADIUS_KM = math.pi * EARTH_RADIUS_KM

_CRS84 = re.compile(r"^\s*<http://www\.opengis\.net/def/crs/OGC/1\.3/CRS84>\s*", re.IGNORECASE)
_NUMBER_PAIR = re.compile(r"(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s+(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)")


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in km between two WGS 84 points given as (lon, lat) in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def point_of_wkt(wkt: str) -> tuple[float, float] | None:
    """(lon, lat) of a WKT POINT, or the mean vertex of a (MULTI)POLYGON as its representative point.

    Returns None for text that is not WKT of those kinds or has coordinates outside WGS 84 bounds,
    so bad data in one passport never breaks a search: the item just has no known location.
    """
    text = _CRS84.sub("", wkt).strip()
    kind = text.split("(", 1)[0].strip().upper()
    if kind not in {"POINT", "POLYGON", "MULTIPOLYGON"}:
        return None
    pairs = [(float(a), float(b)) for a, b in _NUMBER_PAIR.findall(text)]
    if not pairs:
        return None
    if kind != "POINT":
        ring = pairs[:-1] if len(pairs) > 1 and pairs[0] == pairs[-1] else pairs
        pairs = [(sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring))]
    lon, lat = pairs[0]
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return lon, lat
