"""Conditions a write depends on, as values every backend checks in its own way.

Guards are data, not SPARQL text, so nothing crosses the store interface as a query fragment: the
embedded store checks them against its quads directly, a SPARQL store renders them into the one query
that also reads its write leases (see `registry.store.sparql.leases`). Both are plain graph matches
(RDF term equality, as a SPARQL basic graph pattern matches), so every backend answers the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import NamedNode, Triple


@dataclass(frozen=True)
class Contains:
    """Holds when every one of `triples` is in `graph` (e.g. "the record still says version 3")."""

    graph: NamedNode
    triples: tuple[Triple, ...]


@dataclass(frozen=True)
class Absent:
    """Holds when `graph` has no triple with this subject and predicate (e.g. "no version yet": create)."""

    graph: NamedNode
    subject: NamedNode
    predicate: NamedNode


Guard = Contains | Absent
