"""How well an offered material or condition answers a demand: matching's reading of the concept schemes.

The schemes (registry/concepts.py) say how concepts relate; the figures here say what each relation is
worth to someone looking for reusable material, and are documented defaults of the score.
"""

from __future__ import annotations

from registry.concepts import ConceptScheme

#: Condition score when the item's condition is not stated or not a concept of the conditions scheme.
UNKNOWN_CONDITION = 0.5


def concept_fit(concepts: ConceptScheme, wanted: str, offered: str) -> tuple[float, str] | None:
    """How well an offered material answers a wanted one, with the reason; None if it does not.

    Order (documented defaults): exact 1.0 > narrower 0.9 (more specific than asked, e.g. glulam
    for softwood) > substitute 0.7 (the scheme says they substitute) > broader 0.5 (less specific:
    the offered item may or may not be what is wanted).
    """
    if offered == wanted:
        return 1.0, "exact material"
    name = concepts.label
    if offered in concepts.descendants(wanted):
        return 0.9, f"{name(offered)} is narrower than {name(wanted)}"
    for sub in concepts.substitutes.get(wanted, ()):
        if offered in concepts.descendants(sub):
            return 0.7, f"{name(offered)} substitutes for {name(wanted)}"
    if offered in concepts.ancestors(wanted):
        return 0.5, f"{name(offered)} is broader than {name(wanted)}"
    return None


def acceptable_materials(concepts: ConceptScheme, wanted: str) -> set[str]:
    """Every material `concept_fit` accepts for `wanted`, to filter the supply query."""
    out = set(concepts.descendants(wanted)) | set(concepts.ancestors(wanted))
    for sub in concepts.substitutes.get(wanted, ()):
        out |= concepts.descendants(sub)
    return out


def condition_score(concepts: ConceptScheme, condition: str | None) -> tuple[float, str]:
    """Grade 1 (new) .. 5 (poor) mapped to 1.0 .. 0.2; unknown condition 0.5."""
    if condition is None or condition not in concepts.notation:
        return UNKNOWN_CONDITION, "condition unknown"
    grade = concepts.notation[condition]
    return (6 - grade) / 5, f"condition {concepts.label(condition)}"
