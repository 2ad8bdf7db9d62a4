"""SVG charts of a passport's material composition and of the urban mine's availability over time.

Drawn with matplotlib's object API (a Figure per call, no pyplot state), so charts can be made from
several request threads at once; SVG keeps them crisp in the HTML page and small to download.
"""

from __future__ import annotations

import io

from matplotlib import rc_context
from matplotlib.figure import Figure

from registry.indicators.service import Indicators
from registry.reports.urban_mine import UrbanMine


def _svg(figure: Figure) -> bytes:
    """The same chart gives the same bytes: the passport page's ETag is a digest of the page.

    matplotlib salts its SVG element ids with a random value unless `svg.hashsalt` is set, and writes
    the date unless told not to. The salt is an rcParam (process-wide): a chart drawn while another
    thread leaves its context may still get random ids, which costs one cache miss, never a wrong page.
    """
    buffer = io.BytesIO()
    with rc_context({"svg.hashsalt": "mpr"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buffer.getvalue()


def composition_svg(indicators: Indicators) -> bytes:
    """Mass by top-level material (and unknown), in tonnes, as horizontal bars."""
    rows = [(m.label, m.mass_kg) for m in indicators.mass_by_material if m.broader is None]
    if indicators.unknown_material_mass_kg:
        rows.append(("unknown material", indicators.unknown_material_mass_kg))
    rows.sort(key=lambda r: r[1])
    figure = Figure(figsize=(6, 0.4 * max(len(rows), 2) + 1))
    axes = figure.add_subplot()
    axes.barh([r[0] for r in rows], [r[1] / 1000 for r in rows], color="#4c72b0")
    axes.set_xlabel("mass (t)")
    axes.set_title(f"Material composition of {indicators.passport} ({indicators.total_mass_kg / 1000:.1f} t)")
    return _svg(figure)


def availability_svg(report: UrbanMine) -> bytes:
    """Mass becoming available per year, in tonnes."""
    years = [y for y in report.by_year if y != "unknown"]
    figure = Figure(figsize=(7, 3.5))
    axes = figure.add_subplot()
    axes.bar(years, [report.by_year[y] / 1000 for y in years], color="#55a868")
    axes.set_xlabel("year of availability")
    axes.set_ylabel("mass (t)")
    unknown = report.by_year.get("unknown", 0.0)
    axes.set_title(f"Urban mine: {report.total_kg / 1000:.1f} t, of which {unknown / 1000:.1f} t without a date")
    return _svg(figure)
