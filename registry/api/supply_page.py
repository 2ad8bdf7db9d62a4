"""The materials search page: the supply found, in a table and on a map, with the filters that found it.

The page is the same search as the JSON answer of /materials (same parameters, same access rule); it
only adds labels, a map and links that carry the query on (export, next page).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from markupsafe import Markup
from starlette.datastructures import URL, QueryParams

from registry.api.passport_view import mass_text
from registry.api.templating import environment
from registry.matching.service import SearchPage
from registry.matching.supply import SupplyItem

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAP_ITEMS = 1000  # markers drawn (the API's largest page): the map shows every result, not the table's page
FORM_FIELDS = ("lon", "lat", "radius_km", "available_from", "available_until", "min_mass_kg", "condition", "sort")


def slug(iri: str) -> str:
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def product_name(iri: str | None) -> str:
    """A product type by its passport's id (`.../passports/ergo-chair#product` -> product ergo-chair)."""
    return f"product {iri.rsplit('/', 1)[-1].split('#')[0]}" if iri else ""


def _row(item: SupplyItem, label: Callable[[str], str], base: str) -> dict[str, str]:
    return {
        "label": item.label or slug(item.part),
        "material": label(item.material) if item.material else product_name(item.product_type),
        "mass": ("~" if item.mass_estimated else "") + mass_text(item.mass_kg),
        "count": f"{item.count:g}",
        "available_from": item.available_from.isoformat() if item.available_from else "",
        "condition": slug(item.condition) if item.condition else "",
        "distance": f"{item.distance_km:,.1f}\u00a0km" if item.distance_km is not None else "",
        "passport": slug(item.passport),
        "href": item.passport.removeprefix(base) if item.passport.startswith(base) else item.passport,
    }


def _points(items: Sequence[SupplyItem], label: Callable[[str], str], base: str) -> str:
    """Marker data for map.js, safe inside a <script> element (no '<' can close it)."""
    rows = [_row(i, label, base) for i in items]
    points = [{"lat": i.lat, "lon": i.lon, "title": r["label"], "detail": f"{r['material']} {r['mass']}".strip(),
               "href": r["href"]} for i, r in zip(items, rows, strict=True) if i.lat is not None and i.lon is not None]
    return json.dumps(points).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _link(url: URL, **params: Any) -> str:
    moved = url.include_query_params(**params)
    return f"{moved.path}?{moved.query}"


def render_materials(
    page: SearchPage, mapped: SearchPage, url: URL, materials: list[tuple[str, str]], conditions: list[str],
    label: Callable[[str], str], base: str, tiles: str, attribution: str,
) -> str:
    """`page` fills the table; `mapped` (the first MAP_ITEMS of the same search) the map."""
    rows = [_row(i, label, base) for i in page.items]
    given = QueryParams(url.query)
    query: dict[str, Any] = {name: given.get(name, "") for name in FORM_FIELDS}
    query["material"] = given.getlist("material")
    return environment().get_template("materials.html").render(
        page=page, rows=rows, points=Markup(_points(mapped.items, label, base)), materials=materials,
        conditions=conditions, query=query, tiles=tiles, attribution=attribution,
        distances=any(i.distance_km is not None for i in page.items),
        export_csv=_link(url, format="text/csv", offset=0, limit=MAP_ITEMS),
        export_xlsx=_link(url, format=XLSX, offset=0, limit=MAP_ITEMS),
        export_json=_link(url, format="application/json"),
        previous=_link(url, offset=max(page.offset - page.limit, 0)) if page.offset > 0 else None,
        following=_link(url, offset=page.offset + page.limit) if page.offset + page.limit < page.total else None,
    )
