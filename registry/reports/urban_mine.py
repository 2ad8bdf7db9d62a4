"""The urban mine: mass by material, region and year of availability over all active building passports.

Why it is built on IndicatorService instead of one SPARQL aggregate: the report must agree with each
passport's own indicators (product-type fallback, part-level masses, unit conversion, the building's
availability date for parts without their own), so it sums the same per-part figures.

Regions come from the building's location: the municipality whose CBS 2025 boundary holds its WGS 84
point, with the province that holds the municipality; the postal address is the fallback, and a
disagreement between the two is reported per passport (registry/regions/placing.py).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from registry.errors import NotComputable, NotFound
from registry.indicators.data import PREFIXES
from registry.indicators.service import IndicatorService
from registry.passports.model import Page
from registry.quantities import tidy
from registry.regions.placing import UNKNOWN
from registry.reports.scope import Scope, all_pages, current_scope

__all__ = ["UNKNOWN", "RegionFilter", "UrbanMine", "urban_mine", "urban_mine_over"]

BUILDINGS = PREFIXES + """SELECT ?g WHERE { GRAPH ?g {
  ?g mpr:describes ?asset . ?asset a ?type . VALUES ?type { bot:Building bot:Site }
} }"""


@dataclass(frozen=True)
class RegionFilter:
    """Only passports in this municipality and/or province (names as CBS writes them, any case)."""

    municipality: str | None = None
    province: str | None = None

    def admits(self, municipality: str, province: str) -> bool:
        return ((self.municipality is None or self.municipality.casefold() == municipality.casefold())
                and (self.province is None or self.province.casefold() == province.casefold()))


@dataclass
class UrbanMine:
    passports: list[str] = field(default_factory=list)
    total_kg: float = 0.0
    by_material: dict[str, float] = field(default_factory=dict)
    by_municipality: dict[str, float] = field(default_factory=dict)
    by_province: dict[str, float] = field(default_factory=dict)
    by_year: dict[str, float] = field(default_factory=dict)
    rows: list[dict[str, object]] = field(default_factory=list)
    # passports whose stored data cannot be computed (registry.errors.NotComputable), with the reason:
    # left out of every sum instead of failing the whole report
    left_out: dict[str, str] = field(default_factory=dict)
    # passport -> how its region was found, where not plainly (no place, outside NL, point and address disagree)
    region_notes: dict[str, str] = field(default_factory=dict)
    at: str | None = None  # the moment the report shows (?at=), None for now
    versions: dict[str, int] = field(default_factory=dict)  # passport -> the version summed

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)

    def filtered(self, materials: frozenset[str] | None = None, year: str | None = None) -> UrbanMine:
        """The report over the rows of some materials and one year of availability (the page's filters);
        every total is summed again from those rows, from the same cells as the whole report."""
        cells: dict[tuple[str, str, str, str, str], float] = {}
        for r in self.rows:
            if (materials is None or r["material"] in materials) and (year is None or r["year"] == year):
                key = (str(r["passport"]), str(r["municipality"]), str(r["province"]), str(r["year"]),
                       str(r["material"]))
                cells[key] = cast(float, r["mass_kg"])
        part = UrbanMine(passports=sorted({k[0] for k in cells}), left_out=dict(self.left_out),
                         region_notes=dict(self.region_notes), at=self.at, versions=dict(self.versions))
        _total(part, cells)
        return part

    def csv(self, label: Callable[[str], str] = str) -> str:
        """The rows, with each material's `label` beside its IRI and masses without float noise (issue 16)."""
        out = io.StringIO()
        # columns are added at the end, so readers by position keep working
        writer = csv.DictWriter(out, ["passport", "municipality", "province", "year", "material", "mass_kg",
                                      "version", "material_label"], lineterminator="\n")
        writer.writeheader()
        for row in self.rows:
            writer.writerow({**row, "material_label": label(str(row["material"])), "mass_kg": _tidy(row["mass_kg"])})
        return out.getvalue()


def _tidy(value: object) -> object:
    return tidy(value) if isinstance(value, float) else value


def urban_mine(list_page: Callable[[int, int], Page], indicators: IndicatorService,
               regions: RegionFilter | None = None) -> UrbanMine:
    """Sum the stated (not rolled-up) material masses of every part of every active building passport.

    `list_page(offset, limit)` lists the passports to include: the caller's visible ones over HTTP,
    all of them for a local administrator.
    """
    return urban_mine_over(current_scope(indicators, all_pages(list_page)), regions or RegionFilter())


def urban_mine_over(scope: Scope, regions: RegionFilter) -> UrbanMine:
    """The report over one scope: now, or the versions current at an earlier moment."""
    report = UrbanMine(at=scope.at)
    cells: dict[tuple[str, str, str, str, str], float] = defaultdict(float)
    for row in scope.store.select(BUILDINGS):
        graph = row["g"].value
        if graph not in scope.versions:
            continue
        passport_id = graph.rsplit("/", 1)[-1]
        where = scope.place_of(graph)
        if not regions.admits(where.municipality, where.province):
            continue
        if where.note:
            report.region_notes[passport_id] = where.note
        try:
            result = scope.indicators.compute(passport_id, warnings=False)  # a stored summary when still exact
        except NotComputable as exc:
            report.left_out[passport_id] = str(exc.extra.get("reason", exc.message))
            continue
        except NotFound as exc:  # withdrawn after the scope was listed: counted at the next call
            report.left_out[passport_id] = exc.message
            continue
        report.passports.append(passport_id)
        report.versions[passport_id] = scope.versions[graph]
        for year, materials in result.mass_kg_by_year_and_material.items():
            for material, kg in materials.items():
                cells[(passport_id, where.municipality, where.province, year, material)] += kg
    _total(report, cells)
    return report


def _total(report: UrbanMine, cells: dict[tuple[str, str, str, str, str], float]) -> None:
    totals: dict[str, dict[str, float]] = {k: defaultdict(float) for k in ("m", "mun", "prov", "year")}
    for (pid, municipality, province, year, material), kg in sorted(cells.items()):
        report.rows.append({"passport": pid, "version": report.versions[pid], "municipality": municipality,
                            "province": province, "year": year, "material": material, "mass_kg": kg})
        report.total_kg += kg
        totals["m"][material] += kg
        totals["mun"][municipality] += kg
        totals["prov"][province] += kg
        totals["year"][year] += kg
    report.by_material = dict(sorted(totals["m"].items(), key=lambda kv: -kv[1]))
    report.by_municipality = dict(sorted(totals["mun"].items()))
    report.by_province = dict(sorted(totals["prov"].items()))
    report.by_year = dict(sorted(totals["year"].items()))
    report.passports.sort()
