"""Explicit names for materials as they appear in BIM models and builders' spreadsheets.

Fuzzy matching alone maps "Beton C30/37" and "Kalkzandsteen" well but also maps "Rigid insulation" to
"rigid" things and grade codes ("S275J2", "C20/25") to nothing useful; this table fixes the names we know, and
fuzzy matching only handles what the table does not list. Keys are compared after `normalise()` (lower case,
punctuation and repeated spaces folded). Values are concept slugs of `ontology/materials.ttl`.
"""

from __future__ import annotations

import re

from registry.concepts import normalise

#: Exact names (after normalisation) to concept slugs.
ALIASES: dict[str, str] = {
    # concrete
    "concrete": "concrete",
    "beton": "concrete",
    "concrete cast in place": "reinforced-concrete",
    "concrete cast in place concrete": "reinforced-concrete",
    "concrete cast in situ": "reinforced-concrete",
    "in situ concrete": "reinforced-concrete",
    "gewapend beton": "reinforced-concrete",
    "ter plaatse gestort beton": "reinforced-concrete",
    "concrete precast": "precast-concrete",
    "concrete precast concrete": "precast-concrete",
    "prefab beton": "precast-concrete",
    "kanaalplaat": "hollow-core-slab",
    "hollow core slab": "hollow-core-slab",
    "concrete sand cement screed": "cement-screed",
    "zandcement": "cement-screed",
    "dekvloer": "cement-screed",
    "cellenbeton": "aerated-concrete",
    "concrete masonry floor block": "concrete-block",
    "concrete masonry unit": "concrete-block",
    "cmu": "concrete-block",
    # masonry
    "kalkzandsteen": "calcium-silicate",
    "kalkzandsteen lijmblokken": "calcium-silicate",
    "kzs": "calcium-silicate",
    "baksteen": "brick",
    "metselwerk": "masonry",
    "masonry brick": "brick",
    "brick": "brick",
    "mortel": "mortar",
    "mortar": "mortar",
    # metals
    "metal steel": "steel",
    "steel": "steel",
    "staal": "steel",
    "s235": "structural-steel",
    "s275": "structural-steel",
    "s355": "structural-steel",
    "s460": "structural-steel",
    "metal structural steel": "structural-steel",
    "b500b": "reinforcing-steel",
    "wapening": "reinforcing-steel",
    "metal aluminum": "aluminium",
    "aluminium": "aluminium",
    "aluminum": "aluminium",
    "metal copper": "copper",
    "koper": "copper",
    "zink": "zinc",
    "lood": "lead",
    # timber
    "wood": "timber",
    "hout": "timber",
    "timber": "timber",
    "vuren": "softwood",
    # Revit's default US material library (youshengCode/IfcSampleFiles Ifc4_SampleHouse.ifc, Ifc4_WallElementedCase.ifc)
    "southern pine": "softwood",
    "southern yellow pine": "softwood",
    "cherry": "hardwood",
    "c24": "softwood",
    "c18": "softwood",
    "massivtre": "clt",
    "kruislaaghout": "clt",
    "glulam": "glulam",
    "multiplex": "plywood",
    "osb": "osb",
    # glass, gypsum, insulation
    "glass": "glass",
    "glas": "glass",
    "hr glas": "insulating-glass-unit",
    "gips": "gypsum",
    "gipsplaat": "plasterboard",
    "gipskarton": "plasterboard",
    "gypsum board": "plasterboard",
    "gypsum wall board": "plasterboard",
    "plasterboard": "plasterboard",
    "rigid insulation": "insulation",
    "insulation": "insulation",
    "isolatie": "insulation",
    "mineral wool": "mineral-wool",
    "minerale wol": "mineral-wool",
    "steenwol": "stone-wool",
    "glaswol": "glass-wool",
    "fiberglass batt": "glass-wool",  # US: glass-fibre batt insulation (Revit), not glass-fibre plastic
    "fibreglass batt": "glass-wool",
    "eps": "eps",
    "xps": "xps",
    "pir": "pir",
    # roofing, plastics
    "bitumen": "bitumen",
    "bitumineuze dakbedekking": "bituminous-roofing",
    "epdm": "epdm",
    "pvc": "pvc",
}

#: Patterns for grade codes that name a material family (concrete strength classes, steel grades, timber classes).
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(beton|concrete)?\s*c\d{2}\s*\d{2}\b"), "concrete"),   # C30/37, Beton C30/37
    (re.compile(r"^(staal|steel)?\s*s(235|275|355|420|460)"), "structural-steel"),  # S275J2, S355JR
    (re.compile(r"^(hout)?\s*(c|d)\d{2}$"), "timber"),                     # C24, D30 strength classes
    (re.compile(r"^gl\d{2}[hc]?$"), "glulam"),                              # GL24h
)

def alias_for(name: str) -> str | None:
    """The concept slug the table gives for `name`, or None: exact names first, then grade-code patterns."""
    key = normalise(name)
    if key in ALIASES:
        return ALIASES[key]
    for pattern, slug in PATTERNS:
        if pattern.search(key):
            return slug
    return None
