"""/materials: the available supply, filtered, paged and sorted; JSON or CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from openpyxl import Workbook

from registry.api.deps import MAX_OFFSET, blocking, get_agent, get_registry
from registry.api.negotiation import choose
from registry.api.openapi import answers, errors
from registry.api.responses import JSONResponse
from registry.api.supply_page import MAP_ITEMS, XLSX, render_materials
from registry.core import Registry
from registry.matching.geo import MAX_RADIUS_KM
from registry.matching.service import SearchPage
from registry.matching.supply import SupplyFilter
from registry.namespaces import CONDITIONS
from registry.passports.model import Agent
from registry.quantities import tidy

router = APIRouter(tags=["matching"])

# Bounds of the quantity filters: far above any real item (a filter above them could only find
# nothing), and they keep NaN and infinity out of the index arithmetic.
MAX_MASS_KG = 1e12
MAX_VOLUME_M3 = 1e9
MAX_COUNT = 1e12
MAX_LENGTH_M = 1e5
MAX_AREA_M2 = 1e10

CSV_COLUMNS = ("passport", "part", "label", "material", "material_label", "product_type", "mass_kg", "mass_estimated",
               "volume_m3", "count", "lon", "lat", "distance_km", "available_from", "condition", "declared_a1a3_kg")


def _cell(value: object) -> object:
    return "" if value is None else tidy(value) if isinstance(value, float) else value


def _rows(page: SearchPage, label: Callable[[str], str]) -> list[list[object]]:
    """CSV_COLUMNS of each item; the material's label beside its IRI, for people reading the sheet (issue 16)."""
    rows = []
    for item in page.items:
        row = item.as_dict()
        row["material_label"] = label(item.material) if item.material else None
        rows.append([row[c] for c in CSV_COLUMNS])
    return rows


def _csv(page: SearchPage, label: Callable[[str], str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows([_cell(value) for value in row] for row in _rows(page, label))
    return out.getvalue()


def _xlsx(page: SearchPage, label: Callable[[str], str]) -> bytes:
    """The CSV's columns as a spreadsheet, numbers as numbers (a CSV opened in a spreadsheet guesses them)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "materials"
    sheet.append(list(CSV_COLUMNS))
    for row in _rows(page, label):
        sheet.append([tidy(v) if isinstance(v, float) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _html(registry: Registry, agent: Agent, flt: SupplyFilter, sort: str | None, page: SearchPage,
          request: Request) -> str:
    concepts = registry.concepts
    whole = page.offset == 0 and page.total <= len(page.items)
    mapped = page if whole else registry.matching.search(agent, flt, sort, 0, MAP_ITEMS)
    materials = sorted(((iri, concepts.label(iri)) for iri in concepts.materials), key=lambda m: m[1].casefold())
    conditions = sorted(c.rsplit("/", 1)[-1] for c in concepts.members(CONDITIONS))
    settings = registry.settings
    return render_materials(page, mapped, request.url, materials, conditions, concepts.label, settings.base,
                            settings.map_tiles, settings.map_attribution)


OFFERS = ["application/json", "text/csv", XLSX, "text/html"]


@router.get("/materials", summary="Materials available for reuse: filter by material (with narrower concepts), "
            "place and radius, dates, quantity and condition",
            responses=answers(*OFFERS) | errors(400, 401, 406))
async def list_materials(
    request: Request,
    material: list[str] = Query([], description="Material concept IRI, mat:slug or slug; repeatable"),
    narrower: bool = Query(True, description="Include narrower concepts of the materials scheme"),
    product: list[str] = Query([], description="Product type IRI (a schema:Product of a passport); repeatable. "
                               "With material, items of either are listed"),
    lon: float | None = Query(None, ge=-180, le=180, description="Centre longitude (WGS 84)"),
    lat: float | None = Query(None, ge=-90, le=90, description="Centre latitude (WGS 84)"),
    radius_km: float | None = Query(None, ge=0, le=MAX_RADIUS_KM,
                                    description="Great-circle radius around lon/lat in km"),
    available_from: date | None = Query(None, description="Available on or after this date"),
    available_until: date | None = Query(None, description="Available on or before this date"),
    min_mass_kg: float | None = Query(None, ge=0, le=MAX_MASS_KG),
    min_volume_m3: float | None = Query(None, ge=0, le=MAX_VOLUME_M3),
    min_count: float | None = Query(None, ge=0, le=MAX_COUNT),
    min_length_m: float | None = Query(None, ge=0, le=MAX_LENGTH_M,
                                       description="Per item (mpr:length); items without one are left out"),
    max_length_m: float | None = Query(None, ge=0, le=MAX_LENGTH_M),
    min_width_m: float | None = Query(None, ge=0, le=MAX_LENGTH_M, description="schema:width"),
    max_width_m: float | None = Query(None, ge=0, le=MAX_LENGTH_M),
    min_height_m: float | None = Query(None, ge=0, le=MAX_LENGTH_M, description="schema:height"),
    max_height_m: float | None = Query(None, ge=0, le=MAX_LENGTH_M),
    min_depth_m: float | None = Query(None, ge=0, le=MAX_LENGTH_M, description="schema:depth"),
    max_depth_m: float | None = Query(None, ge=0, le=MAX_LENGTH_M),
    min_area_m2: float | None = Query(None, ge=0, le=MAX_AREA_M2, description="mpr:area, per item"),
    max_area_m2: float | None = Query(None, ge=0, le=MAX_AREA_M2),
    condition: str | None = Query(None, description="Worst acceptable condition (new, as-new, good, fair, poor)"),
    municipality: str | None = Query(None, max_length=100, description="Only items located in this municipality "
                                     "(CBS 2025 name, e.g. Zwolle; by the item's point)"),
    province: str | None = Query(None, max_length=100, description="Only items located in this province"),
    sort: str | None = Query(None, description="distance (needs lon/lat; the default with them) or date"),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    limit: int = Query(50, ge=1, le=1000),
    format: str | None = Query(None, description="application/json, text/csv, the XLSX media type or text/html; "
                               "overrides Accept"),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> Response:
    media_type = choose(format or request.headers.get("accept"), OFFERS)
    matching = registry.matching
    flt = await blocking(  # checking product types reads the store
        matching.supply_filter, material, narrower, product, lon=lon, lat=lat, radius_km=radius_km,
        available_from=available_from, available_until=available_until, min_mass_kg=min_mass_kg,
        min_volume_m3=min_volume_m3, min_count=min_count, condition=condition, min_length_m=min_length_m,
        max_length_m=max_length_m,
        min_width_m=min_width_m, max_width_m=max_width_m, min_height_m=min_height_m, max_height_m=max_height_m,
        min_depth_m=min_depth_m, max_depth_m=max_depth_m, min_area_m2=min_area_m2, max_area_m2=max_area_m2,
        municipality=municipality, province=province,
    )
    page = await blocking(matching.search, agent, flt, sort, offset, limit)
    if media_type == "text/csv":
        return Response(_csv(page, registry.concepts.label), media_type="text/csv; charset=utf-8")
    if media_type == XLSX:
        return Response(await blocking(_xlsx, page, registry.concepts.label), media_type=XLSX,
                        headers={"Content-Disposition": 'attachment; filename="materials.xlsx"'})
    if media_type == "text/html":
        html = await blocking(_html, registry, agent, flt, sort, page, request)
        return HTMLResponse(html, headers={"Vary": "Accept"})
    body: dict[str, object] = {"items": [i.as_dict() for i in page.items], "total": page.total,
                               "offset": page.offset, "limit": page.limit}
    if page.offset + page.limit < page.total:
        following = request.url.include_query_params(offset=page.offset + page.limit, limit=page.limit)
        body["next"] = f"{following.path}?{following.query}"
    return JSONResponse(body)
