"""The last defence of the indicators: a figure that is not a finite number is refused for its passport.

Why: the shapes keep NaN, infinities and absurd magnitudes out, but a passport stored before they did, or
written by a raw SPARQL update, can still sum to infinity (1e300 kg x 10^7 items) or break a formula. JSON
has no NaN or Infinity, so such a figure would turn every route that shows it into a 500; refusing it
here gives that passport a clear 422 and lets shared reports leave it out with a note.
"""

from __future__ import annotations

import math

from registry.errors import NotComputable

FIX = "correct the passport (PUT /passports/{id}) so that it passes validation"


def not_computable(passport_id: str, reason: str) -> NotComputable:
    return NotComputable(f"the indicators of passport {passport_id!r} cannot be computed: {reason}; "
                         + FIX.replace("{id}", passport_id), passport=passport_id, reason=reason)


def _first_non_finite(value: object, path: str) -> str | None:
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{path} is {value}"
    items: list[tuple[object, object]]
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    else:
        return None
    for key, item in items:
        if (found := _first_non_finite(item, f"{path}.{key}" if path else str(key))) is not None:
            return found
    return None


def require_finite(passport_id: str, figures: dict[str, object]) -> None:
    """Raise NotComputable naming the first figure that is NaN or infinite."""
    found = _first_non_finite(figures, "")
    if found is not None:
        raise not_computable(passport_id, f"{found} (a sum of stored numbers too large to compute)")
