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
from collections.abc import Iterable
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, serialize

from registry.namespaces import PREFIXES, RDF_TYPE, XSD_STRING

Node = dict[str, Any]
#: Namespace -> prefix. Every namespace ends in '#' or '/', so an IRI's namespace is found by cutting it there.
_BY_NAMESPACE = {namespace: prefix for prefix, namespace in PREFIXES.items()}


def context() -> dict[str, str]:
    """The registry's JSON-LD context: one prefix per vocabulary the registry writes."""
    return dict(PREFIXES)


def compact_iri(iri: str) -> str:
    """`iri` as a compact IRI when a prefix covers it; a local part starting with '//' would read as an IRI.

    A dictionary lookup of the IRI cut after its last '/' and its last '#', not a scan of every prefix: 15
    `startswith` per IRI made compaction 14x pyoxigraph's expanded writer on 100k triples (bench/formats.py).
    An IRI whose local part holds a '/' or '#' of its own stays in full: still correct, only longer.
    """
    for cut in (iri.rfind("/"), iri.rfind("#")):
        prefix = _BY_NAMESPACE.get(iri[:cut + 1]) if cut > 0 else None
        local = iri[cut + 1:]
        if prefix is not None and local and not local.startswith("//"):
            return f"{prefix}:{local}"
    return iri


def _ambiguous(iri: str) -> bool:
    """An IRI whose scheme is a prefix name (`geo:52.1,4.3`) would be expanded as a compact IRI when read."""
    return iri.split(":", 1)[0] in PREFIXES


class _NotCompactable(Exception):
    """Raised inside `_Compactor` for what a prefix context cannot say; the caller answers expanded JSON-LD."""


class _Compactor:
    """One document's compaction, each distinct IRI compacted (and checked) once."""

    def __init__(self) -> None:
        self.iris: dict[str, str] = {}

    def iri(self, iri: str) -> str:
        found = self.iris.get(iri)
        if found is None:
            if _ambiguous(iri):
                raise _NotCompactable(iri)
            found = self.iris[iri] = compact_iri(iri)
        return found

    def node(self, term: object) -> str:
        if isinstance(term, NamedNode):
            return self.iri(term.value)
        if isinstance(term, BlankNode):
            return f"_:{term.value}"
        raise _NotCompactable("triple term")  # RDF 1.2 triple terms have no JSON-LD 1.1 form

    def value(self, term: object) -> Any:
        if not isinstance(term, Literal):
            return {"@id": self.node(term)}
        if term.language:
            return {"@value": term.value, "@language": term.language}
        if term.datatype == XSD_STRING:
            return term.value
        return {"@value": term.value, "@type": self.iri(term.datatype.value)}

    def nodes(self, triples: Iterable[Triple]) -> list[Node]:
        nodes: dict[str, Node] = {}
        for t in triples:
            subject = self.node(t.subject)
            node = nodes.get(subject)
            if node is None:
                node = nodes[subject] = {"@id": subject}
            if t.predicate == RDF_TYPE and isinstance(t.object, NamedNode):
                node.setdefault("@type", []).append(self.iri(t.object.value))
            else:
                node.setdefault(self.iri(t.predicate.value), []).append(self.value(t.object))
        for node in nodes.values():  # compactArrays: a single value stands alone
            for key, values in node.items():
                if isinstance(values, list) and len(values) == 1:
                    node[key] = values[0]
        return list(nodes.values())


def compacted(triples: Iterable[Triple]) -> dict[str, Any] | list[Any]:
    """The graph as a compacted JSON-LD document; expanded (pyoxigraph's) when a prefix context cannot say it."""
    found = triples if isinstance(triples, list) else list(triples)
    try:
        return {"@context": context(), "@graph": _Compactor().nodes(found)}
    except _NotCompactable:
        expanded: list[Any] = json.loads(serialize(found, format=RdfFormat.JSON_LD) or b"[]")
        return expanded
