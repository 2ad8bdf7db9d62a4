"""IFC (IFC2X3, IFC4) to a passport: BOT topology, material compositions with volumes and masses, passport psets.

Builders' IFC exports are uneven: some carry quantity sets, many carry none, materials are named freely and masses
are rare. The importer therefore takes every fact the model states (quantity sets first, they are what the author
measured), fills gaps it can compute (geometry volumes, volume x typical density), and lists everything it could
not map or measure in the report instead of dropping it.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ifcopenshell
import ifcopenshell.geom
import ifcopenshell.util.classification
import ifcopenshell.util.element
import ifcopenshell.util.shape
import ifcopenshell.util.unit

from registry.concepts import ConceptScheme
from registry.errors import MalformedInput, UnsupportedMediaType
from registry.importers import fields, layers
from registry.importers import turtle as ttl
from registry.importers.fields import Composition
from registry.importers.naming import ConceptNames, Framing, Match, Resolution, provenance

SUPPORTED_SCHEMAS = ("IFC2X3", "IFC4")
MEDIA_TYPES = ("application/x-step", "application/p21", "model/ifc", "application/octet-stream")

#: Element classes that are not material: openings and projections (IfcFeatureElement), virtual boundaries.
SKIPPED_CLASSES = ("IfcFeatureElement", "IfcVirtualElement")

#: Linear members: a framing material (dimensional lumber, steel studs) in them is solid, not a framed layer.
LINEAR_MEMBERS = ("IfcBeam", "IfcColumn", "IfcMember", "IfcPile")

#: Quantity names, in order of preference. Net comes first: the material that is there, openings removed.
VOLUME_NAMES = ("NetVolume", "GrossVolume", "Volume")
MASS_NAMES = ("NetWeight", "GrossWeight", "Weight", "NetMass", "GrossMass", "Mass")
#: Pairs of one quantity set whose product is the element's volume, by class (IFC4 Qto_*BaseQuantities, and
#: ArchiCAD's and Revit's BaseQuantities): Width is the thickness of slabs, coverings, plates and walls, while
#: for windows and doors it is the opening's width, so only these classes are checked. The first pair wins.
_AREA_X_WIDTH = (("GrossArea", "Width"), ("NetArea", "Width"))
_SECTION_X_LENGTH = (("CrossSectionArea", "Length"),)
VOLUME_FACTORS: dict[str, tuple[tuple[str, str], ...]] = {
    "IfcSlab": _AREA_X_WIDTH, "IfcCovering": _AREA_X_WIDTH, "IfcPlate": _AREA_X_WIDTH,
    "IfcWall": (("GrossSideArea", "Width"), ("NetSideArea", "Width")),
    "IfcBeam": _SECTION_X_LENGTH, "IfcColumn": _SECTION_X_LENGTH, "IfcMember": _SECTION_X_LENGTH,
    "IfcPile": _SECTION_X_LENGTH,
}
#: No opening, slope or taper puts a stated volume 10 times off area x thickness: the export slipped units
#: (Revit through Xbim states slabs' GrossVolume in m2 x mm, 1000 times too large; youshengCode/IfcSampleFiles).
SLIP_FACTOR = 10.0

#: Property sets that carry passport data, and the property names read from them (case-insensitive).
PASSPORT_PSETS = ("MPR_Passport", "Pset_MaterialPassport", "Materialenpaspoort")
PASSPORT_PROPERTIES = {
    "productid": "product_id",
    "gtin": "gtin",
    "globaltradeitemnumber": "gtin",
    "producttype": "product_type",
    "recycledcontent": "recycled_content",
    "reusedcontent": "reused_content",
    "connectiontype": "connection_type",
    "availablefrom": "available_from",
    "expectedlifetime": "expected_lifetime",
}
#: Standard IFC property sets read as well (manufacturers fill these without knowing about passports).
STANDARD_PROPERTIES = {
    ("Pset_ManufacturerTypeInformation", "GlobalTradeItemNumber"): "gtin",
    ("Pset_ManufacturerTypeInformation", "ArticleNumber"): "product_id",
    ("Pset_ServiceLife", "ServiceLifeDuration"): "expected_lifetime",
}

SPATIAL = {
    "IfcSite": "bot:Site",
    "IfcBuilding": "bot:Building",
    "IfcBuildingStorey": "bot:Storey",
    "IfcSpace": "bot:Space",
}
#: BOT property from a parent zone to a child zone, by the child's class.
ZONE_LINK = {"IfcBuilding": "bot:hasBuilding", "IfcBuildingStorey": "bot:hasStorey", "IfcSpace": "bot:hasSpace"}

_HEADER_SCHEMA = re.compile(rb"FILE_SCHEMA\s*\(\s*\(\s*'([^']*)'", re.IGNORECASE)


@dataclass
class MaterialTotal:
    """Sums for one material; volume without a mass (no stated mass, no density) is kept apart, not zeroed."""

    volume_m3: float = 0.0
    mass_kg: float = 0.0
    volume_without_mass_m3: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return {"volume_m3": round(self.volume_m3, 6), "mass_kg": round(self.mass_kg, 3),
                "volume_without_mass_m3": round(self.volume_without_mass_m3, 6)}


@dataclass
class NameTally:
    """How much of a model one material name carries: a user fixes the largest first."""

    elements: int = 0
    volume_m3: float = 0.0

    def add(self, volume: float | None) -> None:
        self.elements += 1
        self.volume_m3 += volume or 0.0


@dataclass
class Guess:
    """A match below score 1, with what it carries, for review."""

    match: Match
    tally: NameTally = field(default_factory=NameTally)


def _by_volume(tallies: dict[str, NameTally]) -> list[dict[str, Any]]:
    ordered = sorted(tallies.items(), key=lambda item: (-item[1].volume_m3, -item[1].elements, item[0]))
    return [{"name": name, "elements": t.elements, "volume_m3": round(t.volume_m3, 6)} for name, t in ordered]


@dataclass
class ImportReport:
    """What the import did and did not manage; returned with the passport so a builder can fix the model."""

    source: str
    schema: str = ""
    elements: int = 0
    elements_without_material: list[str] = field(default_factory=list)
    elements_without_quantities: list[str] = field(default_factory=list)
    unmapped_materials: dict[str, int] = field(default_factory=dict)
    fuzzy_matches: dict[str, str] = field(default_factory=dict)
    quantity_sources: Counter[str] = field(default_factory=Counter)
    totals_by_material: dict[str, MaterialTotal] = field(default_factory=lambda: defaultdict(MaterialTotal))
    warnings: list[str] = field(default_factory=list)
    unmapped: dict[str, NameTally] = field(default_factory=lambda: defaultdict(NameTally))
    guesses: dict[str, Guess] = field(default_factory=dict)
    cavities: dict[str, NameTally] = field(default_factory=lambda: defaultdict(NameTally))
    placeholders: dict[str, NameTally] = field(default_factory=lambda: defaultdict(NameTally))
    mass_unknown: dict[str, str] = field(default_factory=dict)
    assumptions: Counter[str] = field(default_factory=Counter)
    assemblies: int = 0
    shearing_layers: Counter[str] = field(default_factory=Counter)
    classified: int = 0
    readable_volume_m3: float = 0.0
    mapped_volume_m3: float = 0.0
    #: Volume the vocabulary's rules alone map to a concept with a density (set when a mapping table applies).
    mapped_by_rules_m3: float | None = None

    def mapped_share(self) -> float | None:
        """Share of the volume with a readable material name that got a concept and a mass."""
        return self.mapped_volume_m3 / self.readable_volume_m3 if self.readable_volume_m3 > 0 else None

    def _shares(self, share: float | None) -> dict[str, Any]:
        shares: dict[str, Any] = {"readable_volume_m3": round(self.readable_volume_m3, 6),
                                  "mapped_with_mass_m3": round(self.mapped_volume_m3, 6),
                                  "share": round(share, 4) if share is not None else None}
        if self.mapped_by_rules_m3 is not None and self.readable_volume_m3 > 0:
            shares["share_before_organisation_mappings"] = round(self.mapped_by_rules_m3 / self.readable_volume_m3, 4)
        return shares

    def as_dict(self) -> dict[str, Any]:
        share = self.mapped_share()
        return {
            "source": self.source,
            "schema": self.schema,
            "elements_imported": self.elements,
            "elements_without_material": self.elements_without_material,
            "elements_without_quantities": self.elements_without_quantities,
            "unmapped_materials": dict(sorted(self.unmapped_materials.items())),
            "unmapped_names": _by_volume(self.unmapped),
            "fuzzy_matches": self.fuzzy_matches,
            "matches_to_review": [
                {"name": name, "concept": g.match.iri, "method": g.match.method, "score": g.match.score,
                 "matched": g.match.matched, "rule": g.match.rule, "elements": g.tally.elements,
                 "volume_m3": round(g.tally.volume_m3, 6)}
                for name, g in sorted(self.guesses.items(), key=lambda i: (-i[1].tally.volume_m3, i[0]))],
            "cavities": _by_volume(self.cavities),
            "placeholder_names": _by_volume(self.placeholders),
            "mass_unknown": dict(sorted(self.mass_unknown.items())),
            "assumptions": dict(self.assumptions),
            "assemblies": self.assemblies,
            "classified_elements": self.classified,
            "shearing_layers": dict(sorted(self.shearing_layers.items())),
            "mapped_share": self._shares(share),
            "quantity_sources": dict(self.quantity_sources),
            "totals_by_material": {k: v.as_dict() for k, v in sorted(self.totals_by_material.items())},
            "warnings": self.warnings,
        }


@dataclass(frozen=True)
class ImportResult:
    turtle: bytes
    report: ImportReport


@dataclass(frozen=True)
class _Content:
    """What an element states for all its materials: its volume and mass, recycled and reused shares.

    `member`: a linear member (beam, column, member, pile): a framing material there is solid timber or steel.
    """

    volume: float | None
    mass: float | None
    recycled: float | None
    reused: float | None
    member: bool = False


@dataclass(frozen=True)
class _Part:
    """One material of an element and its share of the element's volume.

    `gap`: a layer without material (IFC's air gap); `assumption`: the split is ours, not the model's (the
    report and the passport say so).
    """

    name: str
    fraction: float | None
    gap: bool = False
    assumption: str | None = None


def open_model(data: bytes, source: str = "upload") -> ifcopenshell.file:
    """Open an IFC-SPF document, refusing what ifcopenshell would half-read: truncated files open without error."""
    head = data[:4096]
    if not head.lstrip().startswith(b"ISO-10303-21;"):
        raise MalformedInput(f"{source} is not an IFC file (IFC-SPF files start with 'ISO-10303-21;')")
    found = _HEADER_SCHEMA.search(head)
    if found is None:
        raise MalformedInput(f"{source} has no FILE_SCHEMA in its header")
    schema = found.group(1).decode("ascii", "replace").upper()
    if schema not in SUPPORTED_SCHEMAS:
        raise UnsupportedMediaType(
            f"{source} uses the IFC schema {schema}; the importer reads {' and '.join(SUPPORTED_SCHEMAS)}"
        )
    if not data.rstrip().endswith(b"END-ISO-10303-21;"):
        raise MalformedInput(f"{source} is truncated: it does not end with 'END-ISO-10303-21;'")
    try:
        # IFC-SPF is 7-bit ASCII with \X2\ escapes; latin-1 maps any stray byte instead of failing on it.
        return ifcopenshell.file.from_string(data.decode("latin-1"))
    except RuntimeError as exc:  # ifcopenshell reports parse and schema failures as RuntimeError
        raise MalformedInput(f"{source} could not be read as IFC: {exc}") from exc


def _units(model: ifcopenshell.file) -> tuple[float, float, float | None]:
    """Scale factors to m (length), m3 (volume quantities) and kg (mass quantities; None: kg assumed)."""
    length = ifcopenshell.util.unit.calculate_unit_scale(model, "LENGTHUNIT")
    volume = ifcopenshell.util.unit.calculate_unit_scale(model, "VOLUMEUNIT")
    has_mass_unit = any(
        getattr(u, "UnitType", None) == "MASSUNIT"
        for assignment in model.by_type("IfcUnitAssignment") for u in assignment.Units
    )
    # calculate_unit_scale gives mass relative to the gram (the SI base for IFC's MASSUNIT is the gram).
    mass = ifcopenshell.util.unit.calculate_unit_scale(model, "MASSUNIT") / 1000.0 if has_mass_unit else None
    return length, volume, mass


def _area_scale(model: ifcopenshell.file) -> float:
    return float(ifcopenshell.util.unit.calculate_unit_scale(model, "AREAUNIT"))


def _stated_quantities(
    elements: list[Any], volume_scale: float, length: float, area: float, report: ImportReport,
) -> dict[int, tuple[float | None, float | None]]:
    """Each element's (volume, mass) from its quantity sets, in file units. A volume far off the set's own
    dimensions is dropped with a warning, so the geometry engine measures the element instead."""
    stated: dict[int, tuple[float | None, float | None]] = {}
    for element in elements:
        volume, mass, qto = _quantities(element)
        slip = None if volume is None else _volume_slip(element, qto, volume * volume_scale, length, area)
        if slip is not None:
            report.warnings.append(f"{element.is_a()} {_key(element)} ({element.Name}): {slip}; "
                                   "the geometry's volume is used")
            volume = None
        stated[element.id()] = (volume, mass)
    return stated


def _equal_split(names: list[str], what: str) -> list[_Part]:
    """Materials the model lists without shares: an equal split, stated as an assumption wherever it is used."""
    if len(names) == 1:
        return [_Part(names[0], 1.0)]
    note = f"{what} of {len(names)} materials without fractions: volume split equally (assumption)"
    return [_Part(name, 1.0 / len(names), assumption=note) for name in names]


def _layers(material: Any) -> list[_Part]:
    """Layer shares by thickness; a layer without material is an air gap (IFC: IfcMaterialLayer.Material unset)."""
    layers = list(material.MaterialLayers)
    total = sum(float(layer.LayerThickness or 0.0) for layer in layers)
    parts = []
    for layer in layers:
        fraction = float(layer.LayerThickness or 0.0) / total if total > 0 else 1.0 / len(layers)
        name = layer.Material.Name or "" if layer.Material is not None else ""
        parts.append(_Part(name, fraction, gap=layer.Material is None))
    return parts


def _parts(material: Any) -> list[_Part]:
    """Split a material association into parts with volume fractions: stated, by thickness, or equal (assumed)."""
    if material is None:
        return []
    kind = material.is_a()
    if kind == "IfcMaterial":
        return [_Part(material.Name or "", 1.0)]
    if kind == "IfcMaterialLayerSet":
        return _layers(material) if material.MaterialLayers else []
    if kind == "IfcMaterialConstituentSet":
        constituents = [c for c in (material.MaterialConstituents or ()) if c.Material is not None]
        if constituents and all(c.Fraction is not None for c in constituents):
            return [_Part(c.Material.Name or "", float(c.Fraction)) for c in constituents]
        return _equal_split([c.Material.Name or "" for c in constituents], "constituent set")
    if kind == "IfcMaterialProfileSet":
        profiles = [p for p in material.MaterialProfiles if p.Material is not None]
        return _equal_split([p.Material.Name or "" for p in profiles], "profile set")
    if kind == "IfcMaterialList":
        return _equal_split([m.Name or "" for m in material.Materials], "IfcMaterialList")
    return []


def _first_number(qto: dict[str, Any], names: Iterable[str]) -> float | None:
    lowered = {k.casefold(): v for k, v in qto.items()}
    for name in names:
        value = lowered.get(name.casefold())
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value > 0:
            return float(value)
    return None


def _quantities(element: Any) -> tuple[float | None, float | None, dict[str, Any]]:
    """Volume and mass from quantity sets: Qto_*BaseQuantities first, then any other IfcElementQuantity;
    with the set the volume came from (to check it against that set's dimensions)."""
    qtos = ifcopenshell.util.element.get_psets(element, qtos_only=True)
    ordered = sorted(qtos.items(), key=lambda item: 0 if str(item[0]).startswith("Qto_") else 1)
    volume = mass = None
    source: dict[str, Any] = {}
    for _name, qto in ordered:
        if volume is None:
            volume, source = _first_number(qto, VOLUME_NAMES), qto
        mass = mass if mass is not None else _first_number(qto, MASS_NAMES)
    return volume, mass, source


def _volume_slip(element: Any, qto: dict[str, Any], volume_m3: float, length: float, area: float) -> str | None:
    """Why a stated volume cannot be the element's: it is SLIP_FACTOR times or more off the product of two
    dimensions of the same quantity set (VOLUME_FACTORS); None when it agrees or the set has no such pair."""
    pairs = next((p for cls, p in VOLUME_FACTORS.items() if element.is_a(cls)), ())
    for area_name, length_name in pairs:
        base, extent = _first_number(qto, (area_name,)), _first_number(qto, (length_name,))
        if base is None or extent is None:
            continue
        product = base * area * extent * length
        ratio = volume_m3 / product
        if 1 / SLIP_FACTOR < ratio < SLIP_FACTOR:
            return None
        return (f"the quantity set's volume {volume_m3:.6g} m3 is {ratio:.3g} times its {area_name} x "
                f"{length_name} ({product:.6g} m3): units slipped in the export")
    return None


def _passport_properties(psets: dict[str, Any]) -> dict[str, Any]:
    """Passport data from the element's (and its type's) property sets; names in PASSPORT_PROPERTIES."""
    found: dict[str, Any] = {}
    for (pset, prop), key in STANDARD_PROPERTIES.items():
        value = psets.get(pset, {}).get(prop)
        if value not in (None, ""):
            found[key] = value
    for pset in PASSPORT_PSETS:
        for prop, value in psets.get(pset, {}).items():
            passport_key = PASSPORT_PROPERTIES.get(prop.replace("_", "").casefold())
            if passport_key and value not in (None, ""):
                found[passport_key] = value
    return found


def _geometry_volumes(
    model: ifcopenshell.file, elements: list[Any], length_scale: float,
    progress: Callable[[int], None] | None = None,
) -> dict[int, float]:
    """Volumes in m3 from the geometry engine, for elements without a volume quantity.

    Geometry is asked for in the file's own units ("convert-back-units") and scaled here: the engine's own
    conversion silently falls back to file units when a file has more than one context (see tests/data/ifc).
    """
    if not elements:
        return {}
    settings = ifcopenshell.geom.settings()  # type: ignore[no-untyped-call]  # ifcopenshell.geom is untyped
    settings.set("convert-back-units", True)
    iterator = ifcopenshell.geom.iterator(settings, model, 1, include=elements)
    volumes: dict[int, float] = {}
    if not iterator.initialize():
        return volumes
    while True:
        shape = iterator.get()  # type: ignore[no-untyped-call]
        volume = ifcopenshell.util.shape.get_volume(shape.geometry) * length_scale**3
        if math.isfinite(volume) and volume > 0:
            volumes[shape.id] = volume
        if progress:
            progress(1)
        if not iterator.next():
            break
    return volumes


def _key(entity: Any) -> str:
    """The GlobalId; a file whose GlobalId is no text (ifcopenshell reads such files without complaint) gets
    the entity's step id instead."""
    key = getattr(entity, "GlobalId", None)
    return key if isinstance(key, str) and key else f"e{entity.id()}"


def _is_material_element(element: Any) -> bool:
    return not any(element.is_a(cls) for cls in SKIPPED_CLASSES)


def _add_total(report: ImportReport, concept: str, volume: float | None, solid: float | None,
               mass: tuple[float, str] | None) -> None:
    """Sums by material; `volume` is the part's whole share (framing included), `solid` its material."""
    if volume is None:
        return
    total = report.totals_by_material[concept.rsplit("/", 1)[-1]]
    total.volume_m3 += solid or 0.0
    if mass is not None:
        total.mass_kg += mass[0]
        report.mapped_volume_m3 += volume
    else:
        total.volume_without_mass_m3 += solid or 0.0


def _has_element_parts(element: Any) -> bool:
    """An element that aggregates elements (IfcElementAssembly, IfcRoof of slabs, IfcStair of flights)."""
    return any(part.is_a("IfcElement") for rel in (element.IsDecomposedBy or ()) for part in rel.RelatedObjects)


def _provenance(part: _Part, match: Match, framing: Framing | None) -> str:
    """The match node, with what the importer did on top of the rule (a solid member, an assumed split)."""
    notes = []
    if match.framing is not None and framing is None:
        notes.append("a linear member, so taken as solid")
    if part.assumption:
        notes.append(part.assumption)
    return provenance(part.name, match, notes)


def _classification_pairs(element: Any, psets: dict[str, Any], report: ImportReport) -> list[tuple[str, str]]:
    """IfcClassificationReference values as dcterms:subject, and the element's shearing layer.

    The layer comes from the first classification the tables in registry/importers/layers.py know, else from
    the IFC class and Pset_*Common; an element neither places gets none (counted under "none").
    """
    pairs: list[tuple[str, str]] = []
    layer: str | None = None
    references = sorted(ifcopenshell.util.classification.get_references(element), key=lambda r: r.id())
    for reference in references:
        code = getattr(reference, "Identification", None) or getattr(reference, "ItemReference", None) or ""
        system = ifcopenshell.util.classification.get_classification(reference)
        system_name = getattr(system, "Name", None) or ""
        node = [f"skos:notation {ttl.text(str(code))}"]
        if reference.Name:
            node.append(f"skos:prefLabel {ttl.text(reference.Name)}")
        if system_name:
            node.append(f"skos:inScheme [ a skos:ConceptScheme ; dcterms:title {ttl.text(system_name)} ]")
        pairs.append(("dcterms:subject", "[ " + " ; ".join(node) + " ]"))
        layer = layer or layers.from_classification(system_name, str(code))
    if references:
        report.classified += 1
    if layer is None:
        common: dict[str, Any] = next(
            (v for k, v in psets.items() if k.startswith("Pset_") and k.endswith("Common")), {})
        layer = layers.from_class(element, common)
    report.shearing_layers[layer.rsplit("/", 1)[-1] if layer else "none"] += 1
    if layer is not None:
        pairs.append(("mpr:shearingLayer", ttl.iri(layer)))
    return pairs


class IfcImporter:
    """Turns one IFC model into passport Turtle; `concepts` name the materials and connections it maps to."""

    def __init__(self, concepts: ConceptScheme, base: str = "", mappings: Mapping[str, str] | None = None) -> None:
        self.concepts = concepts
        self.names = ConceptNames(concepts, mappings)
        #: The rules alone, to report the share an organisation's table added ("before" and "after").
        self.rules = ConceptNames(concepts) if mappings else None
        self.base = base.rstrip("/")

    def import_bytes(
        self, data: bytes, source: str = "upload", title: str | None = None,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> ImportResult:
        model = open_model(data, source)
        try:
            return self.import_model(model, source, title, progress)
        except (TypeError, AttributeError) as exc:
            # ifcopenshell opens a file whose attributes break the schema (a name that is an entity, a GlobalId
            # that is a number) and hands the wrong types on to whoever reads them: such a file is the
            # sender's error, and says so, rather than failing the request.
            raise MalformedInput(f"{source} has an entity whose attributes do not follow the IFC schema "
                                 f"({type(exc).__name__}: {exc}); export the model again or check it with an "
                                 "IFC validator") from exc

    def import_path(self, path: Path, progress: Callable[[str, int, int], None] | None = None) -> ImportResult:
        return self.import_bytes(path.read_bytes(), path.name, None, progress)

    def import_model(
        self, model: ifcopenshell.file, source: str, title: str | None = None,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> ImportResult:
        report = ImportReport(source=source, schema=model.schema)
        report.mapped_by_rules_m3 = 0.0 if self.rules is not None else None
        self._report = report
        self._pending_links: dict[str, list[tuple[str, str]]] = {}
        self._types: set[str] = set()
        self._parts_cache: dict[int, list[_Part]] = {}
        self._provenance: dict[tuple[_Part, Match, bool], str] = {}
        length, volume_scale, mass_scale = _units(model)
        doc = ttl.TurtleDocument()
        elements = [e for e in model.by_type("IfcElement") if _is_material_element(e)]
        # Assemblies (Tekla's IfcElementAssembly, a roof of slabs) hold parts that carry material and quantity:
        # counting the container too would count its parts twice.
        self._containers = {e.id() for e in elements if _has_element_parts(e)}

        # Quantities first: the geometry engine only runs for elements the quantity sets leave without a volume.
        stated = _stated_quantities(elements, volume_scale, length, _area_scale(model), report)
        need_geometry = [e for e in elements if stated[e.id()][0] is None and e.id() not in self._containers]
        done = [0]

        def step(n: int) -> None:
            done[0] += n
            if progress:
                progress("geometry", done[0], len(need_geometry))

        geometry = _geometry_volumes(model, need_geometry, length, step)

        root = self._topology(model, doc, elements)
        project = next(iter(model.by_type("IfcProject")), None)
        name = title or (project.LongName or project.Name if project else None) or source
        doc.add("<>", [
            ("a", "mpr:Passport"),
            ("dcterms:title", ttl.text(name)),
            ("mpr:describes", root),
            ("dcterms:source", ttl.text(f"IFC import of {source} ({model.schema})")),
        ])

        for index, element in enumerate(elements):
            volume, mass = stated[element.id()]
            origin = "quantity set"
            if volume is not None:
                volume *= volume_scale
            elif element.id() in geometry:
                volume, origin = geometry[element.id()], "geometry"
            if mass is not None:
                mass *= mass_scale if mass_scale is not None else 1.0
            self._element(element, volume, origin, mass, doc, report)
            if progress:
                progress("elements", index + 1, len(elements))
        report.elements = len(elements)
        header = f"# Imported from {source} ({model.schema}); see the import report for gaps.\n"
        return ImportResult(doc.to_bytes(header), report)

    # --- topology -------------------------------------------------------------------------------

    def _topology(self, model: ifcopenshell.file, doc: ttl.TurtleDocument, elements: list[Any]) -> str:
        """Write sites, buildings, storeys, spaces and their links; return the asset the passport describes."""
        zones: dict[str, list[tuple[str, str]]] = {}
        for ifc_class, bot_class in SPATIAL.items():
            for zone in model.by_type(ifc_class):
                pairs = [("a", bot_class), ("dcterms:identifier", ttl.text(_key(zone)))]
                if zone.Name:
                    pairs.append(("rdfs:label", ttl.text(zone.Name)))
                zones[_key(zone)] = pairs
        for ifc_class, link in ZONE_LINK.items():
            for zone in model.by_type(ifc_class):
                parent = ifcopenshell.util.element.get_aggregate(zone)
                if parent is not None and _key(parent) in zones:
                    zones[_key(parent)].append((link, ttl.local(_key(zone))))
        buildings = model.by_type("IfcBuilding")
        sites = model.by_type("IfcSite")
        if len(buildings) == 1:
            root_key = _key(buildings[0])
        elif sites:
            root_key = _key(sites[0])
        else:  # a model without spatial structure (a product or a loose element): describe it as one building
            root_key = "building"
            zones[root_key] = [("a", "bot:Building"), ("rdfs:label", ttl.text("Imported model"))]
        location = _site_location(sites[0]) if sites else None
        if location is not None:
            zones[root_key].append(("geo:hasGeometry", fields.geometry(*location)))
        for element in elements:
            parent = ifcopenshell.util.element.get_aggregate(element)
            if parent is not None and parent.is_a("IfcElement"):  # type: ignore[no-untyped-call]
                holder = _key(parent)
                link = "bot:hasSubElement"
            else:
                container = ifcopenshell.util.element.get_container(element)
                holder = _key(container) if container is not None else root_key
                link = "bot:hasElement"
            if holder in zones:
                zones[holder].append((link, ttl.local(_key(element))))
            else:
                self._pending_links.setdefault(holder, []).append((link, ttl.local(_key(element))))
        for key, pairs in zones.items():
            doc.add(ttl.local(key), pairs)
        return ttl.local(root_key)

    # --- elements -------------------------------------------------------------------------------

    def _element(
        self, element: Any, volume: float | None, origin: str, mass: float | None,
        doc: ttl.TurtleDocument, report: ImportReport,
    ) -> None:
        key = _key(element)
        label = f"{element.is_a()} {key}" + (f" ({element.Name})" if element.Name else "")
        pairs: list[tuple[str, str]] = [
            ("a", "bot:Element"),
            ("dcterms:identifier", ttl.text(key)),
            ("dcterms:type", ttl.text(element.is_a())),
        ]
        if element.Name:
            pairs.append(("rdfs:label", ttl.text(element.Name)))
        element_type = ifcopenshell.util.element.get_type(element)
        if element_type is not None:
            pairs.append(("mpr:instanceOf", self._product_type(element_type, doc)))
        pairs += self._pending_links.pop(key, [])
        psets = ifcopenshell.util.element.get_psets(element, psets_only=True)  # element's and its type's
        pairs += _classification_pairs(element, psets, report)
        props = _passport_properties(psets)
        pairs += self._property_pairs(props, label, report)
        if element.id() in self._containers:
            report.assemblies += 1  # its parts carry material and quantities; it is no gap
            doc.add(ttl.local(key), pairs)
            return
        parts = self._material_parts(element, key)
        pairs += _quantity_pairs(key, volume, origin, mass, report)
        content = _Content(volume, mass, _optional_fraction(props.get("recycled_content")),
                           _optional_fraction(props.get("reused_content")),
                           any(element.is_a(cls) for cls in LINEAR_MEMBERS))
        for part in parts:
            composition = self._composition(part, len(parts), content, report)
            if composition is not None:
                pairs.append(("mpr:composedOf", composition.turtle()))
        doc.add(ttl.local(key), pairs)

    def _material_parts(self, element: Any, key: str) -> list[_Part]:
        """The element's materials (shared sets read once), and the element reported when it has none."""
        material = ifcopenshell.util.element.get_material(element, should_skip_usage=True)
        cache_key = material.id() if material is not None else 0
        if cache_key not in self._parts_cache:  # thousands of elements share a few material sets
            self._parts_cache[cache_key] = _parts(material)
        parts = self._parts_cache[cache_key]
        if not parts:
            self._report.elements_without_material.append(key)
        return parts

    def _composition(self, part: _Part, count: int, content: _Content, report: ImportReport) -> Composition | None:
        """One material of an element with its share of volume and mass; cavities, placeholders and unknown
        names are tallied in the report (with the volume they carry) instead."""
        volume = content.volume * part.fraction if content.volume is not None and part.fraction is not None else None
        name = part.name or "(layer without material)"
        found = Resolution(cavity=True) if part.gap else self.names.resolve(part.name)
        if found.cavity or found.placeholder:
            (report.cavities if found.cavity else report.placeholders)[name].add(volume)
            return None
        if part.assumption:
            report.assumptions[part.assumption] += 1
        report.readable_volume_m3 += volume or 0.0
        self._count_rules(part.name, volume)
        if found.match is None:
            report.unmapped[name].add(volume)
            report.unmapped_materials[name] = report.unmapped_materials.get(name, 0) + 1
            return None
        match = found.match
        if match.needs_review:
            report.fuzzy_matches[name] = match.iri
            report.guesses.setdefault(name, Guess(match)).tally.add(volume)
        framing = None if content.member else match.framing
        solid = volume * framing.fraction if framing is not None and volume is not None else volume
        if framing is not None and volume is not None and solid is not None:
            report.cavities[f"{name} (between the framing)"].add(volume - solid)
        mass = self._part_mass(match.iri, count, content.mass, solid, framing)
        _add_total(report, match.iri, volume, solid, mass)
        kg, source = mass if mass is not None else (None, None)
        key = (part, match, framing is None)
        if key not in self._provenance:  # the same few nodes for thousands of elements
            self._provenance[key] = _provenance(part, match, framing)
        return Composition(match.iri, part.name or None, solid, kg, source, content.recycled, content.reused,
                           provenance=self._provenance[key])

    def _count_rules(self, name: str, volume: float | None) -> None:
        """With an organisation's table: would the rules alone have given this part a concept with a density?"""
        if self.rules is None or volume is None or self._report.mapped_by_rules_m3 is None:
            return
        match = self.rules.material(name)
        if match is not None and match.iri in self.concepts.density:
            self._report.mapped_by_rules_m3 += volume

    def _part_mass(
        self, concept: str, count: int, mass: float | None, volume: float | None, framing: Framing | None,
    ) -> tuple[float, str] | None:
        """A stated mass for a one-material element; otherwise volume x the concept's typical density.

        A concept without a density is reported with the reason the vocabulary gives (mpr:noTypicalDensity).
        """
        if mass is not None and count == 1 and framing is None:
            return mass, "IFC quantity set"
        density = self.concepts.density.get(concept)
        if density is None:
            slug = concept.rsplit("/", 1)[-1]
            self._report.mass_unknown[slug] = self.concepts.no_density.get(concept, "no typical density")
            return None
        if volume is None:
            return None
        kg, source = fields.estimated_mass(volume, density)
        if framing is not None:
            source = f"solid share {framing.fraction:g} of the framing layer ({framing.source}); {source}"
        return kg, source

    def _product_type(self, element_type: Any, doc: ttl.TurtleDocument) -> str:
        """The IFC type object as a product type (`schema:Product`), written once however many elements use it."""
        key = _key(element_type)
        if key not in self._types:
            self._types.add(key)
            pairs = [("a", "schema:Product"), ("dcterms:identifier", ttl.text(key)),
                     ("dcterms:type", ttl.text(element_type.is_a()))]
            if element_type.Name:
                pairs.append(("rdfs:label", ttl.text(element_type.Name)))
            doc.add(ttl.local(key), pairs)
        return ttl.local(key)

    def _property_pairs(self, props: dict[str, Any], label: str, report: ImportReport) -> list[tuple[str, str]]:
        """Passport property sets as statements; values that cannot be read become warnings on the element."""
        pairs: list[tuple[str, str]] = []
        if "gtin" in props:
            pairs.append(("schema:gtin", ttl.text(str(props["gtin"]))))
        if "product_id" in props:
            pairs.append(("schema:productID", ttl.text(str(props["product_id"]))))
        readers: tuple[tuple[str, str, Callable[[Any], str]], ...] = (
            ("product_type", "mpr:instanceOf", lambda v: fields.product_type(str(v), self.base)),
            ("connection_type", "mpr:connectionType", self._connection),
            ("available_from", "mpr:availableFrom", fields.date_literal),
        )
        for key, predicate, read in readers:
            if props.get(key):
                try:
                    pairs.append((predicate, read(props[key])))
                except MalformedInput as exc:
                    report.warnings.append(f"{label}: {key} {exc.message}")
        lifetime = props.get("expected_lifetime")
        if isinstance(lifetime, int | float) and lifetime > 0:
            pairs.append(("mpr:expectedLifetime", ttl.decimal(float(lifetime))))
        for key in ("recycled_content", "reused_content"):
            if key in props and _optional_fraction(props[key]) is None:
                report.warnings.append(f"{label}: {key} {props[key]!r} is not a fraction 0..1 or a percentage")
        return pairs

    def _connection(self, name: Any) -> str:
        concept = self.names.connection(str(name))
        if concept is None:
            raise MalformedInput(f"{name!r} is not in the connections scheme")
        return ttl.iri(concept)


def _degrees(angle: Any) -> float | None:
    """IfcCompoundPlaneAngleMeasure (degrees, minutes, seconds[, millionths]; all of one sign) to decimal degrees."""
    if not angle or len(angle) < 3:
        return None
    parts = [float(p) for p in [*angle, 0][:4]]
    return parts[0] + parts[1] / 60 + parts[2] / 3600 + parts[3] / 3.6e9


def _site_location(site: Any) -> tuple[float, float] | None:
    """The site's RefLongitude/RefLatitude (WGS 84 by IFC's definition) as (lon, lat); None when absent or 0,0."""
    lat, lon = _degrees(site.RefLatitude), _degrees(site.RefLongitude)
    if lat is None or lon is None or (lat == 0 and lon == 0) or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lon, lat


def _optional_fraction(value: Any) -> float | None:
    """A share read by the shared field parser; None when absent or unreadable (warned about once, elsewhere)."""
    if value is None:
        return None
    try:
        return fields.fraction(value)
    except MalformedInput:
        return None


def _quantity_pairs(key: str, volume: float | None, origin: str, mass: float | None,
                    report: ImportReport) -> list[tuple[str, str]]:
    """The element's own volume and mass, and where they came from (quantity set or geometry)."""
    pairs: list[tuple[str, str]] = []
    if volume is None and mass is None:
        report.elements_without_quantities.append(key)
    else:
        report.quantity_sources[origin if volume is not None else "quantity set"] += 1
    if volume is not None:
        pairs.append(("mpr:volume", ttl.quantity(volume, "M3", f"IFC {origin}")))
    if mass is not None:
        pairs.append(("mpr:mass", ttl.quantity(mass, "KiloGM", "IFC quantity set")))
    return pairs
