"""The urban mine: mass by material, region and year of availability over all active building passports.

Why it is built on IndicatorService instead of one SPARQL aggregate: the report must agree with each
passport's own indicators (product-type fallback, part-level masses, unit conversion, the building's
availability date for parts without their own), so it sums the same per-part figures.

Regions come from the building's postal address: schema:addressLocality is the municipality, and the
province is schema:addressRegion where given, else looked up in `municipalities.csv` (a small table of
Dutch municipalities used by the examples; polygons for a location-only passport are not shipped yet).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from registry.errors import NotComputable
from registry.indicators.data import PREFIXES
from registry.indicators.service import IndicatorService
from registry.passports.model import Page
from registry.quantities import tidy

MUNICIPALITIES = Path(__file__).with_name("municipalities.csv")
UNKNOWN = "unknown"

BUILDINGS = PREFIXES + """SELECT ?g ?locality ?region WHERE { GRAPH ?g {
  ?g mpr:describes ?asset . ?asset a ?type . VALUES ?type { bot:Building bot:Site }
  OPTIONAL { ?asset schema:address ?address .
             OPTIONAL { ?address schema:addressLocality ?locality }
             OPTIONAL { ?address schema:addressRegion ?region } }
} }"""


def provinces(path: Path = MUNICIPALITIES) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["municipality"].casefold(): row["province"] for row in csv.DictReader(handle)}


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

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)

    def filtered(self, region: str | None = None, materials: frozenset[str] | None = None,
                 year: str | None = None) -> UrbanMine:
        """The report over the rows of one region (municipality or province, any case), some materials
        and one year of availability; every total is summed again from those rows."""
        wanted = region.casefold() if region else None
        rows = [r for r in self.rows
                if (wanted is None or wanted in (str(r["municipality"]).casefold(), str(r["province"]).casefold()))
                and (materials is None or r["material"] in materials) and (year is None or r["year"] == year)]
        return _summed(rows, self.left_out)

    def csv(self, label: Callable[[str], str] = str) -> str:
        """The rows, with each material's `label` beside its IRI and masses without float noise (issue 16)."""
        out = io.StringIO()
        writer = csv.DictWriter(out, ["passport", "municipality", "province", "year", "material", "material_label",
                                      "mass_kg"], lineterminator="\n")
        writer.writeheader()
        for row in self.rows:
            writer.writerow({**row, "material_label": label(str(row["material"])), "mass_kg": _tidy(row["mass_kg"])})
        return out.getvalue()


def _tidy(value: object) -> object:
    return tidy(value) if isinstance(value, float) else value


def urban_mine(list_page: Callable[[int, int], Page], indicators: IndicatorService) -> UrbanMine:
    """Sum the stated (not rolled-up) material masses of every part of every active building passport.

    `list_page(offset, limit)` lists the passports to include: the caller's visible ones over HTTP,
    all of them for a local administrator.
    """
    table = provinces()
    active: set[str] = set()
    offset = 0
    while True:
        page = list_page(offset, 500)
        active.update(r.iri for r in page.items)
        offset += page.limit
        if offset >= page.total:
            break
    report = UrbanMine()
    cells: dict[tuple[str, str, str, str, str], float] = defaultdict(float)
    for row in indicators.store.select(BUILDINGS):
        graph = row["g"].value
        if graph not in active:
            continue
        passport_id = graph.rsplit("/", 1)[-1]
        municipality = row["locality"].value if "locality" in row else UNKNOWN
        province = row["region"].value if "region" in row else table.get(municipality.casefold(), UNKNOWN)
        try:
            result = indicators.compute(passport_id, warnings=False)  # a stored summary when still exact
        except NotComputable as exc:
            report.left_out[passport_id] = str(exc.extra.get("reason", exc.message))
            continue
        report.passports.append(passport_id)
        for year, materials in result.mass_kg_by_year_and_material.items():
            for material, kg in materials.items():
                cells[(passport_id, municipality, province, year, material)] += kg
    report = _summed([{"passport": pid, "municipality": municipality, "province": province, "year": year,
                       "material": material, "mass_kg": kg}
                      for (pid, municipality, province, year, material), kg in sorted(cells.items())],
                     report.left_out, report.passports)
    return report


def _summed(rows: list[dict[str, object]], left_out: dict[str, str], included: list[str] | None = None) -> UrbanMine:
    """Totals by material, municipality, province and year of these rows; `included` lists the passports
    summed (also those without any mass), else the passports of the rows."""
    report = UrbanMine(left_out=dict(left_out))
    totals: dict[str, dict[str, float]] = {k: defaultdict(float) for k in ("m", "mun", "prov", "year")}
    passports: set[str] = set()
    for row in rows:
        kg = cast(float, row["mass_kg"])
        report.rows.append(row)
        report.total_kg += kg
        passports.add(str(row["passport"]))
        totals["m"][str(row["material"])] += kg
        totals["mun"][str(row["municipality"])] += kg
        totals["prov"][str(row["province"])] += kg
        totals["year"][str(row["year"])] += kg
    report.passports = sorted(passports if included is None else included)
    report.by_material = dict(sorted(totals["m"].items(), key=lambda kv: -kv[1]))
    report.by_municipality = dict(sorted(totals["mun"].items()))
    report.by_province = dict(sorted(totals["prov"].items()))
    report.by_year = dict(sorted(totals["year"].items()))
    return report

