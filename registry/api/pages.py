"""Human-readable pages (Jinja2): what a QR scan opens on a phone, and what prints as the PDF passport.

The templates get plain values; all data access (and access control) happens before rendering.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from pyoxigraph import Literal, NamedNode, Triple

from registry.indicators.service import Indicators
from registry.namespaces import BOT, DCTERMS, GEO, PREFIXES, RDF, RDFS, SCHEMA, mpr
from registry.passports.model import ChangeInfo, PassportRecord
from registry.rdf import ANSWER_FORMATS

TYPE = NamedNode(RDF + "type")
LABELS = [NamedNode(SCHEMA + "name"), NamedNode(RDFS + "label"), NamedNode(DCTERMS + "title")]
ADDRESS_PARTS = ["streetAddress", "postalCode", "addressLocality", "addressRegion", "addressCountry"]


@cache
def _environment() -> Environment:
    return Environment(loader=PackageLoader("registry", "templates"), autoescape=select_autoescape(["html"]))


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


@dataclass
class _Graph:
    """Just enough lookups over a passport's triples to describe it in words."""

    triples: Sequence[Triple]
    by_subject: dict[object, list[Triple]] = field(default_factory=lambda: defaultdict(list))

    def __post_init__(self) -> None:
        for t in self.triples:
            self.by_subject[t.subject].append(t)

    def values(self, subject: object, predicate: NamedNode) -> list[object]:
        return [t.object for t in self.by_subject.get(subject, []) if t.predicate == predicate]

    def text(self, subject: object, *predicates: NamedNode, lang: str = "en") -> str | None:
        for predicate in predicates:
            found = [v for v in self.values(subject, predicate) if isinstance(v, Literal)]
            preferred = [v for v in found if v.language == lang] or found
            if preferred:
                return preferred[0].value
        return None


def _describe(record: PassportRecord, triples: Sequence[Triple]) -> dict[str, object]:
    graph = _Graph(triples)
    node = NamedNode(record.iri)
    asset = next(iter(graph.values(node, mpr("describes"))), None)
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
    parts = sum(1 for t in triples if t.predicate in (NamedNode(BOT + "hasElement"), NamedNode(DCTERMS + "hasPart")))
    return {
        "title": graph.text(node, NamedNode(DCTERMS + "title")) or record.id,
        "description": graph.text(node, NamedNode(DCTERMS + "description")),
        "asset": graph.text(asset, *LABELS) if asset else None,
        "kinds": kinds,
        "address": address,
        "location": location,
        "available_from": available,
        "parts": parts,
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
    qr_svg: bytes | None = None,
    note: str | None = None,
) -> str:
    formats = [(f.name, f.media_type) for f in ANSWER_FORMATS]
    return _environment().get_template("passport.html").render(
        record=record,
        version=version,
        about=_describe(record, triples),
        subjects=_subjects(record, triples),
        history=history,
        formats=formats,
        indicators=indicators,
        chart=Markup(chart_svg.decode()) if chart_svg else None,
        qr=Markup(qr_svg.decode()) if qr_svg else None,
        note=note,
    )


def render_index(records: Sequence[PassportRecord], total: int, search: str | None, offset: int, limit: int) -> str:
    return _environment().get_template("index.html").render(
        records=records, total=total, search=search or "", offset=offset, limit=limit
    )
