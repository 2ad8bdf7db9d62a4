"""Human-readable pages (Jinja2). The templates get plain values; all data access happens before."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape
from pyoxigraph import Literal, NamedNode, Triple

from registry.namespaces import PREFIXES
from registry.passports.model import ChangeInfo, PassportRecord
from registry.rdf import ANSWER_FORMATS


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


def render_passport(
    record: PassportRecord, version: int, triples: Sequence[Triple], history: Sequence[ChangeInfo]
) -> str:
    subjects: dict[str, list[tuple[str, str, str | None]]] = defaultdict(list)
    for t in sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object))):
        link = t.object.value if isinstance(t.object, NamedNode) else None
        subjects[short(t.subject, record.iri)].append(
            (short(t.predicate, record.iri), short(t.object, record.iri), link)
        )
    formats = [(f.name, f.media_type) for f in ANSWER_FORMATS]
    return _environment().get_template("passport.html").render(
        record=record, version=version, subjects=dict(subjects), history=history, formats=formats
    )
