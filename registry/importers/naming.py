"""Names in builders' models and sheets to concepts, by rules a person can check, each match saying which rule.

Why not fuzzy matching first: `rapidfuzz.token_set_ratio` scores 100 whenever one token of the name is a
label ("STEEL/NEOPRENE" -> steel, "Masonry - Concrete Block" -> plain concrete), so a threshold filters
nothing. Matching here is exact at every step, on the parts of a name the authoring tools' habits produce:

1. an organisation's own mapping table (exact name), then the alias table and the labels of the concept
   scheme (every language) on the whole name, with ArchiCAD's trailing numeric id removed
   ("Leichtbeton 102890359" -> "Leichtbeton");
2. cavities ("Misc. Air Layers - Air Space", "Luftschicht") and placeholders that name no material (ArchiCAD's
   fills "Solid", "Radial Gradient Fill"; Revit's "Default") are recognised and never mapped;
3. framing layers (studs, battens, dimensional lumber) map to their material with a stated solid share;
4. composite names are split where the tools join a category and a name (Revit "Category - Name", Tekla
   "CLASS/NAME", "a, b"); the name part decides, last part first ("STEEL/NEOPRENE" -> neoprene,
   "CONCRETE/GEWELF" -> hollow-core slab), with words of form and size dropped ("EPDM Membrane" -> EPDM);
5. only when no part is known, the category names the material ("Wood - Flooring" -> timber), marked for review;
6. a spelling variant of a whole label with the same number of words (rapidfuzz `ratio` >= 90: "Aluminum",
   "Kalksandsten"), never a label that merely shares one word with the name.

Every match carries its method, the text that decided it, the rule in words and a score 0..1 (1: exact); the
importers write these into the passport (mpr:MaterialMatch) and list matches below 1 in the report.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from registry.concepts import ConceptScheme, normalise
from registry.importers import turtle as ttl
from registry.importers.material_aliases import alias_for
from registry.namespaces import CONNECTIONS, MATERIALS

#: A spelling variant must score at least this (rapidfuzz `ratio` of whole normalised strings, 0..100).
#: "aluminum"/"aluminium" score 94, "kalksandsten"/"kalksandstein" 96; "concrete block"/"concrete brick" 79.
FUZZY_THRESHOLD = 90.0
#: Labels shorter than this (abbreviations such as "PA", "TT") only match exactly: fuzzily they match everything.
MIN_FUZZY_LABEL = 5
#: Names remembered per import; a model names the same few materials thousands of times.
MEMO_SIZE = 10_000
#: Scores by method: 1 for exact names; a part of a name and a framing rule are good evidence; a category
#: alone names the family, not the product, and is listed for review.
SCORES = {"organisation mapping": 1.0, "alias": 1.0, "label": 1.0, "framing": 0.9, "name part": 0.9,
          "category": 0.6}

#: ArchiCAD appends the building material's internal id: "Leichtbeton 102890359", "Solid 397409098".
_ARCHICAD_ID = re.compile(r"\s+\d{5,}\s*$")
#: Where tools join a category and a name: Revit "Masonry - Concrete Block", Tekla "STEEL/NEOPRENE", "a, b".
#: A comma between digits is a decimal comma ("Gipsplaat 12,5mm"), not a separator.
_SEPARATOR = re.compile(r"\s+-\s+|\s*/\s*|\s*(?:(?<!\d),|,(?!\d))\s*|\s*;\s*|\s*:\s+")
#: Tokens that give a form, place or size, not a material ("EPDM Membrane", "Concrete 200mm", "Steel - 345 MPa").
FORM_WORDS = frozenset({
    "membrane", "membranes", "layer", "layers", "sheet", "sheets", "finish", "finishes", "cladding", "sheathing",
    "flooring", "floor", "floors", "wall", "walls", "roof", "roofing", "ceiling", "ceilings", "interior",
    "exterior", "external", "internal", "generic", "misc", "default", "new", "existing", "grey", "gray", "white",
    "black", "painted", "slab", "slabs", "profile", "profiles", "pipe", "pipes", "plate", "plates", "coating",
    "element", "elements", "mm", "cm", "m", "mpa", "kn", "thick", "dik", "stark", "epaisseur", "espesor",
})
#: Sizes ("200mm", "60x90") and strength or grade classes ("CS12", "C30", "S355", "GL24h") name no material.
_NOISE = re.compile(r"^\d+([.,]\d+)?(mm|cm|m|mpa)?$|^\d+x\d+$|^[a-z]{1,2}\d{1,3}[a-z]?$")

#: Whole names or name parts (normalised) that are a cavity: no material, no mass.
CAVITIES = frozenset({
    "air", "air space", "air gap", "air layer", "air cavity", "cavity", "ventilated cavity", "air space ventilated",
    "lucht", "luchtspouw", "spouw", "luchtlaag", "geventileerde spouw",
    "luft", "luftschicht", "luftspalt", "hinterlüftung", "luftraum",
    "lame d air", "vide d air", "vide", "cámara de aire", "camara de aire", "aire",
    "luftspalte", "luftrum", "hulrom", "luftlag", "ilmarako", "ilmaväli",
})
#: Names that name no material: ArchiCAD fills and surfaces, Revit defaults, empty names.
PLACEHOLDERS = frozenset({
    "solid", "empty fill", "radial gradient fill", "linear gradient fill", "background", "foreground",
    "default", "by category", "unnamed", "none", "material", "generic", "standard", "default wall", "默认墙",
    "paint", "surface",
})


@dataclass(frozen=True)
class Framing:
    """The solid share of a framing layer (studs or battens with cavity between), and where it comes from."""

    fraction: float
    source: str


#: Framing words (normalised tokens or phrases) by kind; a layer named with one is mostly cavity.
FRAMING_WORDS: dict[str, frozenset[str]] = {
    "studs": frozenset({"stud", "studs", "stud layer", "dimensional lumber", "framing", "timber frame",
                        "stender", "bindingsverk", "ständer", "ständerwerk", "holzständer", "houtskelet", "hsb",
                        "regelwerk", "ossature", "montantes", "entramado", "reglar", "regelverk", "stolper",
                        "runko"}),
    "battens": frozenset({"batten", "battens", "lath", "laths", "furring", "sløyfe", "sløyfer", "lekt", "lekter",
                          "spikerslag", "lattung", "konterlattung", "latten", "tengels", "panlatten", "rachels",
                          "liteaux", "tasseaux", "rastreles", "läkt", "lægter", "koolaus"}),
}
_STEEL_WORDS = frozenset({"metal", "steel", "stahl", "staal", "acier", "acero", "stål", "metall", "metallständer",
                          "metaal", "métallique", "metálico", "teräs", "cw", "uw", "c profile"})
#: Solid shares of framing layers, each with its source (stated assumptions say so).
FRAMING: dict[str, tuple[str, Framing]] = {
    "timber studs": ("softwood", Framing(0.15, "BRE BR 443 (2019), Conventions for U-value calculations: "
                                             "timber fraction 15 % for timber-framed walls (studs at 600 mm "
                                             "centres with plates and noggings)")),
    "timber battens": ("softwood", Framing(0.08, "stated assumption: 48 mm battens at 600 mm centres, "
                                                 "48/600 = 8 % of the layer")),
    "steel studs": ("galvanised-steel", Framing(0.004, "stated assumption: light-gauge C-stud 92 x 41 x 0.9 mm "
                                                       "(section about 175 mm2) at 600 mm centres in a 92 mm "
                                                       "layer, 175/(600 x 92) = 0.32 %, plus tracks: 0.4 % taken")),
}


@dataclass(frozen=True)
class Match:
    """A name mapped to a concept, how (method, rule), on which text, with a score 0..1 (1: exact)."""

    iri: str
    method: str
    score: float = 1.0
    matched: str = ""
    rule: str = ""
    framing: Framing | None = None

    @property
    def needs_review(self) -> bool:
        return self.score < 1.0


@dataclass(frozen=True)
class Resolution:
    """What a name is: a material (match), a cavity, a placeholder naming nothing, or unknown (all None/False)."""

    match: Match | None = None
    cavity: bool = False
    placeholder: bool = False


def stem(name: str) -> str:
    """The name without ArchiCAD's trailing numeric id."""
    return _ARCHICAD_ID.sub("", name).strip()


def segments(name: str) -> list[str]:
    """The parts a tool joined ("Masonry - Concrete Block" -> ["Masonry", "Concrete Block"])."""
    return [part for part in _SEPARATOR.split(name) if part.strip()]


def _tokens(text: str) -> list[str]:
    return normalise(text).split()


def _without_form(text: str) -> str:
    """The words of a name part that can name a material: form, place and size words dropped."""
    return " ".join(t for t in _tokens(text) if t not in FORM_WORDS and not _NOISE.match(t))


def _separator_rule(name: str) -> str:
    if " - " in name:
        return "Revit 'Category - Name'"
    if "/" in name:
        return "Tekla 'CLASS/NAME'"
    return "composite name"


def provenance(name: str, match: Match, notes: list[str] | None = None) -> str:
    """The mpr:MaterialMatch node (Turtle) of a composition: which name, which part of it, which rule, how sure."""
    rule = "; ".join([match.rule, *(notes or [])])
    pairs = [("a", "mpr:MaterialMatch"), ("mpr:matchedName", ttl.text(name)),
             ("mpr:matchedText", ttl.text(match.matched or name)), ("mpr:matchMethod", ttl.text(match.method)),
             ("mpr:matchRule", ttl.text(rule)), ("mpr:matchScore", ttl.decimal(match.score))]
    return "[ " + " ; ".join(f"{p} {o}" for p, o in pairs) + " ]"


class ConceptNames:
    """Material and connection names of one import, resolved against the shared concept schemes.

    `mappings` is an organisation's own table (name as written -> concept IRI); it wins over every rule.
    """

    def __init__(self, concepts: ConceptScheme, mappings: Mapping[str, str] | None = None) -> None:
        self.concepts = concepts
        self.mappings = {normalise(k): v for k, v in (mappings or {}).items() if v in concepts.materials}
        self._resolved: dict[str, Resolution] = {}

    def material(self, name: str) -> Match | None:
        """The concept for a material name, or None (unknown, a cavity or a placeholder)."""
        return self.resolve(name).match

    def resolve(self, name: str) -> Resolution:
        if name not in self._resolved:
            if len(self._resolved) > MEMO_SIZE:
                self._resolved.clear()
            self._resolved[name] = self._resolve(name)
        return self._resolved[name]

    def _resolve(self, name: str) -> Resolution:
        if not name or not name.strip():
            return Resolution(placeholder=True)
        mapped = self.mappings.get(normalise(name))
        if mapped is not None:
            return Resolution(Match(mapped, "organisation mapping", 1.0, name, "the organisation's mapping table"))
        short = stem(name)
        if normalise(short) in PLACEHOLDERS or not normalise(short):
            return Resolution(placeholder=True)
        parts = segments(short)
        if normalise(short) in CAVITIES or any(normalise(p) in CAVITIES for p in parts):
            return Resolution(cavity=True)
        match = (self._exact(name, name, "") or self._exact(short, short, "ArchiCAD trailing id removed")
                 or self._framing(short) or self._parts(short, parts) or self._category(short, parts)
                 or self._fuzzy(short, parts))
        return Resolution(match)

    def _lookup(self, text: str) -> tuple[str, str] | None:
        """(concept, method) for a text that is an alias or a label exactly (after normalisation)."""
        slug = alias_for(text)
        if slug is not None and MATERIALS + slug in self.concepts.materials:
            return MATERIALS + slug, "alias"
        found = self.concepts.find(text, MATERIALS)
        return (found, "label") if found is not None else None

    def _exact(self, text: str, matched: str, rule: str) -> Match | None:
        found = self._lookup(text)
        if found is None:
            return None
        return Match(found[0], found[1], SCORES[found[1]], matched, rule or f"exact {found[1]}")

    def _framing(self, name: str) -> Match | None:
        words = set(_tokens(name))
        phrases = words | {" ".join(pair) for pair in zip(_tokens(name), _tokens(name)[1:], strict=False)}
        kind = next((k for k, vocabulary in FRAMING_WORDS.items() if phrases & vocabulary), None)
        if kind is None:
            return None
        metal = bool(phrases & _STEEL_WORDS)
        key = "steel studs" if metal else f"timber {kind}"
        slug, framing = FRAMING[key]
        return Match(MATERIALS + slug, "framing", SCORES["framing"], name,
                     f"framing layer ({key}): solid share {framing.fraction:g}", framing)

    def _parts(self, name: str, parts: list[str]) -> Match | None:
        """The distinguishing part of a composite name: the last part after the category that names a material."""
        candidates = list(reversed(parts[1:]))  # parts[0] is the category: see `_category`
        if len(parts) == 1 and _without_form(name) != normalise(name):
            candidates = [name]
        rule = _separator_rule(name) if len(parts) > 1 else "form and size words dropped"
        for part in candidates:
            for text in (part, _without_form(part)):
                found = self._lookup(text) if text else None
                if found is not None:
                    return Match(found[0], "name part", SCORES["name part"], part,
                                 f"{rule}: the name part '{part}' decides")
        return None

    def _category(self, name: str, parts: list[str]) -> Match | None:
        """No part names a material precisely: the category (Revit's first part) names the family; review it."""
        if len(parts) < 2:
            return None
        found = self._lookup(parts[0])
        if found is None:
            return None
        return Match(found[0], "category", SCORES["category"], parts[0],
                     f"{_separator_rule(name)}: name '{parts[-1]}' unknown, category '{parts[0]}' used")

    def _fuzzy(self, name: str, parts: list[str]) -> Match | None:
        """A spelling variant of one whole label with as many words; one shared word is never enough."""
        labels = self.concepts.label_index(MATERIALS)
        for part in reversed(parts):
            query = _without_form(part) or normalise(part)
            if len(query) < MIN_FUZZY_LABEL:
                continue
            words = len(query.split())
            candidates = [label for label in labels if len(label) >= MIN_FUZZY_LABEL and len(label.split()) == words]
            found = process.extractOne(query, candidates, scorer=fuzz.ratio, score_cutoff=FUZZY_THRESHOLD)
            if found is not None:
                label, score, _index = found
                return Match(labels[label], "fuzzy", round(score / 100 * SCORES["name part"], 3), part,
                             f"spelling variant of the label '{label}' (ratio {score:.0f})")
        return None

    def connection(self, name: str) -> str | None:
        """Connection types are few and contractual (they drive detachability), so only exact names count."""
        return self.concepts.find(name, CONNECTIONS)

    def suggestions(self, name: str, scheme: str = MATERIALS, limit: int = 3) -> list[str]:
        """Close labels for an error message ("did you mean ..."): a hint to a person, never a mapping."""
        labels = list(self.concepts.label_index(scheme))
        found = process.extract(normalise(name), labels, scorer=fuzz.token_set_ratio, limit=limit)
        return [label for label, _score, _index in found]
