"""Numbers from RDF literals and QUDT unit factors: one reading for indicators, supply and demands.

Why one place: a mass in tonnes must weigh the same in a building's indicators as in the supply an
exchange searches, and a malformed number must be skipped the same way everywhere.
"""

from __future__ import annotations

import math

from pyoxigraph import Literal

from registry.namespaces import UNIT

# Factors to the registry's base unit (kg, m3, m, m2), by QUDT unit IRI.
MASS_UNITS = {UNIT + "KiloGM": 1.0, UNIT + "TONNE": 1000.0, UNIT + "GM": 0.001}
VOLUME_UNITS = {UNIT + "M3": 1.0, UNIT + "DeciM3": 0.001, UNIT + "L": 0.001}
LENGTH_UNITS = {UNIT + "M": 1.0, UNIT + "CentiM": 0.01, UNIT + "MilliM": 0.001}
AREA_UNITS = {UNIT + "M2": 1.0}
COUNT_UNITS = {UNIT + "NUM": 1.0}
#: A figure declared per one of these units is scaled by this quantity of an element (mpr:mass, mpr:volume,
#: mpr:area, mpr:count), after converting the declared amount to the base unit (kg, m3, m2, items).
DECLARED_UNITS: dict[str, tuple[str, float]] = {
    **{iri: ("mass", f) for iri, f in MASS_UNITS.items()}, **{iri: ("volume", f) for iri, f in VOLUME_UNITS.items()},
    **{iri: ("area", f) for iri, f in AREA_UNITS.items()}, **{iri: ("count", f) for iri, f in COUNT_UNITS.items()}}
#: How EPDs and factor tables write those units (openEPD `declared_unit.unit`, the ILCD unit groups, whose
#: reference units are kg, m3, m2 and items), lower case.
UNIT_WORDS = {"kg": "KiloGM", "t": "TONNE", "tonne": "TONNE", "g": "GM", "m3": "M3", "m³": "M3", "l": "L",
              "dm3": "DeciM3", "m2": "M2", "m²": "M2", "piece": "NUM", "pieces": "NUM", "pcs": "NUM", "item": "NUM",
              "items": "NUM", "units for mass": "KiloGM", "units for volume": "M3", "units for area": "M2",
              "units for items": "NUM"}


def number(term: object) -> float | None:
    """A finite float; None when absent, not a number, NaN or infinite (SHACL refuses those; data stored
    around the shapes is skipped like a missing value, never summed into an infinite total)."""
    if not isinstance(term, Literal):
        return None
    try:
        value = float(term.value)
    except ValueError:
        return None
    return finite(value)


def finite(value: float) -> float | None:
    """The value, or None for NaN and infinities (which JSON cannot carry and no sum survives)."""
    return value if math.isfinite(value) else None


#: Significant digits a figure is written with. Inputs are decimals of at most ~10 significant digits
#: (a mass of 123456.789 kg); a float64 carries 15-17, and summing thousands of them gathers binary rounding
#: error in the last 2-3 (`15577.2965` came out as `15577.296499999999`). 12 keeps every digit the data
#: has and drops the noise below it.
SIGNIFICANT_DIGITS = 12


def tidy(value: float) -> float:
    """`value` rounded to the digits its data has: 15577.296499999999 -> 15577.2965, 0.1 + 0.2 -> 0.3."""
    if not math.isfinite(value) or value == 0:
        return value
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def tidy_all(value: object) -> object:
    """Every float in a JSON-like structure (dicts, lists, tuples) tidied; everything else as it was."""
    if isinstance(value, float):
        return tidy(value)
    if isinstance(value, dict):
        return {k: tidy_all(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [tidy_all(v) for v in value]
    return value


def declared_quantity(text: str) -> tuple[float, str] | None:
    """The amount and QUDT unit of a declared unit as EPDs write it: '1 m3', '1000 kg', 'm2', 'unit:M3',
    '1 m3 Calcium silicate block' (words after the unit name the product). None when the unit is none of
    DECLARED_UNITS: the figure is then not scaled by any guess."""
    words = text.strip().split()
    amount = 1.0
    if words:
        try:
            amount = float(words[0])  # "1,000" is refused, not read as 1 or 1000
            words = words[1:]
        except ValueError:
            pass
    if not words or not math.isfinite(amount) or amount <= 0:
        return None
    first = words[0].removeprefix("unit:").removeprefix(UNIT)
    if UNIT + first in DECLARED_UNITS:
        return amount, UNIT + first
    lowered = " ".join(words).lower()
    for phrase in sorted(UNIT_WORDS, key=len, reverse=True):
        if lowered == phrase or lowered.startswith(phrase + " "):
            return amount, UNIT + UNIT_WORDS[phrase]
    return None
