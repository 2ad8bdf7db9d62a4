"""Compacted JSON-LD under the registry's own `@context`, the form JSON tools and people can read.

pyoxigraph writes expanded JSON-LD only (every key a full IRI, every value an array of objects), which
no one reads as JSON (issue 16). The registry's context (`context()`, published at `/context.jsonld` and
kept in the repository as `ontology/context.jsonld`) maps the prefixes of `registry.namespaces.PREFIXES`,
so compaction here is IRI to compact IRI (JSON-LD 1.1, 4.1.5 and the IRI Compaction algorithm restricted
to prefixes), one node object per subject in a `@graph`: the result expands to exactly the same triples
(tests/test_formats.py expands it with pyld and compares with the Turtle).

Literals keep their lexical form and datatype (`{"@value": "12.40", "@type": "xsd:decimal"}`): native JSON
numbers would lose both. Plain strings become JSON strings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, serialize

from registry.namespaces import PREFIXES, RDF_TYPE, XSD_STRING

Node = dict[str, Any]
#: Longest namespace first, so `mpr:` never takes an IRI of `https://w3id.org/mpr/materials/`.
_BY_LENGTH = sorted(PREFIXES.items(), key=lambda item: -len(item[1]))


def context() -> dict[str, str]:
    """The registry's JSON-LD context: one prefix per vocabulary the registry writes."""
    return dict(PREFIXES)


def compact_iri(iri: str) -> str:
    """`iri` as a compact IRI when a prefix covers it; a local part starting with '//' would read as an IRI."""
    for prefix, namespace in _BY_LENGTH:
        if iri.startswith(namespace) and len(iri) > len(namespace) and not iri[len(namespace):].startswith("//"):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def _ambiguous(iri: str) -> bool:
    """An IRI whose scheme is a prefix name (`geo:52.1,4.3`) would be expanded as a compact IRI when read."""
    return iri.split(":", 1)[0] in PREFIXES


def _id(term: NamedNode | BlankNode) -> str:
    return compact_iri(term.value) if isinstance(term, NamedNode) else f"_:{term.value}"


def _value(term: NamedNode | BlankNode | Literal) -> Any:
    if not isinstance(term, Literal):
        return {"@id": _id(term)}
    if term.language:
        return {"@value": term.value, "@language": term.language}
    if term.datatype == XSD_STRING:
        return term.value
    return {"@value": term.value, "@type": compact_iri(term.datatype.value)}


def _compactable(triples: Sequence[Triple]) -> bool:
    """False for what a prefix context cannot say: triple terms (RDF 1.2) and IRIs that read as compact IRIs."""
    for t in triples:
        for term in (t.subject, t.predicate, t.object):
            if isinstance(term, Triple):
                return False
            if isinstance(term, NamedNode) and _ambiguous(term.value):
                return False
            if isinstance(term, Literal) and _ambiguous(term.datatype.value):
                return False
    return True


def _nodes(triples: Iterable[Triple]) -> list[Node]:
    nodes: dict[str, Node] = {}
    for t in triples:
        subject = _id(t.subject)  # type: ignore[arg-type]  # triple terms were ruled out by _compactable
        node = nodes.setdefault(subject, {"@id": subject})
        if t.predicate == RDF_TYPE and isinstance(t.object, NamedNode):
            node.setdefault("@type", []).append(compact_iri(t.object.value))
        else:
            node.setdefault(compact_iri(t.predicate.value), []).append(_value(t.object))  # type: ignore[arg-type]
    for node in nodes.values():  # compactArrays: a single value stands alone
        for key, values in node.items():
            if isinstance(values, list) and len(values) == 1:
                node[key] = values[0]
    return list(nodes.values())


def compacted(triples: Iterable[Triple]) -> dict[str, Any] | list[Any]:
    """The graph as a compacted JSON-LD document; expanded (pyoxigraph's) when a prefix context cannot say it."""
    found = list(triples)
    if not _compactable(found):
        expanded: list[Any] = json.loads(serialize(found, format=RdfFormat.JSON_LD) or b"[]")
        return expanded
    return {"@context": context(), "@graph": _nodes(found)}
