"""The demand form and the ranked matches page: an exchange or a builder says what it needs, and sees
what fits, best first, with the matching service's own reasons beside every score.

The form posts the JSON demand of `POST /demands` from the browser (demand.js), so a demand made in a
page takes the same validation, access rule and storage path as one sent by a program.
"""

from __future__ import annotations

from collections.abc import Callable

from registry.api.passport_view import mass_text
from registry.api.supply_page import product_name, slug
from registry.api.templating import environment
from registry.matching.demand import Demand
from registry.matching.scoring import Match

UNITS = [("KiloGM", "kg"), ("TONNE", "t"), ("NUM", "items"), ("M3", "m³"), ("M2", "m²"), ("M", "m")]
UNIT_NAMES = dict(UNITS)


def render_demand_form(materials: list[tuple[str, str]], conditions: list[str], roles: list[str]) -> str:
    return environment().get_template("demand-form.html").render(
        materials=materials, conditions=conditions, units=UNITS, roles=roles)


def _match_row(match: Match, label: Callable[[str], str], base: str) -> dict[str, object]:
    item = match.item
    saved = match.carbon.saved_kg
    return {
        "label": item.label or slug(item.part), "score": match.score, "reasons": match.reasons,
        "material": label(item.material) if item.material else product_name(item.product_type),
        "mass": mass_text(item.mass_kg), "passport": slug(item.passport),
        "href": item.passport.removeprefix(base) if item.passport.startswith(base) else item.passport,
        "distance": f"{item.distance_km:,.1f}\u00a0km" if item.distance_km is not None else "",
        "available_from": item.available_from.isoformat() if item.available_from else "",
        "saved": mass_text(saved) if saved else "",
    }


def render_matches(demand: Demand, matches: list[Match], label: Callable[[str], str], base: str) -> str:
    q = demand.quantity
    quantity = f"{q.value:g}\u00a0{UNIT_NAMES.get(q.unit, q.unit)}"
    return environment().get_template("matches.html").render(
        demand={"id": slug(demand.iri), "label": demand.label, "radius_km": demand.radius_km,
                "needed_by": demand.needed_by.isoformat() if demand.needed_by else None},
        wants=[label(w) for w in demand.wants] + [product_name(p) for p in demand.products], quantity=quantity,
        rows=[_match_row(m, label, base) for m in matches],
    )
