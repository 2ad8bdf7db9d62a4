"""An environmental product declaration (EPD) becomes a product-type passport, so elements that are an
`mpr:instanceOf` the product take its carbon instead of someone typing the figures again.

Two formats, read by their published structure:
- openEPD JSON (Building Transparency / C Change Labs, https://github.com/cchangelabs/openepd, Apache-2.0):
  `product_name`, `manufacturer.name` (else `.web_domain`), `private` (a restricted passport),
  `declared_unit {qty, unit}`, `date_of_issue`, `valid_until`,
  `program_operator.name`, `program_operator_doc_id`, `compliance[].short_name`, and
  `impacts {LCIA method: {"gwp" | "gwp-fossil" | ...: {"A1A2A3" | "A4" | ... | "D": {mean, unit}}}}`;
- ILCD+EPD XML (ÖKOBAUDAT, ECO Platform, soda4LCA): a `processDataSet` whose `LCIAResults` give per
  `LCIAResult` the method (`referenceToLCIAMethodDataSet`, recognised by its short description) and
  `epd:amount epd:module="A1-A3"` ... `"D"` values; dates in `time` (`epd2:publicationDateOfEPD`,
  `common:dataSetValidUntil`, a year), registration in `publicationAndOwnership`.

Every figure keeps its EN 15804 edition and GWP indicator (ontology/carbon.ttl), so the indicators never add
figures of different bases. The EPD itself is a `schema:Certification` of the product (registration number,
programme operator, `schema:validFrom`, `schema:expires`); shapes/consistency.ttl warns when it has expired.
A file with any problem produces nothing: every problem is reported at once (422), unreadable files are 400.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from xml.etree.ElementTree import Element

from registry import xml_guard
from registry.errors import InvalidPassport, MalformedInput
from registry.importers import turtle as ttl
from registry.namespaces import UNIT
from registry.quantities import declared_quantity

MODULES_NS = "https://w3id.org/mpr/modules/"
EDITIONS_NS = "https://w3id.org/mpr/en15804/"
GWP_NS = "https://w3id.org/mpr/gwp/"
#: An EPD is a few hundred kB at most (ÖKOBAUDAT's largest process data sets are ~1 MB with all indicators).
MAX_BYTES = 8 * 1024 * 1024
MAX_JSON_DEPTH = 32
MAX_XML_DEPTH = 64
JSON_TYPES = ("application/json",)
XML_TYPES = ("application/xml", "text/xml")

#: openEPD scope keys (lcia.ScopeSet) and ILCD+EPD module codes -> codes of ontology/modules.ttl.
MODULES = {"A1A2A3": "A1-A3", "A1-A3": "A1-A3", **{m: m for m in (
    "A1", "A2", "A3", "A4", "A5", "B1", "B2", "B3", "B4", "B5", "B6", "B7", "C1", "C2", "C3", "C4", "D")}}
AGGREGATES = {"A1-A3": ("A1", "A2", "A3")}
#: openEPD impact keys -> GWP indicator local names; "gwp" is GWP-total under +A2, the single GWP under +A1.
OPENEPD_GWP = {"gwp-fossil": "fossil", "gwp-biogenic": "biogenic", "gwp-luluc": "luluc"}
#: LCIA methods preferred when an openEPD file gives several: EF is the method of EN 15804+A2.
PREFERRED_METHODS = ("EF 3.1", "EF 3.0", "EF 2.0")
EF_METHODS = frozenset(PREFERRED_METHODS)
#: kg CO2e per unit, for the spellings of the unit EPDs use (after co2e_factor drops spaces, dots, dashes,
#: underscores and brackets): English "kg CO2e", "kg CO2 eq.", "kg CO2 eqv." (the ILCD+EPD v1.3 example of
#: InDataWG/ILCD-EPD-Data-Format) and German "kg CO2-Äqv.", "kg CO_(2)-Äq." (ÖKOBAUDAT). Anything else is refused.
CO2E_SUFFIXES = ("", "e", "eq", "eqv", "equiv", "equivalent", "äq", "äqv", "äquiv", "äquivalent", "aeq", "aeqv")
CO2E_UNITS = {f"{prefix}co2{suffix}": factor for prefix, factor in (("kg", 1.0), ("g", 0.001), ("t", 1000.0))
              for suffix in CO2E_SUFFIXES}


@dataclass(frozen=True)
class Figure:
    indicator: str | None  # local name in ontology/carbon.ttl ("total", "a1", ...), None when unstated
    module: str
    kg: float


@dataclass
class Declaration:
    """What the registry keeps of an EPD, whichever format it came in."""

    source: str
    format: str
    product: str | None = None
    description: str | None = None
    manufacturer: str | None = None
    declared_unit: str | None = None
    edition: str | None = None  # "A1" or "A2" (ontology/carbon.ttl), None when the file does not say
    issued: date | None = None
    valid_until: date | None = None
    operator: str | None = None
    registration: str | None = None
    identifier: str | None = None
    url: str | None = None
    method: str | None = None
    figures: list[Figure] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)
    default_scenarios: list[str] = field(default_factory=list)  # modules read from the EPD's default scenario
    private: bool = False  # openEPD `private`: the author does not wish the contents published

    def problem(self, where: str, message: str) -> None:
        self.problems.append({"field": where, "message": message})


@dataclass(frozen=True)
class EpdResult:
    turtle: bytes
    report: dict[str, Any]


def co2e_factor(unit: str | None) -> float | None:
    """kg CO2e per unit of `unit`; None for a unit that is not a CO2-equivalent mass."""
    if unit is None:
        return 1.0
    return CO2E_UNITS.get(re.sub(r"[\s._\-()]", "", unit.replace("₂", "2")).lower())


def _day(value: Any, where: str, decl: Declaration) -> date | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
    except ValueError:
        decl.problem(where, f"{value!r} is not a date (ISO 8601, e.g. 2023-03-01)")
        return None


def _text(value: Any, where: str, decl: Declaration, limit: int = 2000) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        decl.problem(where, f"expected text of at most {limit} characters")
        return None
    return value.strip() or None


# --- openEPD -------------------------------------------------------------------------------------------------

def _json(data: bytes, source: str) -> dict[str, Any]:
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedInput(f"{source} is not JSON: {exc}") from exc
    except RecursionError:  # the decoder's own nesting guard
        raise MalformedInput(f"{source} nests JSON deeper than {MAX_JSON_DEPTH} levels") from None
    if _depth(document) > MAX_JSON_DEPTH:
        raise MalformedInput(f"{source} nests JSON deeper than {MAX_JSON_DEPTH} levels")
    if not isinstance(document, dict):
        raise MalformedInput(f"{source} is not an openEPD document: expected a JSON object")
    return document


def _depth(value: Any) -> int:
    deepest, todo = 0, [(value, 1)]
    while todo:
        node, depth = todo.pop()
        deepest = max(deepest, depth)
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        todo.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def _name(org: Any) -> str | None:
    """An openEPD Org's name, else its `web_domain` (the Org's key in openEPD; many documents give only that)."""
    if not isinstance(org, dict):
        return None
    return next((org[k].strip() for k in ("name", "web_domain") if isinstance(org.get(k), str) and org[k].strip()),
                None)


def _edition_from(compliance: Any) -> str | None:
    listed = compliance if isinstance(compliance, list) else []  # openEPD: a list of standards; anything else says none
    names = [c.get("short_name") or c.get("name") or "" for c in listed if isinstance(c, dict)]
    for edition in ("A2", "A1"):
        if any(isinstance(n, str) and f"15804+{edition}" in n.replace(" ", "") for n in names):
            return edition
    return None


def read_openepd(data: bytes, source: str) -> Declaration:
    doc = _json(data, source)
    decl = Declaration(source, "openEPD")
    decl.product = _text(doc.get("product_name") or doc.get("name"), "product_name", decl, 500)
    decl.description = _text(doc.get("product_description"), "product_description", decl)
    decl.manufacturer = _name(doc.get("manufacturer"))
    decl.operator = _name(doc.get("program_operator"))
    decl.registration = _text(doc.get("program_operator_doc_id"), "program_operator_doc_id", decl, 200)
    decl.identifier = _text(doc.get("id"), "id", decl, 200)
    decl.url = _text(doc.get("declaration_url"), "declaration_url", decl, 2000)
    decl.issued = _day(doc.get("date_of_issue"), "date_of_issue", decl)
    decl.valid_until = _day(doc.get("valid_until"), "valid_until", decl)
    decl.declared_unit = _openepd_unit(doc.get("declared_unit"), decl)
    # openEPD: "This document's author does not wish the contents published ... Null is treated as false".
    decl.private = doc.get("private") is True
    _openepd_impacts(doc.get("impacts"), decl, _edition_from(doc.get("compliance")))
    return decl


def _openepd_unit(value: Any, decl: Declaration) -> str | None:
    if not isinstance(value, dict) or not isinstance(value.get("unit"), str):
        decl.problem("declared_unit", "the declared unit is missing: expected {\"qty\": 1, \"unit\": \"m3\"}")
        return None
    qty = _number(value.get("qty", 1))
    if qty is None or qty <= 0:
        decl.problem("declared_unit.qty", f"{value.get('qty')!r} is not a positive number")
        return None
    return f"{ttl.decimal(qty).removesuffix('.0')} {value['unit'].strip()[:200]}"


def _openepd_method(impacts: dict[str, Any]) -> str:
    for method in PREFERRED_METHODS:
        if method in impacts:
            return method
    return sorted(impacts)[0]


def _openepd_impacts(impacts: Any, decl: Declaration, edition: str | None) -> None:
    if not isinstance(impacts, dict) or not impacts:
        decl.problem("impacts", "no impacts: expected {\"EF 3.0\": {\"gwp\": {\"A1A2A3\": {\"mean\": ..., "
                                "\"unit\": \"kgCO2e\"}}}}")
        return
    decl.method = _openepd_method(impacts)
    impact_set = impacts[decl.method]
    if not isinstance(impact_set, dict):
        decl.problem(f"impacts.{decl.method}", "expected an object of indicators")
        return
    split = any(key in impact_set for key in OPENEPD_GWP)
    decl.edition = edition or ("A2" if decl.method in EF_METHODS or split else None)
    for key, scopes in impact_set.items():
        if key != "gwp" and key not in OPENEPD_GWP:
            continue  # other impact categories (ODP, AP, ...) are not carbon
        indicator = OPENEPD_GWP.get(key) or _single_gwp(decl.edition)
        _scopes(scopes, f"impacts.{decl.method}.{key}", indicator, decl)


def _single_gwp(edition: str | None) -> str | None:
    return {"A2": "total", "A1": "a1"}.get(edition or "")


def _scopes(scopes: Any, where: str, indicator: str | None, decl: Declaration) -> None:
    if not isinstance(scopes, dict):
        decl.problem(where, "expected an object of modules (A1A2A3, A4, ..., D)")
        return
    for scope, measurement in scopes.items():
        if scope.endswith("_years") or scope == "C_scenarios":
            continue
        module = MODULES.get(scope)
        if module is None:
            decl.skipped.append(f"{where}.{scope}: not an EN 15804 module")
            continue
        if not isinstance(measurement, dict):
            decl.problem(f"{where}.{scope}", "expected {\"mean\": number, \"unit\": \"kgCO2e\"}")
            continue
        _figure(measurement.get("mean"), measurement.get("unit"), f"{where}.{scope}", indicator, module, decl)


def _figure(value: Any, unit: Any, where: str, indicator: str | None, module: str, decl: Declaration) -> None:
    factor = co2e_factor(unit) if unit is None or isinstance(unit, str) else None
    if factor is None:
        decl.problem(where, f"unit {unit!r} is not a mass of CO2-equivalent (expected kgCO2e, gCO2e or tCO2e)")
        return
    number = _number(value)
    if number is None:
        decl.problem(where, f"{value!r} is not a finite number")
        return
    decl.figures.append(Figure(indicator, module, number * factor))


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if abs(number) < 1e15 else None  # also refuses inf and nan (nan < x is false)


# --- ILCD+EPD --------------------------------------------------------------------------------------------------

PROCESS = "{http://lca.jrc.it/ILCD/Process}"
COMMON = "{http://lca.jrc.it/ILCD/Common}"
EPD_2013 = "{http://www.iai.kit.edu/EPD/2013}"
EPD_2019 = "{http://www.indata.network/EPD/2019}"
#: GWP indicators by the short description of the LCIA method, as ÖKOBAUDAT names them ("Global Warming
#: Potential - total (GWP-total)", "Global warming potential (GWP)"); order matters: specific names first.
ILCD_GWP = (("gwp-total", "total"), ("gwp-fossil", "fossil"), ("gwp-biogenic", "biogenic"),
            ("gwp-luluc", "luluc"), ("(gwp)", "a1"))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(root: Element, *path: str) -> Element | None:
    """The first element along `path` of local names (namespaces vary between format versions)."""
    node: Element | None = root
    for name in path:
        if node is None:
            return None
        node = next((child for child in node if _local(child.tag) == name), None)
    return node


def _all(root: Element, name: str) -> Iterator[Element]:
    return (e for e in root.iter() if _local(e.tag) == name)


def _string(element: Element | None) -> str | None:
    if element is None:
        return None
    return (element.text or "").strip() or None


def _description(reference: Element | None) -> str | None:
    """A reference's short description, English first (ILCD gives one per language)."""
    if reference is None:
        return None
    texts = [d for d in reference if _local(d.tag) == "shortDescription"]
    english = [d for d in texts if d.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"]
    return _string(next(iter(english or texts), None))


def _lang_text(parent: Element | None, name: str) -> str | None:
    """The English text of the `name` children of `parent`, else the first."""
    if parent is None:
        return None
    texts = [child for child in parent if _local(child.tag) == name]
    english = [t for t in texts if t.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"]
    return _string(next(iter(english or texts), None))


def read_ilcd(data: bytes, source: str) -> Declaration:
    root = xml_guard.parse(data, source, MAX_XML_DEPTH)
    if _local(root.tag) != "processDataSet":
        raise MalformedInput(f"{source} is not an ILCD+EPD process data set (root element {_local(root.tag)!r})")
    decl = Declaration(source, "ILCD+EPD")
    info = _find(root, "processInformation", "dataSetInformation")
    decl.product = _lang_text(_find(info, "name") if info is not None else None, "baseName")
    decl.identifier = _string(_find(info, "UUID") if info is not None else None)
    _ilcd_dates(root, decl)
    _ilcd_administration(root, decl)
    decl.declared_unit = _ilcd_declared_unit(root)
    if decl.declared_unit is None:
        decl.problem("exchanges", "no reference flow (quantitativeReference/referenceToReferenceFlow): the "
                                  "declared unit is unknown")
    compliance = " ".join(filter(None, (_description(r) for r in _all(root, "referenceToComplianceSystem"))))
    _ilcd_results(root, decl)
    decl.edition = _ilcd_edition(compliance, decl)
    decl.figures = [Figure(f.indicator or _single_gwp(decl.edition), f.module, f.kg) for f in decl.figures]
    return decl


def _ilcd_dates(root: Element, decl: Declaration) -> None:
    time = _find(root, "processInformation", "time")
    if time is None:
        return
    published = next((_string(e) for e in _all(time, "publicationDateOfEPD")), None)
    decl.issued = _day(published, "publicationDateOfEPD", decl)
    until = _string(_find(time, "dataSetValidUntil"))
    if until is not None:
        if until.isdigit() and len(until) == 4 and until >= "1000":
            decl.valid_until = date(int(until), 12, 31)  # a year: valid to its end
        else:
            decl.problem("dataSetValidUntil", f"{until!r} is not a year")


def _ilcd_administration(root: Element, decl: Declaration) -> None:
    ownership = _find(root, "administrativeInformation", "publicationAndOwnership")
    if ownership is None:
        return
    decl.registration = _string(_find(ownership, "registrationNumber"))
    decl.operator = _description(_find(ownership, "referenceToRegistrationAuthority"))
    decl.manufacturer = _description(_find(ownership, "referenceToOwnershipOfDataSet"))


def _ilcd_declared_unit(root: Element) -> str | None:
    reference = _string(_find(root, "processInformation", "quantitativeReference", "referenceToReferenceFlow"))
    for exchange in _all(root, "exchange"):
        if exchange.get("dataSetInternalID") != reference:
            continue
        amount = _number(_string(_find(exchange, "meanAmount")) or "1") or 1.0
        flow = _description(_find(exchange, "referenceToFlowDataSet")) or "reference flow"
        units = next((_description(e) for e in _all(exchange, "referenceToUnitGroupDataSet")), None)
        quantity = ttl.decimal(amount).removesuffix(".0")
        return f"{quantity} {units} {flow}" if units else f"{quantity} x {flow}"
    return None


def _ilcd_indicator(method: str) -> str | None:
    """'total', 'fossil', ... or 'a1' for the single GWP; '' for a GWP not told apart; None: no GWP."""
    lowered = method.lower().replace(" ", "")
    for marker, indicator in ILCD_GWP:
        if marker in lowered:
            return indicator
    return "" if "globalwarming" in lowered or "gwp" in lowered else None


def _ilcd_defaults(root: Element) -> frozenset[str]:
    """Names of the scenarios the EPD marks as its default, one per group (ILCD+EPD: `epd:scenario` with
    `epd:default="true"` under dataSetInformation; the format's documentation: the scenario that applies when
    none is chosen)."""
    marked = (dict((_local(k), v) for k, v in e.attrib.items()) for e in _all(root, "scenario"))
    return frozenset(a["name"] for a in marked if a.get("default") == "true" and a.get("name"))


def _ilcd_results(root: Element, decl: Declaration) -> None:
    defaults = _ilcd_defaults(root)
    for result in _all(root, "LCIAResult"):
        method = _description(_find(result, "referenceToLCIAMethodDataSet")) or ""
        indicator = _ilcd_indicator(method)
        if indicator is None:
            continue
        units = next((_description(e) for e in _all(result, "referenceToUnitGroupDataSet")), None)
        unit = None if units is None or "mass" in units.lower() else units
        _ilcd_amounts(result, method, indicator or None, unit, decl, defaults)


def _ilcd_amounts(result: Element, method: str, indicator: str | None, unit: str | None,
                  decl: Declaration, defaults: frozenset[str] = frozenset()) -> None:
    by_module: dict[str, list[tuple[str | None, str | None]]] = {}
    for amount in _all(result, "amount"):
        attributes = {_local(k): v for k, v in amount.attrib.items()}
        code = attributes.get("module", "")
        module = MODULES.get(code)
        if module is None:
            decl.skipped.append(f"{method} {code!r}: not an EN 15804 module")
            continue
        by_module.setdefault(module, []).append((attributes.get("scenario"), _string(amount)))
    for module, values in by_module.items():
        plain = [v for scenario, v in values if scenario is None] or [v for _, v in values]
        if len(plain) > 1:
            chosen = [(scenario, v) for scenario, v in values if scenario in defaults]
            if len(chosen) != 1:
                decl.skipped.append(f"{method} {module}: {len(plain)} scenarios, none chosen")
                continue
            decl.default_scenarios.append(f"{method} {module}: {chosen[0][0]!r}, the EPD's default of "
                                          f"{len(plain)} scenarios")
            plain = [chosen[0][1]]
        if plain[0] is None:  # empty amount: indicator not assessed (INA), not zero
            continue
        _figure(plain[0], unit, f"{method} {module}", indicator, module, decl)


def _ilcd_edition(compliance: str, decl: Declaration) -> str | None:
    stated = _edition_from([{"short_name": compliance}])
    split = any(f.indicator in ("total", "fossil", "biogenic", "luluc") for f in decl.figures)
    if stated == "A1" and split:
        decl.problem("complianceDeclarations", "declares EN 15804+A1 but gives GWP-total/-fossil/-biogenic/-luluc, "
                                               "the indicators of +A2")
    single = any(f.indicator == "a1" for f in decl.figures)
    return stated or ("A2" if split else "A1" if single else None)


# --- the passport ------------------------------------------------------------------------------------------------

def detect(data: bytes, name: str, media_type: str) -> str:
    """'openepd' or 'ilcd', by media type, then file name, then the first non-blank byte."""
    if media_type in JSON_TYPES or name.lower().endswith(".json"):
        return "openepd"
    if media_type in XML_TYPES or name.lower().endswith(".xml"):
        return "ilcd"
    first = data.lstrip()[:1]
    if first == b"{":
        return "openepd"
    if first == b"<":
        return "ilcd"
    raise MalformedInput(f"{name} is neither openEPD JSON nor ILCD+EPD XML")


def read(data: bytes, name: str, kind: str) -> Declaration:
    if len(data) > MAX_BYTES:
        raise MalformedInput(f"{name} is larger than {MAX_BYTES // (1024 * 1024)} MB; an EPD is much smaller")
    decl = read_openepd(data, name) if kind == "openepd" else read_ilcd(data, name)
    _check(decl)
    if decl.problems:
        raise InvalidPassport(f"{name}: {len(decl.problems)} problem(s) in the EPD; nothing was stored",
                              problems=decl.problems)
    return decl


def _check(decl: Declaration) -> None:
    if not decl.product:
        decl.problem("product_name", "the EPD names no product")
    if not decl.figures and not decl.problems:
        decl.problem("impacts", "the EPD gives no global warming potential (GWP) figure for any module")
    modules = {f.module for f in decl.figures}
    for aggregate, parts in AGGREGATES.items():
        if aggregate in modules and modules & set(parts):
            decl.skipped.extend(f"{m}: {aggregate} is given, so its part {m} is left out (never both)"
                                for m in sorted(modules & set(parts)))
            decl.figures = [f for f in decl.figures if f.module not in parts]
    seen: set[tuple[str | None, str]] = set()
    for f in decl.figures:
        if (f.indicator, f.module) in seen:
            decl.problem(f.module, f"two figures for GWP indicator {f.indicator} in module {f.module}")
        seen.add((f.indicator, f.module))


def expired(decl: Declaration, today: date) -> bool:
    return decl.valid_until is not None and decl.valid_until < today


def citation(decl: Declaration) -> str:
    """The source each carbon value names: registration number, operator, product, file."""
    who = ", ".join(filter(None, (decl.registration, decl.operator)))
    return f"EPD {who + ': ' if who else ''}{decl.product} ({decl.format} file {decl.source})"


def _carbon(decl: Declaration, figure: Figure) -> str:
    pairs = [f"a mpr:EmbodiedCarbonValue ; mpr:lifeCycleModule <{MODULES_NS}{figure.module}>",
             f"mpr:kgCO2e {ttl.decimal(figure.kg)}"]
    if decl.edition:
        pairs.append(f"mpr:en15804Version <{EDITIONS_NS}{decl.edition}>")
    if figure.indicator:
        pairs.append(f"mpr:gwpIndicator <{GWP_NS}{figure.indicator}>")
    if decl.declared_unit:
        pairs.append(f"mpr:declaredUnit {ttl.text(decl.declared_unit)}")
        per = declared_quantity(decl.declared_unit)
        if per is not None:  # what the indicators scale by: an element's volume for 1 m3, its mass for 1 kg, ...
            pairs.append(f"mpr:declaredQuantity {ttl.quantity(per[0], per[1].removeprefix(UNIT))}")
    pairs.append(f"dcterms:source {ttl.text(citation(decl))}")
    return "[ " + " ; ".join(pairs) + " ]"


def _certification(decl: Declaration) -> list[tuple[str, str]]:
    pairs = [("a", "schema:Certification , prov:Entity"), ("schema:name", ttl.text(f"EPD {decl.product}")),
             ("schema:about", "<#product>"), ("dcterms:source", ttl.text(f"{decl.format} file {decl.source}"))]
    if decl.registration:
        pairs.append(("schema:certificationIdentification", ttl.text(decl.registration)))
    if decl.operator:
        pairs.append(("schema:issuedBy", "<#programme-operator>"))
    if decl.issued:
        pairs.append(("schema:validFrom", ttl.typed(decl.issued.isoformat(), "xsd:date")))
    if decl.valid_until:
        pairs.append(("schema:expires", ttl.typed(decl.valid_until.isoformat(), "xsd:date")))
    if decl.identifier:
        pairs.append(("dcterms:identifier", ttl.text(decl.identifier)))
    if decl.url and decl.url.startswith(("https://", "http://")):
        pairs.append(("schema:url", ttl.typed(decl.url, "xsd:anyURI")))
    return pairs


def passport(decl: Declaration) -> bytes:
    doc = ttl.TurtleDocument()
    product = [("a", "schema:Product"), ("schema:name", ttl.text(decl.product or "")),
               ("schema:hasCertification", "<#epd>")]
    if decl.description:
        product.append(("schema:description", ttl.text(decl.description)))
    if decl.manufacturer:
        product.append(("schema:manufacturer", "<#manufacturer>"))
        doc.add("<#manufacturer>", [("a", "schema:Organization , prov:Organization"),
                                    ("schema:name", ttl.text(decl.manufacturer))])
    product.extend(("mpr:embodiedCarbon", _carbon(decl, f)) for f in decl.figures)
    doc.add("<#product>", product)
    doc.add("<#epd>", _certification(decl))
    if decl.operator:
        doc.add("<#programme-operator>", [("a", "schema:Organization , prov:Organization"),
                                          ("schema:name", ttl.text(decl.operator))])
    doc.add("<>", [("a", "mpr:Passport"), ("dcterms:title", ttl.text(f"Product passport {decl.product} (from EPD)")),
                   ("mpr:describes", "<#product>"),
                   ("mpr:visibility", "mpr:Restricted" if decl.private else "mpr:Public"),
                   ("dcterms:source", ttl.text(citation(decl)))])
    return doc.to_bytes(f"# Imported from the {decl.format} EPD {decl.source}.\n")


def report(decl: Declaration, today: date) -> dict[str, Any]:
    modules: dict[str, dict[str, float]] = {}
    for f in decl.figures:
        modules.setdefault(f.indicator or "unstated", {})[f.module] = f.kg
    return {
        "source": decl.source, "format": decl.format, "product": decl.product, "manufacturer": decl.manufacturer,
        "declared_unit": decl.declared_unit, "declared_quantity": _declared(decl.declared_unit),
        "en15804_version": f"EN 15804+{decl.edition}" if decl.edition else None,
        "lcia_method": decl.method, "kg_co2e_by_indicator": modules,
        "issued": decl.issued.isoformat() if decl.issued else None,
        "valid_until": decl.valid_until.isoformat() if decl.valid_until else None,
        "expired": expired(decl, today), "programme_operator": decl.operator,
        "registration_number": decl.registration, "skipped": decl.skipped,
        "default_scenarios": decl.default_scenarios, "private": decl.private,
    }


def _declared(unit: str | None) -> dict[str, object] | None:
    """The declared unit as the indicators read it; None: a unit no element quantity scales (figures of
    instances are then reported as not computable)."""
    per = declared_quantity(unit) if unit else None
    return {"amount": per[0], "unit": per[1]} if per else None


def import_bytes(data: bytes, name: str, kind: str, today: date | None = None) -> EpdResult:
    """The product-type passport (Turtle) and the import report of one EPD file; `kind` from `detect`."""
    decl = read(data, name, kind)
    return EpdResult(passport(decl), report(decl, today or date.today()))
