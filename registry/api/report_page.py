"""The urban-mine page for public bodies: the report filtered by region, material and year, with charts."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from markupsafe import Markup
from starlette.datastructures import URL

from registry.api.passport_view import mass_text
from registry.api.templating import environment
from registry.reports.charts import availability_svg, materials_svg
from registry.reports.urban_mine import UNKNOWN, UrbanMine


def _link(url: URL, **params: str) -> str:
    moved = url.include_query_params(**params)
    return f"{moved.path}?{moved.query}"


def render_urban_mine(
    whole: UrbanMine, shown: UrbanMine, url: URL, query: dict[str, str], label: Callable[[str], str]
) -> str:
    """`whole` gives the choices of the filters (every region, material, year), `shown` the figures."""
    def name(material: str) -> str:
        return "unknown material" if material == UNKNOWN else label(material)

    cells = sorted((str(r["year"]), name(str(r["material"])), cast(float, r["mass_kg"])) for r in shown.rows)
    merged: dict[tuple[str, str], float] = {}
    for year, material, kg in cells:
        merged[(year, material)] = merged.get((year, material), 0.0) + kg
    return environment().get_template("urban-mine.html").render(
        report=shown, query=query, mass=mass_text,
        municipalities=sorted(set(whole.by_municipality) - {UNKNOWN}, key=str.casefold),
        provinces=sorted(set(whole.by_province) - {UNKNOWN}, key=str.casefold),
        materials=sorted(((m, name(m)) for m in whole.by_material), key=lambda m: m[1].casefold()),
        years=list(whole.by_year),
        cells=[(y, m, kg) for (y, m), kg in merged.items()],
        by_year_chart=Markup(availability_svg(shown).decode()) if shown.rows else None,
        by_material_chart=Markup(materials_svg(shown, name).decode()) if shown.rows else None,
        csv=_link(url, format="csv"), json=_link(url, format="json"),
    )
