"""Names a person can read for the nodes of a graph, for reports and diffs (issue 16).

A validation result or a diff that says `.../.well-known/genid/4c5bf9af5743e474` tells a builder nothing:
blank nodes are stored as keyed hashes (docs/architecture.md 2). A node is named by its own label (rdfs,
schema.org, Dublin Core, SKOS), else by the node that points to it and the link (`column C1 > composedOf`),
else by its fragment or last path segment (`#column-1` -> `column-1`). Names describe; they never replace
the IRI, which stays in every answer beside them.
"""

from __future__ import annotations

from collections.abc import Iterable

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from registry.namespaces import DCTERMS, MPR, RDFS, SCHEMA, SKOS

LABELS = (RDFS + "label", SCHEMA + "name", DCTERMS + "title", SKOS + "prefLabel", DCTERMS + "identifier",
          SCHEMA + "identifier")
#: How many nodes up a chain of nameless nodes is followed: compositions sit 1-2 below a named part.
MAX_HOPS = 4
GENID = "/.well-known/genid/"


def local_name(iri: str) -> str:
    """The fragment or last path segment of an IRI: `https://w3id.org/mpr#composedOf` -> `composedOf`."""
    for sep in ("#", "/"):
        tail = iri.rstrip("/").rsplit(sep, 1)[-1]
        if tail and tail != iri:
            return tail
    return iri


def _key(term: NamedNode | BlankNode) -> str:
    """A node as reports write it: an IRI as itself, a blank node as `_:label` (registry/validation/report.py)."""
    return f"_:{term.value}" if isinstance(term, BlankNode) else term.value


class Names:
    """The readable names of one graph's nodes; build once per report or diff."""

    def __init__(self, triples: Iterable[Triple]) -> None:
        self._labels: dict[str, tuple[int, str]] = {}
        self._parents: dict[str, tuple[str, str]] = {}
        self._material: dict[str, str] = {}
        for t in triples:
            self._read(t)

    def _read(self, t: Triple) -> None:
        if isinstance(t.subject, Triple):
            return
        subject, predicate, obj = _key(t.subject), t.predicate.value, t.object
        if isinstance(obj, Literal) and predicate in LABELS:
            rank = LABELS.index(predicate) * 2 + (0 if obj.language in (None, "", "en") else 1)
            if subject not in self._labels or rank < self._labels[subject][0]:
                self._labels[subject] = (rank, obj.value)
        elif isinstance(obj, NamedNode | BlankNode):
            self._parents.setdefault(_key(obj), (subject, predicate))
            if predicate == MPR + "material":
                self._material[subject] = local_name(obj.value)

    def name(self, node: str) -> str:
        """The readable name of `node` (an IRI, or `_:label` for a blank node)."""
        parts: list[str] = []
        seen: set[str] = set()
        current = node
        for _ in range(MAX_HOPS):
            if current in self._labels:
                return " > ".join([self._labels[current][1], *reversed(parts)])
            if not (GENID in current or current.startswith("_:")) or current in seen:
                break
            seen.add(current)
            material = self._material.get(current)
            parent = self._parents.get(current)
            if parent is None:
                break
            link = local_name(parent[1])
            parts.append(f"{link} ({material})" if material else link)
            current = parent[0]
        return " > ".join([local_name(current), *reversed(parts)])

    def term(self, term: NamedNode | BlankNode | Literal | Triple) -> str:
        """Any term of a triple as a person reads it: a literal as its text, a node by `name`."""
        if isinstance(term, Literal):
            return term.value
        if isinstance(term, Triple):
            return str(term)
        return self.name(_key(term))
