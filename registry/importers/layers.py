"""Brand's shearing layer of an imported element, from its classification, else its IFC class and properties.

Why: indicators and the urban-mine report group by `mpr:shearingLayer` (ontology/layers.ttl), because layers
that change at different rates should come apart, and builders' models say so only through what they classify
and model. The tables below are ours, documented in docs/imports.md; a classification the builder chose wins
over the IFC class, since it is the builder's statement. An element neither table places gets no layer (the
report counts it) rather than a guess.

Classification tables, by the system's own top-level grouping:
- NL-SfB (table 1, elements): 0 site; 1 substructure -> structure; 21 external walls -> skin; 22 internal walls
  -> space plan; 23 floors, 24 stairs, 28 frames -> structure; 27 roofs -> skin; 31 and 37 (openings in external
  walls and roofs) -> skin; other 3x -> space plan; 41 and 47 (external wall and roof finishes) -> skin; other 4x
  -> space plan; 5 and 6 (mechanical, electrical) -> services; 7 fixed furnishings -> space plan; 8 loose
  furnishings -> stuff; 9 site -> site.
- OmniClass table 21 (elements): 21-01 substructure -> structure; 21-02 10 superstructure -> structure; other
  21-02 (exterior enclosures) -> skin; 21-03 interiors -> space plan; 21-04 services -> services; 21-05 equipment
  and furnishings -> stuff; 21-06 special construction -> structure; 21-07 sitework -> site.
- Uniclass 2015 (EF elements/functions, Ss systems, by their two-digit group): 15 earthworks -> site; 10-24
  (substructure, structure) -> structure; 25-39 (walls, roofs, floors as enclosure) -> skin, since Uniclass does
  not tell external from internal at this level; 40-49 (signage, finishes) -> space plan; 50-85 (services,
  transport) -> services; 90 (site) -> site.
"""

from __future__ import annotations

import re
from typing import Any

LAYERS = "https://w3id.org/mpr/layers/"
SITE, STRUCTURE, SKIN, SERVICES, SPACE_PLAN, STUFF = (LAYERS + s for s in (
    "site", "structure", "skin", "services", "space-plan", "stuff"))

#: IFC classes (and their subclasses) to a layer; walls, doors, windows, coverings and railings are placed
#: by their properties first (see `from_class`).
BY_CLASS: tuple[tuple[str, str], ...] = (
    ("IfcGeographicElement", SITE), ("IfcCivilElement", SITE),
    ("IfcFooting", STRUCTURE), ("IfcPile", STRUCTURE), ("IfcBeam", STRUCTURE), ("IfcColumn", STRUCTURE),
    ("IfcMember", STRUCTURE), ("IfcStair", STRUCTURE), ("IfcStairFlight", STRUCTURE), ("IfcRamp", STRUCTURE),
    ("IfcRampFlight", STRUCTURE), ("IfcSlab", STRUCTURE), ("IfcReinforcingElement", STRUCTURE),
    ("IfcDiscreteAccessory", STRUCTURE), ("IfcMechanicalFastener", STRUCTURE),
    ("IfcRoof", SKIN), ("IfcCurtainWall", SKIN), ("IfcPlate", SKIN), ("IfcShadingDevice", SKIN),
    ("IfcDistributionElement", SERVICES), ("IfcTransportElement", SERVICES), ("IfcChimney", SERVICES),
    ("IfcFurnishingElement", STUFF), ("IfcFurniture", STUFF), ("IfcSystemFurnitureElement", STUFF),
)

_NLSFB = re.compile(r"^\(?(\d)(\d)?")
_OMNICLASS = re.compile(r"^21-0(\d)(?:\s*(\d\d))?")
_UNICLASS = re.compile(r"^(EF|Ss)_(\d\d)", re.IGNORECASE)


def _nlsfb(code: str) -> str | None:
    found = _NLSFB.match(code)
    if found is None:
        return None
    group, sub = int(found.group(1)), found.group(2)
    detail = {21: SKIN, 22: SPACE_PLAN, 23: STRUCTURE, 24: STRUCTURE, 27: SKIN, 28: STRUCTURE,
              31: SKIN, 37: SKIN, 41: SKIN, 47: SKIN}
    if sub is not None and group * 10 + int(sub) in detail:
        return detail[group * 10 + int(sub)]
    by_group = {0: SITE, 1: STRUCTURE, 2: STRUCTURE, 3: SPACE_PLAN, 4: SPACE_PLAN, 5: SERVICES, 6: SERVICES,
                7: SPACE_PLAN, 8: STUFF, 9: SITE}
    return by_group.get(group)


def _omniclass(code: str) -> str | None:
    found = _OMNICLASS.match(code)
    if found is None:
        return None
    group, sub = int(found.group(1)), found.group(2)
    if group == 2:
        return STRUCTURE if sub == "10" else SKIN
    return {1: STRUCTURE, 3: SPACE_PLAN, 4: SERVICES, 5: STUFF, 6: STRUCTURE, 7: SITE}.get(group)


def _uniclass(code: str) -> str | None:
    found = _UNICLASS.match(code)
    if found is None:
        return None
    number = int(found.group(2))
    if number == 15 or number >= 90:
        return SITE
    for upper, layer in ((25, STRUCTURE), (40, SKIN), (50, SPACE_PLAN), (90, SERVICES)):
        if number < upper:
            return layer
    return None


def from_classification(system: str, code: str) -> str | None:
    """The layer a classification code places an element in, or None for systems and codes not in the tables."""
    name = system.casefold().replace(" ", "").replace("-", "")
    text = code.strip()
    if "sfb" in name:
        return _nlsfb(text)
    if "omniclass" in name:
        return _omniclass(text)
    if "uniclass" in name:
        return _uniclass(text)
    return None


def from_class(element: Any, common: dict[str, Any]) -> str | None:
    """The layer by IFC class; `common` is the element's Pset_*Common (IsExternal, LoadBearing).

    A wall that states neither is left without a layer: it may be a facade, a load-bearing or a partition wall.
    Windows are skin unless stated internal; doors are skin only when stated external.
    """
    external, bearing = common.get("IsExternal"), common.get("LoadBearing")
    if element.is_a("IfcWall"):
        if bearing is True:
            return STRUCTURE
        return {True: SKIN, False: SPACE_PLAN}.get(external) if isinstance(external, bool) else None
    if element.is_a("IfcWindow"):
        return SPACE_PLAN if external is False else SKIN
    if element.is_a("IfcDoor"):
        return SKIN if external is True else SPACE_PLAN
    if element.is_a("IfcCovering"):
        return SKIN if getattr(element, "PredefinedType", None) in ("ROOFING", "CLADDING") else SPACE_PLAN
    if element.is_a("IfcRailing"):
        return SPACE_PLAN
    for cls, layer in BY_CLASS:
        if element.is_a(cls):
            return layer
    return None
