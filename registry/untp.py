"""A product passport as a UN Transparency Protocol (UNTP) Digital Product Passport, JSON-LD.

UNTP's DPP (https://uncefact.github.io/spec-untp/docs/specification/DigitalProductPassport) is a W3C
Verifiable Credential whose subject is a `ProductPassport`: the product, the provenance of its
materials (mass fraction, recycled mass fraction), conformity claims and scorecards, and the issuer
as a DID. The mapping from the registry's data model:

- `issuer`: the owner organisation's DID (registry/credentials/did.py);
- `product`: `id` the GS1 Digital Link `{base}/01/{gtin}` when the product has a `schema:gtin` (with
  `registeredId` and the GTIN `idScheme`), else its IRI; `name`, `description`, `serialNumber` from schema.org;
- `materialsProvenance[]`: the `mpr:composedOf` of every part, summed by `mpr:material`: `mass` (KGM),
  `massFraction` = mass / total mass, `recycledMassFraction` = mass-weighted `mpr:recycledContent`;
- `circularityScorecard`: `recycledContent` = recycled mass / total mass, `recyclableContent` the
  product's `mpr:recyclableAtEndOfLife`;
- `conformityClaim[]`: the embodied carbon (`mpr:embodiedCarbon`, EN 15804 modules) as one
  `environment.emissions` claim with a metric per module; its evidence the EPD when the source is an IRI.

Masses are in kilograms (UNECE Rec 20 code `KGM`). Compositions without a mass are left out of the
fractions (volumes would need a density the passport may not state). The export uses only what the
caller may read (the same view as `/passports/{id}`). Its JSON schema and context are UNTP's
published ones, vendored in `vendor/untp/` for the tests (tests/test_untp.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pyoxigraph import Literal, NamedNode, Triple

from registry.errors import NotComputable
from registry.namespaces import DCTERMS, MPR, QUDT, RDF_TYPE, SCHEMA
from registry.quantities import MASS_UNITS, number

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
UNTP_DPP_CONTEXT = "https://test.uncefact.org/vocabulary/untp/dpp/working/"
GTIN_SCHEME = {"type": ["IdentifierScheme"], "id": "https://id.gs1.org/01/",
               "name": "Global Trade Identification Number (GTIN)"}
EN_15804 = {"type": ["Standard"], "id": "https://standards.cencenelec.eu/EN15804",
            "name": "EN 15804 Sustainability of construction works - Environmental product declarations",
            "issuingParty": {"id": "https://www.cencenelec.eu/", "name": "CEN, European Committee for Standardization"}}
KGM = "KGM"  # UNECE Recommendation 20: kilogram


def _p(namespace: str, name: str) -> NamedNode:
    return NamedNode(namespace + name)


DESCRIBES, COMPOSED_OF, MATERIAL = _p(MPR, "describes"), _p(MPR, "composedOf"), _p(MPR, "material")
MASS, RECYCLED, RECYCLABLE = _p(MPR, "mass"), _p(MPR, "recycledContent"), _p(MPR, "recyclableAtEndOfLife")
EMBODIED, MODULE, KG_CO2E = _p(MPR, "embodiedCarbon"), _p(MPR, "lifeCycleModule"), _p(MPR, "kgCO2e")
NUMERIC, UNIT = _p(QUDT, "numericValue"), _p(QUDT, "unit")
NAME, DESCRIPTION, GTIN = _p(SCHEMA, "name"), _p(SCHEMA, "description"), _p(SCHEMA, "gtin")
SERIAL, PRODUCT, SOURCE = _p(SCHEMA, "serialNumber"), _p(SCHEMA, "Product"), _p(DCTERMS, "source")


class Graph:
    """The passport's triples by subject: enough to walk a few links without a store."""

    def __init__(self, triples: Sequence[Triple]) -> None:
        self.out: dict[object, list[tuple[NamedNode, object]]] = defaultdict(list)
        for t in triples:
            self.out[t.subject].append((t.predicate, t.object))

    def objects(self, subject: object, predicate: NamedNode) -> list[object]:
        return [o for p, o in self.out.get(subject, []) if p == predicate]

    def value(self, subject: object, predicate: NamedNode) -> object | None:
        found = self.objects(subject, predicate)
        return found[0] if found else None

    def text(self, subject: object, predicate: NamedNode) -> str | None:
        found = self.value(subject, predicate)
        return found.value if isinstance(found, Literal) else None

    def subjects_with(self, predicate: NamedNode) -> list[object]:
        return [s for s, links in self.out.items() if any(p == predicate for p, _ in links)]


@dataclass
class MaterialTotal:
    mass_kg: float = 0.0
    recycled_kg: float = 0.0


@dataclass
class Inputs:
    """What the export needs besides the triples: names for concepts and the issuer."""

    base: str
    issuer_did: str
    issuer_name: str
    label: Callable[[str], str]
    materials: dict[str, MaterialTotal] = field(default_factory=dict)


def _mass_kg(graph: Graph, composition: object) -> float | None:
    quantity = graph.value(composition, MASS)
    unit = graph.value(quantity, UNIT)
    value = number(graph.value(quantity, NUMERIC))
    if value is None or not isinstance(unit, NamedNode) or unit.value not in MASS_UNITS:
        return None
    return value * MASS_UNITS[unit.value]


def material_totals(graph: Graph) -> dict[str, MaterialTotal]:
    """Mass and recycled mass by material concept, over every composition of every part."""
    totals: dict[str, MaterialTotal] = defaultdict(MaterialTotal)
    for part in graph.subjects_with(COMPOSED_OF):
        for composition in graph.objects(part, COMPOSED_OF):
            material, mass = graph.value(composition, MATERIAL), _mass_kg(graph, composition)
            if not isinstance(material, NamedNode) or mass is None:
                continue
            recycled = number(graph.value(composition, RECYCLED)) or 0.0
            totals[material.value].mass_kg += mass
            totals[material.value].recycled_kg += mass * recycled
    return dict(totals)


def _provenance(totals: dict[str, MaterialTotal], label: Callable[[str], str]) -> list[dict[str, Any]]:
    total = sum(t.mass_kg for t in totals.values())
    return [{
        "type": ["Material"], "name": label(iri),
        "materialType": {"type": ["Classification"], "id": iri, "code": iri.rsplit("/", 1)[-1], "name": label(iri),
                         "schemeID": iri.rsplit("/", 1)[0] + "/", "schemeName": "MPR materials (SKOS)"},
        "massFraction": round(t.mass_kg / total, 6) if total else 0.0,
        "mass": {"type": ["Measure"], "value": round(t.mass_kg, 6), "unit": KGM},
        "recycledMassFraction": round(t.recycled_kg / t.mass_kg, 6) if t.mass_kg else 0.0,
    } for iri, t in sorted(totals.items(), key=lambda item: (-item[1].mass_kg, item[0]))]


def _product(graph: Graph, thing: NamedNode, base: str) -> dict[str, Any]:
    gtin = graph.text(thing, GTIN)
    product: dict[str, Any] = {"type": ["Product"], "id": f"{base}/01/{gtin}" if gtin else thing.value,
                               "name": graph.text(thing, NAME) or thing.value}
    if gtin:
        product |= {"registeredId": gtin, "idScheme": GTIN_SCHEME}
    for key, predicate in (("description", DESCRIPTION), ("serialNumber", SERIAL)):
        if graph.text(thing, predicate):
            product[key] = graph.text(thing, predicate)
    return product


def _carbon_claim(graph: Graph, thing: NamedNode, passport: str) -> list[dict[str, Any]]:
    """One emissions claim listing each EN 15804 module's kg CO2e (UNTP Metric), evidence the EPD if linked."""
    metrics, evidence = [], None
    for node in graph.objects(thing, EMBODIED):
        module, value = graph.value(node, MODULE), number(graph.value(node, KG_CO2E))
        if not isinstance(module, NamedNode) or value is None:
            continue
        metrics.append({"type": ["Metric"], "metricName": f"GWP {module.value.rsplit('/', 1)[-1]} (kg CO2e)",
                        "metricValue": {"type": ["Measure"], "value": value, "unit": KGM}})
        source = graph.value(node, SOURCE)
        evidence = evidence or (source.value if isinstance(source, NamedNode) else None)
    if not metrics:
        return []
    claim: dict[str, Any] = {
        "type": ["Claim", "Declaration"], "id": f"{passport}#claim-embodied-carbon",
        "description": "Embodied carbon by EN 15804 life-cycle module, as stated in the passport",
        "conformityTopic": "environment.emissions", "declaredValue": metrics,
        "referenceStandard": EN_15804,
    }
    if evidence:
        claim["conformityEvidence"] = {"linkURL": evidence, "linkName": "Environmental product declaration"}
    return [claim]


def product_of(graph: Graph, passport: str) -> NamedNode:
    thing = graph.value(NamedNode(passport), DESCRIBES)
    if not isinstance(thing, NamedNode) or PRODUCT not in graph.objects(thing, RDF_TYPE):
        raise NotComputable("a UNTP Digital Product Passport describes a product: this passport describes no "
                            "schema:Product (building passports have no UNTP export)")
    return thing


def export(
    triples: Sequence[Triple], passport: str, version: int, inputs: Inputs, valid_from: str
) -> dict[str, Any]:
    """The UNTP DigitalProductPassport credential (unsigned) of one product passport version; its `id`
    names the version (`{passport}/untp?version=N`), which is how a signed copy is checked later."""
    graph = Graph(triples)
    thing = product_of(graph, passport)
    totals = material_totals(graph)
    total = sum(t.mass_kg for t in totals.values())
    subject: dict[str, Any] = {
        "type": ["ProductPassport"], "id": passport, "product": _product(graph, thing, inputs.base),
        "granularityLevel": "item" if graph.text(thing, SERIAL) else "model",
        "materialsProvenance": _provenance(totals, inputs.label),
        "conformityClaim": _carbon_claim(graph, thing, passport),
        "circularityScorecard": {"type": ["CircularityPerformance"],
                                 "recycledContent": round(sum(t.recycled_kg for t in totals.values()) / total, 6)
                                 if total else 0.0},
    }
    recyclable = number(graph.value(thing, RECYCLABLE))
    if recyclable is not None:
        subject["circularityScorecard"]["recyclableContent"] = recyclable
    return {
        "@context": [VC_CONTEXT, UNTP_DPP_CONTEXT], "type": ["DigitalProductPassport", "VerifiableCredential"],
        "id": f"{passport}/untp?version={version}", "validFrom": valid_from,
        "issuer": {"type": ["CredentialIssuer"], "id": inputs.issuer_did, "name": inputs.issuer_name},
        "credentialSubject": subject,
    }
