"""Spreadsheet (XLSX, CSV) to a passport: one row per building, storey, space, element or product.

Builders fill these by hand, so the importer checks every cell and reports every problem at once, each with sheet,
row and column and a sentence a builder understands; a sheet with any problem produces nothing (all or nothing).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from registry.concepts import ConceptScheme
from registry.errors import BodyTooLarge, InvalidPassport, MalformedInput
from registry.importers import fields, layers
from registry.importers import turtle as ttl
from registry.importers.fields import Composition, blank
from registry.importers.naming import ConceptNames, provenance
from registry.namespaces import CONNECTIONS
from registry.xml_guard import refuse_dtd

SHEET = "elements"
#: The template's columns, in order: (header, required, what a builder should put there).
COLUMNS: tuple[tuple[str, bool, str], ...] = (
    ("id", True, "Your own unique code for the row, e.g. W-01"),
    ("name", False, "Name, e.g. 'Outer wall north'"),
    ("parent", False, "id of the row this one belongs to (element in a storey, storey in a building); "
                      "empty for the building itself"),
    ("type", True, "site, building, storey, space, element or product"),
    ("material", False, "Material name in English or Dutch, e.g. 'Beton C30/37', 'steel', 'kalkzandsteen'"),
    ("mass_kg", False, "Mass in kg (a number)"),
    ("volume_m3", False, "Volume in m3 (a number); the mass is estimated from it when mass_kg is empty"),
    ("recycled_content", False, "Share of recycled input: 0 to 1, or a percentage like 30%"),
    ("connection_type", False, "How it is fixed: dry, bolted, screwed, glued, welded, mortared, cast in situ, ..."),
    ("available_from", False, "Date from which it can be harvested, YYYY-MM-DD"),
    ("location", False, "Longitude and latitude in WGS 84, e.g. '5.1214 52.0907'"),
    ("product_type", False, "A product passport: its id in this registry or its full IRI"),
    ("classification", False, "Classification system and code, e.g. 'NL-SfB 21.12', 'Uniclass EF_25_10', "
                              "'OmniClass 21-02 20'"),
    ("layer", False, "Shearing layer: site, structure, skin, services, space-plan or stuff; empty: from the "
                     "classification where it tells"),
)
HEADERS = tuple(name for name, _required, _help in COLUMNS)
TYPES = {"site": "bot:Site", "building": "bot:Building", "storey": "bot:Storey", "space": "bot:Space",
         "element": "bot:Element", "product": "schema:Product"}
ZONE_LINK = {"building": "bot:hasBuilding", "storey": "bot:hasStorey", "space": "bot:hasSpace"}
ROOT_TYPES = ("site", "building", "product")

MAX_ROWS = 100_000
#: Largest uncompressed size of an XLSX (all zip members together); a zip bomb is refused before openpyxl opens it.
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 200

XLSX_TYPES = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",)
CSV_TYPES = ("text/csv", "application/csv")
T = TypeVar("T")
Record = dict[str, Any]
#: Reports a problem in one cell: (row's record, column name, message).
ProblemSink = Callable[[Record, str, str], None]


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "row": self.row, "column": self.column, "message": self.message}


@dataclass
class SheetReport:
    source: str
    rows: int = 0
    elements: int = 0
    totals_by_material: dict[str, dict[str, float]] = field(default_factory=dict)
    estimated_masses: int = 0
    matches_to_review: dict[str, dict[str, Any]] = field(default_factory=dict)
    mass_unknown: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "rows": self.rows, "elements_imported": self.elements,
                "masses_estimated_from_volume": self.estimated_masses,
                "matches_to_review": [{"name": k, **v} for k, v in sorted(self.matches_to_review.items())],
                "mass_unknown": dict(sorted(self.mass_unknown.items())),
                "totals_by_material": self.totals_by_material}


@dataclass(frozen=True)
class SheetResult:
    turtle: bytes
    report: SheetReport


def template_bytes() -> bytes:
    """The XLSX template: header row, one example row per type, and a help sheet explaining each column."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = SHEET
    sheet.append(list(HEADERS))
    sheet.append(["B-1", "Test pavilion", None, "building", None, None, None, None, None, "2030-01-01",
                  "5.1214 52.0907", None, None, None])
    sheet.append(["S-0", "Ground floor", "B-1", "storey"] + [None] * 10)
    sheet.append(["C-1", "Column C1", "S-0", "element", "gewapend beton", 675, 0.27, 0.1, "bolted",
                  "2030-01-01", None, None, "NL-SfB 28.11", "structure"])
    for index, (name, _required, _help) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(name) + 4)
    help_sheet = workbook.create_sheet("help")
    help_sheet.append(["column", "required", "what to fill in"])
    for name, required, text in COLUMNS:
        help_sheet.append([name, "yes" if required else "no", text])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _check_zip(data: bytes, source: str) -> None:
    """Refuse zip bombs by the sizes the zip directory declares, before anything is decompressed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise MalformedInput(f"{source} is not an XLSX workbook (not a zip archive): {exc}") from exc
    total = sum(m.file_size for m in members)
    if total > MAX_UNCOMPRESSED or total > MAX_RATIO * max(len(data), 1024 * 1024):
        raise BodyTooLarge(
            f"{source} unpacks to {total} bytes ({total // max(len(data), 1)}x its size); "
            f"the limit is {MAX_UNCOMPRESSED} bytes. Is it really a spreadsheet?"
        )


def _check_xml_parts(data: bytes, source: str) -> None:
    """openpyxl reads the parts with the stdlib XML parser, which expands internal entities: check each part first.

    Called after `_check_zip`, so the parts' total size is already bounded.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for member in archive.infolist():
            if member.filename.endswith((".xml", ".rels", ".vml")):
                refuse_dtd(archive.read(member), f"{source} ({member.filename})")


def read_xlsx(data: bytes, source: str) -> tuple[str, list[list[Any]]]:
    _check_zip(data, source)
    _check_xml_parts(data, source)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise MalformedInput(f"{source} could not be opened as an XLSX workbook: {exc}") from exc
    try:
        sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > MAX_ROWS + 1:
                raise MalformedInput(f"{source} has more than {MAX_ROWS} rows; split it into several passports")
        return sheet.title, rows
    finally:
        workbook.close()


def read_csv(data: bytes, source: str) -> tuple[str, list[list[Any]]]:
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedInput(f"{source} is not UTF-8 text; save the CSV as UTF-8") from exc
    first_line = content.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)  # Dutch Excel writes ';'
    rows: list[list[Any]] = [list(r) for r in csv.reader(io.StringIO(content), delimiter=delimiter)]
    if len(rows) > MAX_ROWS + 1:
        raise MalformedInput(f"{source} has more than {MAX_ROWS} rows; split it into several passports")
    return "csv", rows


def _key(record: Record, name: str = "id") -> str:
    return "" if blank(record.get(name)) else str(record[name]).strip()


def _cell(record: Record, name: str, parse: Callable[[Any], T], problem: ProblemSink) -> T | None:
    """A parsed cell, None when empty; a value the parser refuses becomes a problem on that cell."""
    value = record.get(name)
    if blank(value):
        return None
    try:
        return parse(value)
    except MalformedInput as exc:
        problem(record, name, exc.message)
        return None


class SheetImporter:
    """Checks and converts one sheet; `base` resolves product passport ids to IRIs."""

    def __init__(self, concepts: ConceptScheme, base: str, mappings: Mapping[str, str] | None = None) -> None:
        self.concepts = concepts
        self.names = ConceptNames(concepts, mappings)
        self.base = base.rstrip("/")

    def import_bytes(self, data: bytes, source: str, kind: str, title: str | None = None) -> SheetResult:
        """`kind` is "xlsx" or "csv"."""
        sheet, rows = read_xlsx(data, source) if kind == "xlsx" else read_csv(data, source)
        return self.import_rows(sheet, rows, source, title)

    def import_rows(self, sheet: str, rows: list[list[Any]], source: str, title: str | None) -> SheetResult:
        while rows and all(blank(v) for v in rows[-1]):
            rows.pop()
        if not rows:
            raise InvalidPassport(f"{source} is empty", problems=[Problem(sheet, 1, "", "the sheet is empty; "
                                  "start from the template (GET /imports/spreadsheet/template)").as_dict()])
        column = _header(sheet, rows[0], source)
        records: list[Record] = []
        for number, raw in enumerate(rows[1:], start=2):
            if all(blank(v) for v in raw):
                continue
            record = {name: (raw[i] if i < len(raw) else None) for name, i in column.items()}
            record["_row"] = number
            records.append(record)
        problems: list[Problem] = []
        report = SheetReport(source=source, rows=len(records))
        nodes = self._check(sheet, records, column, problems, report)
        if problems:
            raise InvalidPassport(
                f"{source}: {len(problems)} problem(s) in the sheet; nothing was imported",
                problems=[p.as_dict() for p in problems],
            )
        return SheetResult(_document(nodes, records, source, title), report)

    def _check(
        self, sheet: str, records: list[Record], column: dict[str, int], problems: list[Problem],
        report: SheetReport,
    ) -> dict[str, list[tuple[str, str]]]:
        """Validate every row and build its node; problems are collected, never raised one at a time."""

        def problem(record: Record, name: str, message: str) -> None:
            letter = get_column_letter(column[name] + 1) if name in column else name
            problems.append(Problem(sheet, record["_row"], f"{letter} ({name})", message))

        ids, types = _identify(records, problem)
        _check_root(sheet, records, types, problems, problem)
        nodes: dict[str, list[tuple[str, str]]] = {}
        for record in records:
            key = _key(record)
            kind = types.get(key)
            if not key or kind is None:
                continue
            pairs: list[tuple[str, str]] = [("a", TYPES[kind]), ("dcterms:identifier", ttl.text(key))]
            if not blank(record.get("name")):
                pairs.append(("rdfs:label", ttl.text(str(record["name"]).strip())))
            pairs += self._cells(record, problem, report)
            nodes[key] = pairs
            if kind in ("element", "product"):
                report.elements += 1
        _link_parents(records, ids, types, nodes, problem)
        return nodes

    # --- the cells of one row, in the template's column order ------------------------------------

    def _cells(self, record: Record, problem: ProblemSink, report: SheetReport) -> list[tuple[str, str]]:
        mass = _cell(record, "mass_kg", lambda v: fields.amount(v, "kg"), problem)
        volume = _cell(record, "volume_m3", lambda v: fields.amount(v, "m3"), problem)
        recycled = _cell(record, "recycled_content", fields.fraction, problem)
        pairs = self._composition(record, problem, report, mass, volume, recycled)
        connection = self._connection(record, problem)
        if connection is not None:
            pairs.append(("mpr:connectionType", connection))
        available = _cell(record, "available_from", fields.date_literal, problem)
        if available is not None:
            pairs.append(("mpr:availableFrom", available))
        location = _cell(record, "location", fields.point, problem)
        if location is not None:
            pairs.append(("geo:hasGeometry", fields.geometry(*location)))
        product_type = _cell(record, "product_type", lambda v: fields.product_type(v, self.base), problem)
        if product_type is not None:
            pairs.append(("mpr:instanceOf", product_type))
        return pairs + self._classification(record, problem)

    def _classification(self, record: Record, problem: ProblemSink) -> list[tuple[str, str]]:
        """The classification cell as dcterms:subject, and the shearing layer: stated, else from the classification."""
        pairs: list[tuple[str, str]] = []
        layer: str | None = None
        text = record.get("classification")
        if not blank(text):
            system, _sep, code = str(text).strip().replace(":", " ", 1).partition(" ")
            if not code.strip():
                problem(record, "classification", f"'{text}' is not 'SYSTEM CODE', e.g. 'NL-SfB 21.12'")
            else:
                pairs.append(("dcterms:subject", f"[ skos:notation {ttl.text(code.strip())} ; skos:inScheme "
                                                 f"[ a skos:ConceptScheme ; dcterms:title {ttl.text(system)} ] ]"))
                layer = layers.from_classification(system, code.strip())
        stated = record.get("layer")
        if not blank(stated):
            layer = self.concepts.find(str(stated), layers.LAYERS)
            if layer is None:
                problem(record, "layer", f"layer '{stated}' is not one of site, structure, skin, services, "
                                         "space-plan, stuff")
        if layer is not None:
            pairs.append(("mpr:shearingLayer", ttl.iri(layer)))
        return pairs

    def _composition(
        self, record: Record, problem: ProblemSink, report: SheetReport,
        mass: float | None, volume: float | None, recycled: float | None,
    ) -> list[tuple[str, str]]:
        """The row's material with its mass (stated, else volume x typical density), volume and recycled share."""
        material = record.get("material")
        if blank(material):
            if mass is not None or volume is not None or recycled is not None:
                problem(record, "material", "a mass, volume or recycled content needs a material on the same row")
            return []
        match = self.names.material(str(material))
        if match is None:
            hints = ", ".join(f"'{s}'" for s in self.names.suggestions(str(material)))
            problem(record, "material", f"material '{material}' is not known; did you mean {hints}?")
            return []
        source = None
        density = self.concepts.density.get(match.iri)
        if mass is None and volume is not None and density is not None:
            mass, source = fields.estimated_mass(volume, density)
            report.estimated_masses += 1
        elif mass is None and volume is not None:
            report.mass_unknown[match.iri.rsplit("/", 1)[-1]] = self.concepts.no_density.get(match.iri, "")
        if match.needs_review:
            report.matches_to_review[str(material).strip()] = {
                "concept": match.iri, "method": match.method, "score": match.score, "rule": match.rule}
        total = report.totals_by_material.setdefault(match.iri.rsplit("/", 1)[-1], {"mass_kg": 0.0, "volume_m3": 0.0})
        total["volume_m3"] += volume or 0.0
        total["mass_kg"] += mass or 0.0
        comp = Composition(match.iri, str(material).strip(), volume, mass, source, recycled,
                           provenance=provenance(str(material).strip(), match))
        return [("mpr:composedOf", comp.turtle())]

    def _connection(self, record: Record, problem: ProblemSink) -> str | None:
        connection = record.get("connection_type")
        if blank(connection):
            return None
        concept = self.names.connection(str(connection))
        if concept is None:
            hints = ", ".join(f"'{s}'" for s in self.names.suggestions(str(connection), CONNECTIONS))
            problem(record, "connection_type", f"connection type '{connection}' is not known; did you mean {hints}?")
            return None
        return ttl.iri(concept)


def _header(sheet: str, first: list[Any], source: str) -> dict[str, int]:
    """Column name -> index; a header that does not match the template refuses the whole sheet."""
    header = [str(v).strip().casefold() if v is not None else "" for v in first]
    column = {name: header.index(name) for name in HEADERS if name in header}
    missing = [name for name, required, _ in COLUMNS if required and name not in column]
    unknown = [h for h in header if h and h not in HEADERS]
    if not missing and not unknown:
        return column
    problems = [Problem(sheet, 1, name, f"column '{name}' is missing from the header row") for name in missing]
    problems += [Problem(sheet, 1, get_column_letter(header.index(name) + 1),
                         f"column '{name}' is not in the template; the columns are: " + ", ".join(HEADERS))
                 for name in unknown]
    raise InvalidPassport(f"{source}: the header row does not match the template; nothing was imported",
                          problems=[p.as_dict() for p in problems])


def _identify(records: list[Record], problem: ProblemSink) -> tuple[dict[str, int], dict[str, str]]:
    """Row of every valid id, and the type of every row with a valid id and type."""
    ids: dict[str, int] = {}
    types: dict[str, str] = {}
    for record in records:
        key = _key(record)
        if not key:
            problem(record, "id", "every row needs an id")
        elif not fields.LOCAL_ID.match(key):
            problem(record, "id", f"id '{key}' may only contain letters, digits and . _ ~ - (no spaces)")
        elif key in ids:
            problem(record, "id", f"id '{key}' is used twice (also on row {ids[key]})")
        else:
            ids[key] = record["_row"]
        kind = _key(record, "type").casefold()
        if kind not in TYPES:
            problem(record, "type", f"type '{kind}' is not one of: {', '.join(TYPES)}")
        elif key:
            types[key] = kind
    return ids, types


def _check_root(
    sheet: str, records: list[Record], types: dict[str, str], problems: list[Problem], problem: ProblemSink,
) -> None:
    """Exactly one row without a parent, and it is what a passport can describe."""
    roots = [r for r in records if blank(r.get("parent"))]
    if len(roots) != 1:
        rows = ", ".join(str(r["_row"]) for r in roots) or "none"
        problems.append(Problem(sheet, roots[1]["_row"] if len(roots) > 1 else 2, "parent",
                                f"exactly one row (the building, site or product) must have an empty parent; "
                                f"rows with an empty parent: {rows}"))
    elif types.get(str(roots[0].get("id")).strip()) not in ROOT_TYPES:
        problem(roots[0], "type", "the row without a parent must be a building, site or product")


def _link_parents(
    records: list[Record], ids: dict[str, int], types: dict[str, str], nodes: dict[str, list[tuple[str, str]]],
    problem: ProblemSink,
) -> None:
    """Each row's link from its parent: a zone link for zones, a sub-element or part link inside an element."""
    for record in records:
        key, parent = _key(record), _key(record, "parent")
        if not parent or key not in nodes:
            continue
        if parent not in ids:
            problem(record, "parent", f"parent '{parent}' is not the id of any row")
            continue
        if parent == key:
            problem(record, "parent", "a row cannot be its own parent")
            continue
        kind, parent_kind = types[key], types.get(parent)
        if kind in ZONE_LINK:
            link = ZONE_LINK[kind]
        elif parent_kind in ("element", "product"):
            link = "bot:hasSubElement" if parent_kind == "element" else "dcterms:hasPart"
        else:
            link = "bot:hasElement"
        if parent in nodes:
            nodes[parent].append((link, ttl.local(key)))


def _document(nodes: dict[str, list[tuple[str, str]]], records: list[Record], source: str, title: str | None) -> bytes:
    """The passport: every row's node, and the passport node describing the row without a parent."""
    doc = ttl.TurtleDocument()
    root = next(r for r in records if blank(r.get("parent")))
    for key, pairs in nodes.items():
        doc.add(ttl.local(key), pairs)
    name = title or (str(root["name"]) if not blank(root.get("name")) else source)
    doc.add("<>", [("a", "mpr:Passport"), ("dcterms:title", ttl.text(name)),
                   ("mpr:describes", ttl.local(str(root["id"]).strip())),
                   ("dcterms:source", ttl.text(f"spreadsheet import of {source}"))])
    return doc.to_bytes(f"# Imported from {source}.\n")
