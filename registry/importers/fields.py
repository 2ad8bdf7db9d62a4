"""Reading the values builders type (shares, dates, places, product passports) and writing them as Turtle.

Shared by the IFC and spreadsheet importers so that "30%" or "2030-01-01T00:00" means the same from
either. Parsers raise MalformedInput with a sentence a builder understands; the spreadsheet importer
reports it against the cell, the IFC importer as a warning on the element.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from registry.concepts import Density
from registry.errors import MalformedInput
from registry.importers import turtle as ttl

#: A builder's own code for a row, and the form of a passport id given instead of a full IRI.
LOCAL_ID = re.compile(r"^[A-Za-z0-9._~-]{1,100}$")
#: Decimals of a WGS 84 coordinate written: 1e-7 degrees is about a centimetre.
COORDINATE_DECIMALS = 7


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def number(value: Any) -> float | None:
    """A finite number from a cell or property, Dutch decimal commas included; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    text = str(value).strip().replace(" ", "")
    if "," in text and "." not in text:  # Dutch decimal comma
        text = text.replace(",", ".")
    try:
        parsed = float(text)
    except ValueError:
        return None
    return parsed if math.isfinite(parsed) else None


def amount(value: Any, unit: str) -> float:
    """A measured amount (mass, volume): a number of 0 or more, written without its unit."""
    parsed = number(value)
    if parsed is None or parsed < 0:
        raise MalformedInput(f"'{value}' is not a number of {unit} (write e.g. 675 or 0.27, no units)")
    return parsed


def fraction(value: Any) -> float:
    """A share 0..1, or a percentage: "30%", or 30 (builders type 30 for 30 %; any number above 1 is one)."""
    text = str(value).strip()
    parsed = number(text.rstrip("%"))
    if parsed is not None and (text.endswith("%") or parsed > 1):
        parsed = parsed / 100
    if parsed is None or not 0 <= parsed <= 1:
        raise MalformedInput(f"'{value}' is not a share between 0 and 1 (or 0% to 100%)")
    return parsed


def day(value: Any) -> date:
    """A date from a spreadsheet date cell or ISO 8601 text (a date-time counts for its day)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text).date()
    except ValueError:
        raise MalformedInput(f"'{value}' is not a date; write it as YYYY-MM-DD") from None


def date_literal(value: Any) -> str:
    return ttl.typed(day(value).isoformat(), "xsd:date")


def point(text: str) -> tuple[float, float]:
    """(lon, lat) from "lon lat", "lon, lat" or "lon,lat"; Dutch decimal commas ("5,12 52,09") need the space form."""
    parts = [p.strip(",") for p in str(text).split()]
    if len(parts) == 1:
        parts = parts[0].split(",")
    numbers = [number(p) for p in parts]
    if len(numbers) != 2 or numbers[0] is None or numbers[1] is None:
        raise MalformedInput(f"'{text}' is not 'longitude latitude', e.g. '5.1214 52.0907'")
    return check_point(numbers[0], numbers[1], f"'{text}'")


def check_point(lon: float, lat: float, shown: str | None = None) -> tuple[float, float]:
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise MalformedInput(f"{shown or f'({lon}, {lat})'} is outside the earth: longitude first (-180..180), "
                             "then latitude (-90..90)")
    return lon, lat


def _coordinate(value: float) -> str:
    return format(Decimal(repr(round(value, COORDINATE_DECIMALS))).normalize(), "f")


def geometry(lon: float, lat: float) -> str:
    """The object of geo:hasGeometry: a WKT point (WGS 84, longitude first)."""
    check_point(lon, lat)
    wkt = ttl.typed(f"POINT({_coordinate(lon)} {_coordinate(lat)})", "geo:wktLiteral")
    return f"[ a geo:Geometry ; geo:asWKT {wkt} ]"


def product_type(text: str, base: str) -> str:
    """The product passport an item is an instance of: a full IRI, or a passport id in this registry."""
    value = str(text).strip()
    if value.startswith(("http://", "https://")):
        return ttl.iri(value)
    if LOCAL_ID.match(value):
        return ttl.iri(f"{base.rstrip('/')}/passports/{value}")
    raise MalformedInput(f"'{value}' is neither a passport id nor an http(s) IRI")


def estimated_mass(volume_m3: float, density: Density) -> tuple[float, str]:
    """Mass from volume x the concept's typical density, with the sentence that says so in the passport."""
    source = f"volume x typical density {density.kg_per_m3:g} kg/m3 ({density.source})"
    return volume_m3 * density.kg_per_m3, source


@dataclass(frozen=True)
class Composition:
    """One material of a part as the importers state it; `turtle()` is the object of mpr:composedOf."""

    material: str
    label: str | None = None
    volume_m3: float | None = None
    mass_kg: float | None = None
    mass_source: str | None = None
    recycled: float | None = None
    reused: float | None = None
    #: The mpr:MaterialMatch node (Turtle) saying how the material was derived from the source's name.
    provenance: str | None = None

    def turtle(self) -> str:
        pairs = [("a", "mpr:MaterialComposition"), ("mpr:material", ttl.iri(self.material))]
        if self.label:
            pairs.append(("rdfs:label", ttl.text(self.label)))
        if self.volume_m3 is not None:
            pairs.append(("mpr:volume", ttl.quantity(self.volume_m3, "M3")))
        if self.mass_kg is not None:
            pairs.append(("mpr:mass", ttl.quantity(self.mass_kg, "KiloGM", self.mass_source)))
        if self.recycled is not None:
            pairs.append(("mpr:recycledContent", ttl.decimal(self.recycled)))
        if self.reused is not None:
            pairs.append(("mpr:reusedContent", ttl.decimal(self.reused)))
        if self.provenance is not None:
            pairs.append(("prov:qualifiedDerivation", self.provenance))
        return "[ " + " ; ".join(f"{p} {o}" for p, o in pairs) + " ]"
