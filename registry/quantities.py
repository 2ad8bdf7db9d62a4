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
