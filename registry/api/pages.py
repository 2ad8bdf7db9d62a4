"""Human-readable pages (Jinja2): what a QR scan opens on a phone, and what prints as the PDF passport.

The templates get plain values; all data access (and access control) happens before rendering.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence

from markupsafe import Markup
from pyoxigraph import Literal, NamedNode, Triple

from registry.api.passport_view import (
    LABELS,
    Graph,
    Labeller,
    mass_text,
    ordered_modules,
    page_title,
    parts_tree,
    product_fields,
)
from registry.api.templating import environment
from registry.indicators.service import Indicators
from registry.namespaces import BOT, DCTERMS, GEO, PREFIXES, RDF, SCHEMA, mpr
from registry.passports.model import ChangeInfo, PassportRecord
from registry.rdf import ANSWER_FORMATS

TYPE = NamedNode(RDF + "type")
ADDRESS_PARTS = ["streetAddress", "postalCode", "addressLocality", "addressRegion", "addressCountry"]




def short(term: object, base: str) -> str:
    """A compact name for a term: prefixed name, or the part after the passport IRI."""
    if isinstance(term, NamedNode):
        iri = term.value
        if iri.startswith(base):
            return iri[len(base):] or "(this passport)"
        for prefix, namespace in PREFIXES.items():
            if iri.startswith(namespace):
                return f"{prefix}:{iri[len(namespace):]}"
        return iri
    if isinstance(term, Literal):
        return term.value + (f" @{term.language}" if term.language else "")
    return str(term)


def _describe(
    record: PassportRecord, triples: Sequence[Triple], labels: Labeller, indicators: Indicators | None
) -> dict[str, object]:
    graph = Graph(triples)
    node = NamedNode(record.iri)
    asset = graph.first(node, mpr("describes"))
    kinds = [short(t, record.iri) for t in graph.values(asset, TYPE)] if asset else []
    address = None
    for place in graph.values(asset, NamedNode(SCHEMA + "address")) if asset else []:
        lines = [graph.text(place, NamedNode(SCHEMA + p)) for p in ADDRESS_PARTS]
        address = ", ".join(line for line in lines if line)
    location = None
    for geometry in graph.values(asset, NamedNode(GEO + "hasGeometry")) if asset else []:
        wkt = graph.text(geometry, NamedNode(GEO + "asWKT"))
        location = wkt or location
    available = graph.text(asset, mpr("availableFrom")) if asset else None
    sites = [t.subject for t in triples if t.predicate == NamedNode(BOT + "hasBuilding") and t.object == asset]
    asset_name = graph.text(asset, *LABELS) if asset else None
    part_mass = {p.iri: p.mass_kg for p in indicators.parts} if indicators else {}
    tree, hazards = parts_tree(graph, asset, labels, part_mass) if asset else (None, [])
    owner = graph.first(node, mpr("owner"))
    return {
        "title": page_title(graph.text(node, NamedNode(DCTERMS + "title")), asset_name,
                            graph.text(sites[0], *LABELS) if sites else None, record.id),
        "description": graph.text(node, NamedNode(DCTERMS + "description")),
        "asset": asset_name,
        "kinds": kinds,
        "address": address,
        "location": location,
        "available_from": available,
        "owner": graph.text(owner, *LABELS) if owner else None,
        "product": product_fields(graph, asset) if asset else [],
        "tree": tree,
        "hazards": hazards,
    }


def _subjects(record: PassportRecord, triples: Sequence[Triple]) -> dict[str, list[tuple[str, str, str | None]]]:
    subjects: dict[str, list[tuple[str, str, str | None]]] = defaultdict(list)
    for t in sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object))):
        link = t.object.value if isinstance(t.object, NamedNode) else None
        subjects[short(t.subject, record.iri)].append(
            (short(t.predicate, record.iri), short(t.object, record.iri), link)
        )
    return dict(subjects)


def render_passport(
    record: PassportRecord,
    version: int,
    triples: Sequence[Triple],
    history: Sequence[ChangeInfo],
    indicators: Indicators | None = None,
    chart_svg: bytes | None = None,
    qr_svg: str | None = None,
    note: str | None = None,
    label: Callable[[str], str] = str,
) -> str:
    formats = [(f.name, f.media_type) for f in ANSWER_FORMATS]
    return environment().get_template("passport.html").render(
        record=record,
        version=version,
        about=_describe(record, triples, Labeller(label), indicators),
        mass=mass_text,
        modules=ordered_modules(indicators.carbon_kg_co2e_by_module) if indicators else [],
        subjects=_subjects(record, triples),
        history=history,
        formats=formats,
        indicators=indicators,
        chart=Markup(chart_svg.decode()) if chart_svg else None,
        qr=Markup(qr_svg) if qr_svg else None,
        note=note,
    )


KINDS = {BOT + "Building": "building", BOT + "Site": "site", SCHEMA + "Product": "product"}


def summary(record: PassportRecord, triples: Sequence[Triple]) -> dict[str, str]:
    """One row of the landing page: what kind of asset, where, whose (and the id, so equal titles differ)."""
    graph = Graph(triples)
    node = NamedNode(record.iri)
    asset = graph.first(node, mpr("describes"))
    kinds = [KINDS[t.value] for t in graph.values(asset, TYPE) if isinstance(t, NamedNode) and t.value in KINDS]
    place = ""
    for address in graph.values(asset, NamedNode(SCHEMA + "address")) if asset else []:
        place = graph.text(address, NamedNode(SCHEMA + "addressLocality")) or place
    owner = graph.first(node, mpr("owner"))
    return {
        "title": page_title(record.title, graph.text(asset, *LABELS) if asset else None, None, record.id),
        "kind": ", ".join(sorted(set(kinds))),
        "place": place,
        "owner": (graph.text(owner, *LABELS) if owner else None) or record.owner or "",
    }


def render_index(
    records: Sequence[PassportRecord], summaries: Sequence[dict[str, str]], total: int, search: str | None,
    offset: int, limit: int,
) -> str:
    return environment().get_template("index.html").render(
        rows=list(zip(records, summaries, strict=True)), total=total, search=search or "", offset=offset,
        limit=limit,
    )


EXAMPLE_QUERY = """PREFIX mpr: <https://w3id.org/mpr#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?passport ?title WHERE {
  ?passport a mpr:Passport ; dcterms:title ?title .
  FILTER(LANG(?title) = "en" || LANG(?title) = "")
} ORDER BY ?title LIMIT 100"""


def render_sparql_page(endpoint: str, published: str) -> str:
    """YASGUI on `endpoint` (this origin); `published` is the endpoint's address under the base URL."""
    config = json.dumps({"endpoint": endpoint, "query": EXAMPLE_QUERY})
    safe = config.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return environment().get_template("sparql.html").render(endpoint=published, config=Markup(safe))
