"""UNTP Digital Product Passports in: the inverse of `registry.untp.export`, into a product passport.

The mapping is the export's read backwards (registry/untp.py): the product (name, description, GTIN
when its `idScheme` is GS1's, serial number), one `mpr:MaterialComposition` per entry of
`materialsProvenance` (material = `materialType.id`, mass in kg from `mass`, or `massFraction` x the
product's `dimensions.weight`; `recycledMassFraction` as `mpr:recycledContent`), the scorecard's
`recyclableContent`, and embodied carbon from emissions claims whose metrics are named as the export
names them ("GWP A1-A3 (kg CO2e)"). Anything it cannot place is listed in the report, never guessed;
the result goes through the same shapes as every upload.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, serialize

from registry.errors import MalformedInput
from registry.namespaces import DCTERMS, MODULES, MPR, QUDT, RDF_TYPE, SCHEMA, UNIT, XSD
from registry.nesting import load_json

GS1_SCHEME = "https://id.gs1.org/01/"
KILOGRAMS = {"KGM": 1.0, "TNE": 1000.0, "GRM": 0.001}  # UNECE Rec 20 codes
DECIMAL = NamedNode(XSD + "decimal")
# A stand-in for the passport's IRI (the registry gives the real one at upload), in a scheme of its own
# so that the Turtle writer makes exactly these IRIs relative (it shortens any IRI sharing the scheme), and no
# input may use it.
SCHEME = "mpr-untp-import:"
PLACEHOLDER = SCHEME + "//passport/"
PASSPORT, PRODUCT = NamedNode(PLACEHOLDER + "passport"), NamedNode(PLACEHOLDER + "passport#product")


def _n(namespace: str, name: str) -> NamedNode:
    return NamedNode(namespace + name)


@dataclass
class UntpImport:
    triples: list[Triple] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, s: NamedNode | BlankNode, p: NamedNode, o: NamedNode | BlankNode | Literal) -> None:
        self.triples.append(Triple(s, p, o))

    @property
    def turtle(self) -> bytes:
        """Turtle with the passport as `<>`: the registry parses it with the passport's IRI as base."""
        text = serialize(self.triples, format=RdfFormat.TURTLE, base_iri=PASSPORT.value) or b""
        declared = f"@base <{PASSPORT.value}> .\n".encode()
        return text.removeprefix(declared)  # relative IRIs stay: the registry gives the base at upload

    def report(self) -> dict[str, Any]:
        return {"triples": len(self.triples), "notes": self.notes}


def _number(value: object) -> Literal | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return Literal(repr(float(value)) if isinstance(value, float) else str(value), datatype=DECIMAL)


def _kg(measure: object) -> float | None:
    if not isinstance(measure, dict) or measure.get("unit") not in KILOGRAMS:
        return None
    value = measure.get("value")
    return float(value) * KILOGRAMS[measure["unit"]] if isinstance(value, int | float) else None


def _product(out: UntpImport, product: dict[str, Any]) -> None:
    out.add(PRODUCT, RDF_TYPE, _n(SCHEMA, "Product"))
    for key, name in (("name", "name"), ("description", "description"), ("serialNumber", "serialNumber")):
        if isinstance(product.get(key), str):
            out.add(PRODUCT, _n(SCHEMA, name), Literal(product[key]))
    scheme = product.get("idScheme")
    if isinstance(scheme, dict) and scheme.get("id") == GS1_SCHEME and isinstance(product.get("registeredId"), str):
        out.add(PRODUCT, _n(SCHEMA, "gtin"), Literal(product["registeredId"]))


def _material(out: UntpImport, material: dict[str, Any], weight_kg: float | None) -> None:
    kind = material.get("materialType")
    concept = kind.get("id") if isinstance(kind, dict) else None
    mass = _kg(material.get("mass"))
    if mass is None and weight_kg is not None and isinstance(material.get("massFraction"), int | float):
        mass = float(material["massFraction"]) * weight_kg
    if not isinstance(concept, str) or mass is None:
        out.notes.append(f"material {material.get('name')!r} left out: it needs materialType.id and a mass "
                         "(mass, or massFraction with the product's dimensions.weight)")
        return
    node, quantity = BlankNode(), BlankNode()
    out.add(PRODUCT, _n(MPR, "composedOf"), node)
    out.add(node, RDF_TYPE, _n(MPR, "MaterialComposition"))
    out.add(node, _n(MPR, "material"), NamedNode(concept))
    out.add(node, _n(MPR, "mass"), quantity)
    out.add(quantity, RDF_TYPE, _n(QUDT, "QuantityValue"))
    out.add(quantity, _n(QUDT, "numericValue"), Literal(str(round(mass, 9)), datatype=DECIMAL))
    out.add(quantity, _n(QUDT, "unit"), _n(UNIT, "KiloGM"))
    recycled = _number(material.get("recycledMassFraction"))
    if recycled is not None:
        out.add(node, _n(MPR, "recycledContent"), recycled)


def _module_of(metric: dict[str, Any]) -> str | None:
    """The EN 15804 module of a metric the export named "GWP {module} (kg CO2e)", else None."""
    name = metric.get("metricName")
    if not isinstance(name, str) or not name.startswith("GWP ") or not name.endswith(" (kg CO2e)"):
        return None
    return name.removeprefix("GWP ").removesuffix(" (kg CO2e)")


def _claim(out: UntpImport, claim: dict[str, Any]) -> None:
    evidence = claim.get("conformityEvidence")
    link = evidence.get("linkURL") if isinstance(evidence, dict) else None
    source: NamedNode | Literal = NamedNode(link) if isinstance(link, str) else Literal(f"UNTP claim {claim.get('id')}")
    for metric in claim.get("declaredValue", []) if claim.get("conformityTopic") == "environment.emissions" else []:
        module = _module_of(metric) if isinstance(metric, dict) else None
        value = _number((metric.get("metricValue") or {}).get("value")) if module else None
        if module is None or value is None:
            out.notes.append(f"metric {str(metric)[:80]} of claim {claim.get('id')} left out: not a GWP by module")
            continue
        node = BlankNode()
        out.add(PRODUCT, _n(MPR, "embodiedCarbon"), node)
        out.add(node, RDF_TYPE, _n(MPR, "EmbodiedCarbonValue"))
        out.add(node, _n(MPR, "lifeCycleModule"), NamedNode(MODULES + module))
        out.add(node, _n(MPR, "kgCO2e"), value)
        out.add(node, _n(DCTERMS, "source"), source)


def _subject(document: object) -> dict[str, Any]:
    kinds = document.get("type") if isinstance(document, dict) else None
    if not isinstance(document, dict) or not isinstance(kinds, list) or "DigitalProductPassport" not in kinds:
        raise MalformedInput("not a UNTP Digital Product Passport: expected an object of type DigitalProductPassport")
    subject = document.get("credentialSubject")
    if not isinstance(subject, dict) or not isinstance(subject.get("product"), dict):
        raise MalformedInput("the Digital Product Passport has no credentialSubject.product")
    return subject


def import_untp(data: bytes) -> UntpImport:
    subject = _subject(load_json(data))
    out = UntpImport()
    product = subject["product"]
    out.add(PASSPORT, RDF_TYPE, _n(MPR, "Passport"))
    out.add(PASSPORT, _n(MPR, "describes"), PRODUCT)
    out.add(PASSPORT, _n(DCTERMS, "title"), Literal(str(product.get("name") or "Imported product passport")))
    _product(out, product)
    dimensions = product.get("dimensions")
    weight = _kg(dimensions.get("weight")) if isinstance(dimensions, dict) else None
    for material in subject.get("materialsProvenance") or []:
        if isinstance(material, dict):
            _material(out, material, weight)
    scorecard = subject.get("circularityScorecard")
    recyclable = _number(scorecard.get("recyclableContent")) if isinstance(scorecard, dict) else None
    if recyclable is not None:
        out.add(PRODUCT, _n(MPR, "recyclableAtEndOfLife"), recyclable)
    for claim in subject.get("conformityClaim") or []:
        if isinstance(claim, dict):
            _claim(out, claim)
    _refuse_placeholder(out.triples)
    return out


def _refuse_placeholder(triples: list[Triple]) -> None:
    ours = {PASSPORT, PRODUCT}
    for t in triples:
        for term in (t.subject, t.object):
            if isinstance(term, NamedNode) and term not in ours and term.value.lower().startswith(SCHEME):
                raise MalformedInput(f"the document uses {term.value[:200]!r}: the scheme {SCHEME} is reserved")
