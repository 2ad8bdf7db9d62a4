"""Spreadsheet (XLSX, CSV) to a passport: one row per building, storey, space, element or product.

Builders fill these by hand, so the importer checks every cell and reports every problem at once, each with sheet,
row and column and a sentence a builder understands; a sheet with any problem produces nothing (all or nothing).
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from registry.errors import BodyTooLarge, InvalidPassport, MalformedInput
from registry.importers import turtle as ttl
from registry.importers.vocabulary import Vocabulary
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
_ID = re.compile(r"^[A-Za-z0-9._~-]{1,100}$")


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

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "rows": self.rows, "elements_imported": self.elements,
                "masses_estimated_from_volume": self.estimated_masses,
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
                  "5.1214 52.0907", None])
    sheet.append(["S-0", "Ground floor", "B-1", "storey"] + [None] * 8)
    sheet.append(["C-1", "Column C1", "S-0", "element", "gewapend beton", 675, 0.27, 0.1, "bolted",
                  "2030-01-01", None, None])
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


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    text = str(value).strip().replace(" ", "")
    if "," in text and "." not in text:  # Dutch decimal comma
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


class SheetImporter:
    """Checks and converts one sheet; `base` resolves product passport ids to IRIs."""

    def __init__(self, vocabulary: Vocabulary, base: str) -> None:
        self.vocabulary = vocabulary
        self.base = base.rstrip("/")

    def import_bytes(self, data: bytes, source: str, kind: str, title: str | None = None) -> SheetResult:
        """`kind` is "xlsx" or "csv"."""
        sheet, rows = read_xlsx(data, source) if kind == "xlsx" else read_csv(data, source)
        return self.import_rows(sheet, rows, source, title)

    def import_rows(self, sheet: str, rows: list[list[Any]], source: str, title: str | None) -> SheetResult:
        problems: list[Problem] = []
        while rows and all(_blank(v) for v in rows[-1]):
            rows.pop()
        if not rows:
            raise InvalidPassport(f"{source} is empty", problems=[Problem(sheet, 1, "", "the sheet is empty; "
                                  "start from the template (GET /imports/spreadsheet/template)").as_dict()])
        header = [str(v).strip().casefold() if v is not None else "" for v in rows[0]]
        column = {name: header.index(name) for name in HEADERS if name in header}
        missing = [name for name, required, _ in COLUMNS if required and name not in column]
        unknown = [h for h in header if h and h not in HEADERS]
        if missing or unknown:
            for name in missing:
                problems.append(Problem(sheet, 1, name, f"column '{name}' is missing from the header row"))
            for name in unknown:
                problems.append(Problem(sheet, 1, get_column_letter(header.index(name) + 1),
                                        f"column '{name}' is not in the template; the columns are: "
                                        + ", ".join(HEADERS)))
            raise InvalidPassport(f"{source}: the header row does not match the template; nothing was imported",
                                  problems=[p.as_dict() for p in problems])

        records: list[dict[str, Any]] = []
        for number, raw in enumerate(rows[1:], start=2):
            if all(_blank(v) for v in raw):
                continue
            record = {name: (raw[i] if i < len(raw) else None) for name, i in column.items()}
            record["_row"] = number
            records.append(record)

        doc = ttl.TurtleDocument()
        report = SheetReport(source=source, rows=len(records))
        nodes = self._check(sheet, records, column, problems, report)
        if problems:
            raise InvalidPassport(
                f"{source}: {len(problems)} problem(s) in the sheet; nothing was imported",
                problems=[p.as_dict() for p in problems],
            )
        roots = [r for r in records if _blank(r.get("parent"))]
        root = roots[0]
        for key, pairs in nodes.items():
            doc.add(ttl.local(key), pairs)
        name = title or (str(root["name"]) if not _blank(root.get("name")) else source)
        doc.add("<>", [("a", "mpr:Passport"), ("dcterms:title", ttl.text(name)),
                       ("mpr:describes", ttl.local(str(root["id"]).strip())),
                       ("dcterms:source", ttl.text(f"spreadsheet import of {source}"))])
        return SheetResult(doc.to_bytes(f"# Imported from {source}.\n"), report)

    def _check(
        self, sheet: str, records: list[dict[str, Any]], column: dict[str, int], problems: list[Problem],
        report: SheetReport,
    ) -> dict[str, list[tuple[str, str]]]:
        """Validate every row and build its node; problems are collected, never raised one at a time."""

        def problem(record: dict[str, Any], name: str, message: str) -> None:
            letter = get_column_letter(column[name] + 1) if name in column else name
            problems.append(Problem(sheet, record["_row"], f"{letter} ({name})", message))

        ids: dict[str, int] = {}
        types: dict[str, str] = {}
        for record in records:
            key = "" if _blank(record.get("id")) else str(record["id"]).strip()
            if not key:
                problem(record, "id", "every row needs an id")
            elif not _ID.match(key):
                problem(record, "id", f"id '{key}' may only contain letters, digits and . _ ~ - (no spaces)")
            elif key in ids:
                problem(record, "id", f"id '{key}' is used twice (also on row {ids[key]})")
            else:
                ids[key] = record["_row"]
            kind = "" if _blank(record.get("type")) else str(record["type"]).strip().casefold()
            if kind not in TYPES:
                problem(record, "type", f"type '{kind}' is not one of: {', '.join(TYPES)}")
            elif key:
                types[key] = kind

        roots = [r for r in records if _blank(r.get("parent"))]
        if len(roots) != 1:
            rows = ", ".join(str(r["_row"]) for r in roots) or "none"
            problems.append(Problem(sheet, roots[1]["_row"] if len(roots) > 1 else 2, "parent",
                                    f"exactly one row (the building, site or product) must have an empty parent; "
                                    f"rows with an empty parent: {rows}"))
        elif types.get(str(roots[0].get("id")).strip()) not in ROOT_TYPES:
            problem(roots[0], "type", "the row without a parent must be a building, site or product")

        nodes: dict[str, list[tuple[str, str]]] = {}
        for record in records:
            key = "" if _blank(record.get("id")) else str(record["id"]).strip()
            kind = types.get(key)
            if not key or kind is None:
                continue
            pairs: list[tuple[str, str]] = [("a", TYPES[kind]), ("dcterms:identifier", ttl.text(key))]
            if not _blank(record.get("name")):
                pairs.append(("rdfs:label", ttl.text(str(record["name"]).strip())))
            pairs += self._cells(record, problem, report)
            nodes[key] = pairs
            if kind in ("element", "product"):
                report.elements += 1
        for record in records:
            key = "" if _blank(record.get("id")) else str(record["id"]).strip()
            parent = "" if _blank(record.get("parent")) else str(record["parent"]).strip()
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
        return nodes

    def _cells(self, record: dict[str, Any], problem: Any, report: SheetReport) -> list[tuple[str, str]]:
        pairs: list[tuple[str, str]] = []
        mass = volume = None
        for name in ("mass_kg", "volume_m3"):
            value = record.get(name)
            if _blank(value):
                continue
            number = _number(value)
            if number is None or number < 0:
                unit = "kg" if name == "mass_kg" else "m3"
                problem(record, name, f"'{value}' is not a number of {unit} (write e.g. 675 or 0.27, no units)")
            elif name == "mass_kg":
                mass = number
            else:
                volume = number
        recycled = None
        value = record.get("recycled_content")
        if not _blank(value):
            text = str(value).strip()
            number = _number(text.rstrip("%"))
            if number is not None and (text.endswith("%") or number > 1):
                number = number / 100
            if number is None or not 0 <= number <= 1:
                problem(record, "recycled_content", f"'{value}' is not a share between 0 and 1 (or 0% to 100%)")
            else:
                recycled = number

        material = record.get("material")
        if not _blank(material):
            match = self.vocabulary.material(str(material))
            if match is None:
                hints = ", ".join(f"'{s}'" for s in self.vocabulary.materials.suggestions(str(material)))
                problem(record, "material", f"material '{material}' is not known; did you mean {hints}?")
            else:
                comp = [("a", "mpr:MaterialComposition"), ("mpr:material", f"<{match.iri}>"),
                        ("rdfs:label", ttl.text(str(material).strip()))]
                slug = match.iri.rsplit("/", 1)[-1]
                total = report.totals_by_material.setdefault(slug, {"mass_kg": 0.0, "volume_m3": 0.0})
                if volume is not None:
                    comp.append(("mpr:volume", ttl.quantity(volume, "M3")))
                    total["volume_m3"] += volume
                density = self.vocabulary.density(match.iri)
                if mass is not None:
                    comp.append(("mpr:mass", ttl.quantity(mass, "KiloGM")))
                    total["mass_kg"] += mass
                elif volume is not None and density is not None:
                    estimate = volume * density.kg_per_m3
                    comp.append(("mpr:mass", ttl.quantity(
                        estimate, "KiloGM",
                        f"volume x typical density {density.kg_per_m3:g} kg/m3 ({density.source})")))
                    total["mass_kg"] += estimate
                    report.estimated_masses += 1
                if recycled is not None:
                    comp.append(("mpr:recycledContent", ttl.decimal(recycled)))
                pairs.append(("mpr:composedOf", "[ " + " ; ".join(f"{p} {o}" for p, o in comp) + " ]"))
        elif mass is not None or volume is not None or recycled is not None:
            problem(record, "material", "a mass, volume or recycled content needs a material on the same row")

        connection = record.get("connection_type")
        if not _blank(connection):
            concept = self.vocabulary.connection(str(connection))
            if concept is None:
                hints = ", ".join(f"'{s}'" for s in self.vocabulary.connections.suggestions(str(connection)))
                problem(record, "connection_type",
                        f"connection type '{connection}' is not known; did you mean {hints}?")
            else:
                pairs.append(("mpr:connectionType", f"<{concept}>"))

        available = record.get("available_from")
        if not _blank(available):
            day: date | None = None
            if isinstance(available, datetime):
                day = available.date()
            elif isinstance(available, date):
                day = available
            else:
                try:
                    day = date.fromisoformat(str(available).strip())
                except ValueError:
                    problem(record, "available_from", f"'{available}' is not a date; write it as YYYY-MM-DD")
            if day is not None:
                pairs.append(("mpr:availableFrom", ttl.typed(day.isoformat(), "xsd:date")))

        location = record.get("location")
        if not _blank(location):
            # "lon lat", "lon, lat" or "lon,lat"; Dutch decimal commas ("5,12 52,09") need the space form
            parts = [p.strip(",") for p in str(location).split()]
            if len(parts) == 1:
                parts = parts[0].split(",")
            numbers = [_number(p) for p in parts]
            if len(numbers) != 2 or None in numbers:
                problem(record, "location", f"'{location}' is not 'longitude latitude', e.g. '5.1214 52.0907'")
            else:
                lon, lat = numbers  # type: ignore[misc]
                assert lon is not None and lat is not None
                if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                    problem(record, "location", f"'{location}' is outside the earth: longitude first (-180..180), "
                                                "then latitude (-90..90)")
                else:
                    wkt = ttl.typed(f"POINT({lon:g} {lat:g})", "geo:wktLiteral")
                    pairs.append(("geo:hasGeometry", f"[ a geo:Geometry ; geo:asWKT {wkt} ]"))

        product_type = record.get("product_type")
        if not _blank(product_type):
            text = str(product_type).strip()
            if text.startswith(("http://", "https://")):
                pairs.append(("mpr:instanceOf", ttl.iri(text)))
            elif _ID.match(text):
                pairs.append(("mpr:instanceOf", ttl.iri(f"{self.base}/passports/{text}")))
            else:
                problem(record, "product_type", f"'{text}' is neither a passport id nor an http(s) IRI")
        return pairs
