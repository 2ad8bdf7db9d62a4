"""SVG charts of a passport's material composition and of the urban mine's availability over time.

Drawn with matplotlib's object API (a Figure per call, no pyplot state), so charts can be made from
several request threads at once; SVG keeps them crisp in the HTML page and small to download.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from matplotlib import rc_context
from matplotlib.figure import Figure

from registry.indicators.service import Indicators
from registry.reports.urban_mine import UrbanMine


def _svg(figure: Figure) -> bytes:
    """Text stays text (svg.fonttype none): readable by screen readers and page search, and smaller.

    The same chart gives the same bytes: the passport page's ETag is a digest of the page.
    matplotlib salts its SVG element ids with a random value unless `svg.hashsalt` is set, and writes
    the date unless told not to. The salt is an rcParam (process-wide): a chart drawn while another
    thread leaves its context may still get random ids, which costs one cache miss, never a wrong page.
    """
    buffer = io.BytesIO()
    with rc_context({"svg.fonttype": "none", "svg.hashsalt": "mpr"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return buffer.getvalue()


TOP_MATERIALS = 7  # bars drawn one by one; the rest is summed into one bar, so no share is hidden


def _top_and_rest(rows: list[tuple[str, float]], top: int) -> list[tuple[str, float]]:
    rows = sorted(rows, key=lambda r: -r[1])
    if len(rows) <= top + 1:
        return rows
    rest = rows[top:]
    return [*rows[:top], (f"{len(rest)} other materials", sum(kg for _, kg in rest))]


def _percent(part: float, total: float) -> str:
    share = 100 * part / total if total else 0.0
    return "< 0.1 %" if 0 < share < 0.1 else f"{share:.1f} %"


def composition_svg(indicators: Indicators, title: str | None = None) -> bytes:
    """Mass by top-level material (and unknown) as horizontal bars, each labelled with its mass and share.

    A linear axis hides the small shares of a building (a few kg of sealant beside 2,000 t of concrete),
    so every bar carries its figure and percentage, and materials beyond the largest few are one bar.
    Tonnes for buildings, kilograms below a tonne (a 12.4 kg chair).
    """
    rows = [(m.label, m.mass_kg) for m in indicators.mass_by_material if m.broader is None]
    if indicators.unknown_material_mass_kg:
        rows.append(("unknown material", indicators.unknown_material_mass_kg))
    rows = _top_and_rest(rows, TOP_MATERIALS)[::-1]
    total = indicators.total_mass_kg
    unit, factor = ("t", 1000.0) if total >= 1000 else ("kg", 1.0)
    figure = Figure(figsize=(6, 0.4 * max(len(rows), 2) + 1))
    axes = figure.add_subplot()
    bars = axes.barh([r[0] for r in rows], [r[1] / factor for r in rows], color="#4c72b0")
    shares = [f"{kg / factor:,.1f} {unit} ({_percent(kg, total)})" for _, kg in rows]
    axes.bar_label(bars, shares, padding=3, fontsize=8)
    axes.margins(x=0.35)
    axes.set_xlabel(f"mass ({unit})")
    axes.set_title(f"Material composition of {title or indicators.passport} ({total / factor:,.1f} {unit})")
    return _svg(figure)


def materials_svg(report: UrbanMine, label: Callable[[str], str]) -> bytes:
    """Mass by material of the urban mine, the largest few one by one and the rest as one bar."""
    rows = _top_and_rest([(label(m) if m != "unknown" else "unknown material", kg)
                          for m, kg in report.by_material.items()], TOP_MATERIALS)[::-1]
    unit, factor = ("t", 1000.0) if report.total_kg >= 1000 else ("kg", 1.0)
    figure = Figure(figsize=(7, 0.4 * max(len(rows), 2) + 1))
    axes = figure.add_subplot()
    bars = axes.barh([r[0] for r in rows], [r[1] / factor for r in rows], color="#4c72b0")
    axes.bar_label(bars, [f"{kg / factor:,.1f} {unit} ({_percent(kg, report.total_kg)})" for _, kg in rows],
                   padding=3, fontsize=8)
    axes.margins(x=0.35)
    axes.set_xlabel(f"mass ({unit})")
    axes.set_title("Urban mine by material")
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
