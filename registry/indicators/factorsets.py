"""An organisation's own carbon factor sets: its EPD figures or licensed data, used by the indicators on request.

Why: the shipped reference set covers two materials; organisations hold EPDs of the products they buy and
licensed databases they may use but not publish. A set is theirs, versioned, public or restricted, and every
figure computed from it names the set, its version and the value's source (docs/methods.md, "Embodied carbon").

Every value states its material concept, module, kg CO2e, EN 15804 edition, GWP indicator, declared unit,
source and licence; a value without one of them is refused (422 naming the row and column), because a figure
that cannot say what it is must not be summed with others (data.carbon_basis).

Stored as RDF in the named graph `{base}/organisations/{org}/carbon-factors/{set}`: the set is an
mpr:CarbonFactorSet (owl:versionInfo, dcterms:modified, prov:wasAttributedTo, dcterms:accessRights mpr:Public
or mpr:Restricted) with one mpr:CarbonFactor per value (mpr:forMaterial, mpr:lifeCycleModule, mpr:kgCO2e,
mpr:en15804Version, mpr:gwpIndicator, mpr:declaredQuantity and mpr:declaredUnit, dcterms:source,
dcterms:license, dcterms:title for the data set); every version is kept whole in `{graph}/versions/{n}` and a
write names the version it replaces (If-Match), checked in the same step as the write, as for material mappings
(importers/mappings.py).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, serialize

from registry.access.tokens import ORG_PATTERN
from registry.concepts import ConceptScheme
from registry.errors import (
    InvalidFactorSet,
    InvalidParameter,
    MalformedInput,
    NotFound,
    PreconditionFailed,
    UnsupportedMediaType,
)
from registry.importers.epd import EDITIONS_NS, GWP_NS, MODULES_NS, co2e_factor
from registry.indicators.carbon import Factor, FactorSetRef
from registry.indicators.data import carbon_basis, module_code
from registry.namespaces import DCTERMS, MATERIALS, MPR, OWL, PROV, QUDT, RDF_TYPE, UNIT, XSD
from registry.quantities import declared_quantity, finite
from registry.rdf import datetime_literal, parse_triples, upload_format
from registry.store.base import Changeset, GraphChange
from registry.store.guards import Absent, Contains
from registry.store.organisations import OrganisationGraphs

#: A set holds at most this many values; texts are bounded too (what one request can store).
MAX_FACTORS = 5000
MAX_TEXT = 2000
MAX_PROBLEMS = 50  # reported at once; more would only repeat the same mistake
COLUMNS = ("material", "module", "value", "unit", "en15804_version", "gwp_indicator", "declared_unit", "source",
           "licence")
#: The RDF property of each column, for an upload in Turtle or JSON-LD and for the problems found in one.
PROPERTIES = {"material": "mpr:forMaterial", "module": "mpr:lifeCycleModule", "value": "mpr:kgCO2e",
              "unit": "mpr:kgCO2e", "en15804_version": "mpr:en15804Version", "gwp_indicator": "mpr:gwpIndicator",
              "declared_unit": "mpr:declaredQuantity", "source": "dcterms:source", "licence": "dcterms:license",
              "dataset": "dcterms:title"}
VISIBILITIES = {"public": MPR + "Public", "restricted": MPR + "Restricted"}
#: Indicator names a row may use -> local names of ontology/carbon.ttl, and the edition each belongs to.
INDICATOR_NAMES = {"a1": "a1", "gwp": "a1", "total": "total", "gwp-total": "total", "fossil": "fossil",
                   "gwp-fossil": "fossil", "biogenic": "biogenic", "gwp-biogenic": "biogenic", "luluc": "luluc",
                   "gwp-luluc": "luluc"}
EDITION_OF = {"a1": "A1", "total": "A2", "fossil": "A2", "biogenic": "A2", "luluc": "A2"}
#: An aggregate module and its parts are never both in a set: a material would be counted twice.
AGGREGATES = {"A1-A3": ("A1", "A2", "A3"), "A4-A5": ("A4", "A5"), "B1-B7": tuple(f"B{i}" for i in range(1, 8)),
              "C1-C4": ("C1", "C2", "C3", "C4")}
CARBON_FACTOR_SET, CARBON_FACTOR = NamedNode(MPR + "CarbonFactorSet"), NamedNode(MPR + "CarbonFactor")


@dataclass(frozen=True)
class FactorRow:
    """One value of a set, as checked: kg CO2e per declared quantity of one material in one module."""

    material: str
    module: str
    kg_co2e: float
    edition: str  # "A1" or "A2" (ontology/carbon.ttl)
    indicator: str  # "a1", "total", "fossil", "biogenic" or "luluc"
    per: tuple[float, str]  # declared amount and QUDT unit
    declared_unit: str  # as written
    source: str
    licence: str
    dataset: str | None = None

    @property
    def basis(self) -> str:
        return carbon_basis(EDITIONS_NS + self.edition, GWP_NS + self.indicator)

    def factor(self, ref: FactorSetRef) -> Factor:
        return Factor(self.material, self.module, self.kg_co2e, self.dataset or self.source, self.source, self.basis,
                      self.per, self.licence, ref)

    def as_dict(self) -> dict[str, object]:
        return {"material": self.material, "module": self.module, "value": self.kg_co2e, "unit": "kg CO2e",
                "en15804_version": EDITIONS_NS + self.edition, "gwp_indicator": GWP_NS + self.indicator,
                "declared_unit": self.declared_unit,
                "declared_quantity": {"amount": self.per[0], "unit": self.per[1]},
                "basis": self.basis, "source": self.source, "licence": self.licence, "dataset": self.dataset}


@dataclass
class FactorSet:
    ref: FactorSetRef
    visibility: str = "restricted"
    modified: str | None = None
    modified_by: str | None = None
    rows: list[FactorRow] = field(default_factory=list)

    @property
    def factors(self) -> dict[str, list[Factor]]:
        """By material IRI, what the indicators apply (carbon.part_carbon)."""
        out: dict[str, list[Factor]] = defaultdict(list)
        for row in self.rows:
            out[row.material].append(row.factor(self.ref))
        return dict(out)

    def as_dict(self, with_factors: bool = True) -> dict[str, object]:
        out: dict[str, object] = {**self.ref.as_dict(), "visibility": self.visibility, "modified": self.modified,
                                  "modified_by": self.modified_by, "values": len(self.rows)}
        if with_factors:
            out["factors"] = [r.as_dict() for r in self.rows]
        return out


def check_name(name: str, what: str = "carbon factor set") -> str:
    if not ORG_PATTERN.match(name):
        raise MalformedInput(f"invalid {what} name {name!r}: use 1-64 lower-case letters, digits, '.', '_' or '-'")
    return name


def parse_reference(text: str) -> tuple[str, str, int | None]:
    """`{org}/{set}` or `{org}/{set}@{version}` (the indicators' `factors` parameter) -> its parts."""
    path, _, version = text.partition("@")
    org, _, name = path.partition("/")
    if not org or not name or (version and not version.isdigit()) or (version and not 1 <= int(version) <= 10**9):
        raise InvalidParameter(f"factors={text!r}: name a set as ORG/SET or ORG/SET@VERSION (a version 1 to 10^9)")
    return check_name(org, "organisation"), check_name(name), int(version) if version else None


# --- reading an upload ------------------------------------------------------------------------------------


class _Problems:
    """Every problem of an upload, each naming the row and column, reported at once."""

    def __init__(self) -> None:
        self.found: list[dict[str, str]] = []

    def add(self, row: str, column: str, message: str) -> None:
        if len(self.found) < MAX_PROBLEMS:
            self.found.append({"row": row, "column": column, "message": message})

    def raise_any(self) -> None:
        if self.found:
            first = self.found[0]
            raise InvalidFactorSet(
                f"{len(self.found)} problem(s), nothing stored; first: {first['row']}, column {first['column']}: "
                f"{first['message']}", problems=self.found)


def _text(values: Mapping[str, str], column: str) -> str:
    return (values.get(column) or "").strip()


def _edition(text: str) -> str | None:
    local = module_code(text) if text.startswith(EDITIONS_NS) else text
    code = local.upper().replace("EN", "").replace("15804", "").replace("+", "").replace(" ", "").removeprefix(":")
    return code if code in ("A1", "A2") else None


def _indicator(text: str) -> str | None:
    local = module_code(text) if text.startswith(GWP_NS) else text
    return INDICATOR_NAMES.get(local.strip().lower())


def _number(text: str) -> float | None:
    """A decimal with a point; "1,000" is refused rather than read as one thousand or as one."""
    try:
        return finite(float(text))
    except ValueError:
        return None


class _RowReader:
    """Checks the columns of one row; `names` says how a column is called in the upload (CSV or RDF)."""

    def __init__(self, concepts: ConceptScheme, problems: _Problems, names: Callable[[str], str]) -> None:
        self.concepts, self.problems, self.names = concepts, problems, names

    def missing(self, values: Mapping[str, str], where: str) -> bool:
        absent = [c for c in COLUMNS if not _text(values, c)]
        for column in absent:
            self.problems.add(where, self.names(column), "missing: every value states " + ", ".join(COLUMNS))
        too_long = [c for c in (*COLUMNS, "dataset") if len(_text(values, c)) > MAX_TEXT]
        for column in too_long:
            self.problems.add(where, self.names(column), f"longer than {MAX_TEXT} characters")
        return bool(absent or too_long)

    def read(self, values: Mapping[str, str], where: str) -> FactorRow | None:
        if self.missing(values, where):
            return None
        add, name = self.problems.add, self.names
        try:
            material = self.concepts.resolve(_text(values, "material"), MATERIALS, "material concept")
        except (MalformedInput, InvalidParameter) as exc:
            add(where, name("material"), exc.message)
            material = ""
        module = module_code(_text(values, "module"))
        if MODULES_NS + module not in self.concepts.members(MODULES_NS):
            add(where, name("module"), f"{module!r} is no EN 15804 module of ontology/modules.ttl (e.g. A1-A3, C3, D)")
        value, unit = _number(_text(values, "value")), co2e_factor(_text(values, "unit"))
        if value is None:
            add(where, name("value"), f"{_text(values, 'value')!r} is not a finite number")
        if unit is None:
            add(where, name("unit"), f"{_text(values, 'unit')!r} is not a CO2e unit (kg CO2e, t CO2e, g CO2e)")
        edition, indicator = _edition(_text(values, "en15804_version")), _indicator(_text(values, "gwp_indicator"))
        if edition is None:
            add(where, name("en15804_version"), "give A1 or A2 (EN 15804+A1 or +A2), or its concept IRI")
        if indicator is None:
            add(where, name("gwp_indicator"), "give GWP (of +A1), GWP-total, GWP-fossil, GWP-biogenic or GWP-luluc")
        elif edition is not None and EDITION_OF[indicator] != edition:
            add(where, name("gwp_indicator"), f"{_text(values, 'gwp_indicator')!r} is not an indicator of "
                f"EN 15804+{edition}")
        per = declared_quantity(_text(values, "declared_unit"))
        if per is None:
            add(where, name("declared_unit"), f"{_text(values, 'declared_unit')!r}: give an amount and a unit of "
                "kg, t, m3, m2 or piece (e.g. '1 m3'), or a QUDT unit IRI")
        if not material or value is None or unit is None or edition is None or indicator is None or per is None \
                or EDITION_OF[indicator] != edition or MODULES_NS + module not in self.concepts.members(MODULES_NS):
            return None
        written = _text(values, "declared_unit_text") or _text(values, "declared_unit")
        return FactorRow(material, module, value * unit, edition, indicator, per, written[:MAX_TEXT],
                         _text(values, "source"), _text(values, "licence"), _text(values, "dataset") or None)


def _no_double_counting(rows: list[tuple[str, FactorRow]], problems: _Problems, names: Callable[[str], str]) -> None:
    """A material's value for one module and basis is stated once, and never beside its aggregate's."""
    seen: dict[tuple[str, str, str], str] = {}
    for where, row in rows:
        key = (row.material, row.module, row.basis)
        if key in seen:
            problems.add(where, names("module"), f"{row.module} of <{row.material}> ({row.basis}) is already given "
                         f"in {seen[key]}")
        seen.setdefault(key, where)
    for (material, module, basis), where in seen.items():
        for part in AGGREGATES.get(module, ()):
            if (material, part, basis) in seen:
                problems.add(seen[(material, part, basis)], names("module"),
                             f"{part} of <{material}> is part of {module}, already given in {where}: adding both "
                             "would count it twice")


def _checked(found: Iterable[tuple[str, Mapping[str, str]]], concepts: ConceptScheme,
             names: Callable[[str], str]) -> list[FactorRow]:
    problems = _Problems()
    reader = _RowReader(concepts, problems, names)
    rows: list[tuple[str, FactorRow]] = []
    for count, (where, values) in enumerate(found, 1):
        if count > MAX_FACTORS:
            raise InvalidFactorSet(f"more than {MAX_FACTORS} values; a set holds at most {MAX_FACTORS}")
        row = reader.read(values, where)
        if row is not None:
            rows.append((where, row))
    _no_double_counting(rows, problems, names)
    problems.raise_any()
    return [row for _, row in rows]


def read_csv(data: bytes, concepts: ConceptScheme) -> list[FactorRow]:
    """CSV with a header row naming COLUMNS (and optionally `dataset`); rows are numbered as a spreadsheet
    numbers them (the header is row 1)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise MalformedInput(f"the CSV is not UTF-8: {exc}") from exc
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    absent = [c for c in COLUMNS if c not in header]
    if absent:
        raise InvalidFactorSet(f"row 1 (the header) lacks the column(s) {', '.join(absent)}; a set states "
                               + ", ".join(COLUMNS) + " (and optionally dataset)",
                               problems=[{"row": "row 1", "column": c, "message": "missing"} for c in absent])
    reader.fieldnames = header

    def rows() -> Iterable[tuple[str, Mapping[str, str]]]:
        for number, values in enumerate(reader, 2):
            if any((v or "").strip() for v in values.values() if isinstance(v, str)):
                yield f"row {number}", {k: v for k, v in values.items() if isinstance(k, str) and isinstance(v, str)}

    try:
        return _checked(rows(), concepts, lambda column: column)
    except csv.Error as exc:
        raise MalformedInput(f"malformed CSV: {exc}") from exc


def _rdf_values(triples: list[Triple]) -> list[tuple[str, dict[str, str]]]:
    """The columns of every mpr:CarbonFactor of a graph, in the order they appear."""
    by_subject: dict[Any, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    order: list[Any] = []
    for t in triples:
        if t.subject not in by_subject:
            order.append(t.subject)
        by_subject[t.subject][t.predicate.value].append(t.object)
    found: list[tuple[str, dict[str, str]]] = []
    for subject in order:
        props = by_subject[subject]
        if CARBON_FACTOR not in props.get(RDF_TYPE.value, []):
            continue

        def one(predicate: str, of: dict[str, list[Any]] = props) -> str:
            values = of.get(predicate, [])
            return values[0].value if len(values) == 1 else ""

        values = {"material": one(MPR + "forMaterial"), "module": one(MPR + "lifeCycleModule"),
                  "value": one(MPR + "kgCO2e"), "unit": "kg CO2e" if one(MPR + "kgCO2e") else "",
                  "en15804_version": one(MPR + "en15804Version"), "gwp_indicator": one(MPR + "gwpIndicator"),
                  "declared_unit": one(MPR + "declaredUnit"), "source": one(DCTERMS + "source"),
                  "licence": one(DCTERMS + "license"), "dataset": one(DCTERMS + "title")}
        quantity = props.get(MPR + "declaredQuantity", [])
        if len(quantity) == 1 and quantity[0] in by_subject:
            node = by_subject[quantity[0]]
            amount, unit = one(QUDT + "numericValue", node), one(QUDT + "unit", node)
            if amount and unit:
                values["declared_unit_text"] = values["declared_unit"]
                values["declared_unit"] = f"{amount} {unit}"
        label = f"factor <{subject.value}>" if isinstance(subject, NamedNode) else f"factor {len(found) + 1}"
        found.append((label, values))
    return found


def read_rdf(data: bytes, fmt: RdfFormat, concepts: ConceptScheme, base_iri: str) -> list[FactorRow]:
    """Turtle, JSON-LD, N-Triples or RDF/XML: every mpr:CarbonFactor of the graph is one value."""
    values = _rdf_values(parse_triples(data, fmt, base_iri))
    if not values:
        raise InvalidFactorSet("the graph holds no mpr:CarbonFactor: each value is a node `a mpr:CarbonFactor` with "
                               + ", ".join(sorted(set(PROPERTIES.values()))))
    return _checked(values, concepts, lambda column: PROPERTIES[column])


def read_upload(data: bytes, media_type: str, concepts: ConceptScheme, base_iri: str) -> list[FactorRow]:
    """A set as sent: CSV (text/csv) or RDF (Turtle, JSON-LD, N-Triples, RDF/XML)."""
    if media_type == "text/csv":
        return read_csv(data, concepts)
    try:
        fmt = upload_format(media_type)
    except UnsupportedMediaType as exc:
        raise UnsupportedMediaType(f"send a carbon factor set as text/csv or RDF ({exc.message.split('; ', 1)[-1]})"
                                   ) from exc
    return read_rdf(data, fmt, concepts, base_iri)


# --- the store ---------------------------------------------------------------------------------------------


LIST = """PREFIX mpr: <https://w3id.org/mpr#> PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT ?set WHERE { GRAPH ?set { ?set a mpr:CarbonFactorSet ; owl:versionInfo ?v } } ORDER BY ?set"""


class FactorSets(OrganisationGraphs):
    """The factor sets of all organisations, in the store; no access rule here (registry/access/factors.py)."""

    def graph(self, organisation: str, name: str) -> NamedNode:
        check_name(organisation, "organisation")
        return NamedNode(f"{self.base}/organisations/{organisation}/carbon-factors/{check_name(name)}")

    def current(self, organisation: str, name: str) -> FactorSet | None:
        """The current version (None when the organisation has no such set)."""
        found = self._read(organisation, name, self.store.triples(self.graph(organisation, name)))
        return found if found.ref.version else None

    def get(self, organisation: str, name: str, version: int | None = None) -> FactorSet:
        current = self.current(organisation, name)
        if current is None:
            raise NotFound(f"no carbon factor set {organisation}/{name}")
        if version is None or version == current.ref.version:
            return current
        graph = self.graph(organisation, name)
        old = self._read(organisation, name, self.store.triples(NamedNode(f"{graph.value}/versions/{version}")))
        if old.ref.version != version:
            raise NotFound(f"carbon factor set {organisation}/{name} has no version {version} "
                           f"(current: {current.ref.version})")
        old.visibility = current.visibility  # the set's visibility now covers its history
        return old

    def names(self, organisation: str) -> list[str]:
        prefix = f"{self.base}/organisations/{check_name(organisation, 'organisation')}/carbon-factors/"
        return [row["set"].value.removeprefix(prefix) for row in self.store.select(LIST)
                if row["set"].value.startswith(prefix) and "/" not in row["set"].value.removeprefix(prefix)]

    def _read(self, organisation: str, name: str, triples: list[Triple]) -> FactorSet:
        node = self.graph(organisation, name)
        meta: dict[str, str] = {t.predicate.value: t.object.value for t in triples
                                if t.subject == node and isinstance(t.object, Literal | NamedNode)}
        version = int(meta.get(OWL + "versionInfo", "0"))
        visibility = next((k for k, v in VISIBILITIES.items() if v == meta.get(DCTERMS + "accessRights")), "restricted")
        rows = _checked(_rdf_values(triples), self.concepts, lambda column: PROPERTIES[column]) if version else []
        return FactorSet(FactorSetRef(organisation, name, version or None), visibility, meta.get(DCTERMS + "modified"),
                         meta.get(PROV + "wasAttributedTo"), rows)

    def put(self, organisation: str, name: str, rows: list[FactorRow], visibility: str | None, agent: str,
            expected_version: int | None = None) -> FactorSet:
        """A new version; the visibility stays as it was unless given (a new set is restricted until its owner
        says otherwise: a licensed data set is not published by mistake). PreconditionFailed when
        `expected_version` is not current."""
        if visibility is not None and visibility not in VISIBILITIES:
            raise InvalidParameter(f"visibility {visibility!r} is not one of {', '.join(VISIBILITIES)}")
        current = self.current(organisation, name)
        number = current.ref.version or 0 if current else 0
        if expected_version is not None and expected_version != number:
            raise PreconditionFailed(f"carbon factor set {organisation}/{name} is at version {number}, "
                                     f"not {expected_version}")
        graph, version = self.graph(organisation, name), number + 1
        chosen = visibility or (current.visibility if current else "restricted")
        triples = self._triples(graph, rows, version, chosen, agent)
        guard: Contains | Absent
        if number:
            guard = Contains(graph, (Triple(graph, NamedNode(OWL + "versionInfo"), _integer(number)),))
        else:
            guard = Absent(graph, graph, NamedNode(OWL + "versionInfo"))
        changes = [GraphChange(graph, remove=self.store.triples(graph), add=triples),
                   GraphChange(NamedNode(f"{graph.value}/versions/{version}"), add=triples)]
        if not self.store.apply(Changeset(changes, guard)):
            raise PreconditionFailed(f"carbon factor set {organisation}/{name} changed meanwhile; fetch it again")
        return self._read(organisation, name, triples)

    def _triples(self, graph: NamedNode, rows: list[FactorRow], version: int, visibility: str,
                 agent: str) -> list[Triple]:
        triples = [Triple(graph, RDF_TYPE, CARBON_FACTOR_SET),
                   Triple(graph, NamedNode(OWL + "versionInfo"), _integer(version)),
                   Triple(graph, NamedNode(DCTERMS + "modified"), datetime_literal(self.clock())),
                   Triple(graph, NamedNode(PROV + "wasAttributedTo"), Literal(agent)),
                   Triple(graph, NamedNode(DCTERMS + "accessRights"), NamedNode(VISIBILITIES[visibility]))]
        for number, row in enumerate(rows, 1):
            node, per = NamedNode(f"{graph.value}#f-{number}"), NamedNode(f"{graph.value}#f-{number}-per")
            triples += [Triple(graph, NamedNode(MPR + "carbonFactor"), node), Triple(node, RDF_TYPE, CARBON_FACTOR),
                        Triple(node, NamedNode(MPR + "forMaterial"), NamedNode(row.material)),
                        Triple(node, NamedNode(MPR + "lifeCycleModule"), NamedNode(MODULES_NS + row.module)),
                        Triple(node, NamedNode(MPR + "kgCO2e"), _decimal(row.kg_co2e)),
                        Triple(node, NamedNode(MPR + "en15804Version"), NamedNode(EDITIONS_NS + row.edition)),
                        Triple(node, NamedNode(MPR + "gwpIndicator"), NamedNode(GWP_NS + row.indicator)),
                        Triple(node, NamedNode(MPR + "declaredUnit"), Literal(row.declared_unit)),
                        Triple(node, NamedNode(MPR + "declaredQuantity"), per),
                        Triple(per, NamedNode(QUDT + "numericValue"), _decimal(row.per[0])),
                        Triple(per, NamedNode(QUDT + "unit"), NamedNode(row.per[1])),
                        Triple(node, NamedNode(DCTERMS + "source"), Literal(row.source)),
                        Triple(node, NamedNode(DCTERMS + "license"), _iri_or_text(row.licence))]
            if row.dataset:
                triples.append(Triple(node, NamedNode(DCTERMS + "title"), Literal(row.dataset)))
        return triples

    def turtle(self, organisation: str, name: str, version: int | None = None) -> bytes:
        """A version as Turtle: what another registry or an RDF tool reads, and what a PUT accepts back."""
        self.get(organisation, name, version)  # NotFound for a set or version that does not exist
        graph = self.graph(organisation, name)
        source = graph if version is None else NamedNode(f"{graph.value}/versions/{version}")
        data = serialize(self.store.triples(source), format=RdfFormat.TURTLE,
                         prefixes={"mpr": MPR, "dcterms": DCTERMS, "qudt": QUDT, "unit": UNIT})
        assert data is not None  # serialize returns bytes when no output is given
        return data


def _iri_or_text(value: str) -> NamedNode | Literal:
    """A licence given as an IRI (a Creative Commons deed) stays one; a licence's name stays text."""
    if value.startswith(("https://", "http://")) and not any(c in value for c in ' <>"{}|\\^`'):
        try:
            return NamedNode(value)
        except ValueError:
            pass
    return Literal(value)


def _decimal(value: float) -> Literal:
    """xsd:decimal with every digit of the value as given (no rounding: a factor may be small)."""
    rendered = format(Decimal(repr(value)).normalize(), "f")
    return Literal(rendered if "." in rendered else rendered + ".0", datatype=NamedNode(XSD + "decimal"))


def _integer(value: int) -> Literal:
    return Literal(str(value), datatype=NamedNode(XSD + "integer"))
