"""IRIs of the vocabularies the code writes or queries; data files carry their own prefixes."""

from __future__ import annotations

from pyoxigraph import NamedNode

MPR = "https://w3id.org/mpr#"
BOT = "https://w3id.org/bot#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
QUDT = "http://qudt.org/schema/qudt/"
UNIT = "http://qudt.org/vocab/unit/"
GEO = "http://www.opengis.net/ont/geosparql#"
SCHEMA = "https://schema.org/"
SH = "http://www.w3.org/ns/shacl#"
MATERIALS = "https://w3id.org/mpr/materials/"
CONNECTIONS = "https://w3id.org/mpr/connections/"
ACCESSIBILITY = "https://w3id.org/mpr/accessibility/"
CONDITIONS = "https://w3id.org/mpr/conditions/"
MODULES = "https://w3id.org/mpr/modules/"

PREFIXES: dict[str, str] = {
    "mpr": MPR,
    "bot": BOT,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "owl": OWL,
    "skos": SKOS,
    "prov": PROV,
    "dcterms": DCTERMS,
    "qudt": QUDT,
    "unit": UNIT,
    "geo": GEO,
    "schema": SCHEMA,
    "mat": MATERIALS,
    "conn": CONNECTIONS,
}


def mpr(name: str) -> NamedNode:
    return NamedNode(MPR + name)


RDF_TYPE = NamedNode(RDF + "type")
PASSPORT = mpr("Passport")
XSD_INTEGER = NamedNode(XSD + "integer")
XSD_DATETIME = NamedNode(XSD + "dateTime")
XSD_STRING = NamedNode(XSD + "string")


def sparql_prefixes() -> str:
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
