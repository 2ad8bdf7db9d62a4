"""The one narrow interface between the registry and a triple store.

Every backend (embedded Oxigraph, any SPARQL 1.1 server) implements exactly these operations with
exactly these return types, so domain code never learns which store it runs on. All methods block:
the HTTP layer calls them from a worker thread, never on the event loop.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal as TypingLiteral

from pyoxigraph import BlankNode, Literal, NamedNode, QuerySolutions, Triple

from registry.store.guards import Guard

Term = NamedNode | BlankNode | Literal
Row = dict[str, Term]
QueryForm = TypingLiteral["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]

# Capabilities a backend may declare in `TripleStore.features`, so domain code asks what a store can
# do instead of which store it is.
LATERAL = "lateral"  # SEP-0006 LATERAL joins (Oxigraph), evaluated once per left-hand solution


def solution_rows(
    solutions: QuerySolutions, convert: Callable[[Term], Term] | None = None
) -> tuple[list[str], list[Row]]:
    """Variable names and rows of SELECT solutions, unbound variables left out of each row.

    Written as comprehensions over the solutions' own iteration: indicator and supply reads turn
    100k+ solutions into rows, and per-name lookups cost a third more."""
    names = [v.value for v in solutions.variables]
    if convert is None:
        rows = [{n: v for n, v in zip(names, sol, strict=True) if v is not None} for sol in solutions]
    else:
        rows = [{n: convert(v) for n, v in zip(names, sol, strict=True) if v is not None} for sol in solutions]
    return names, rows


@dataclass(frozen=True)
class GraphChange:
    """Triples to remove from and add to one named graph."""

    graph: NamedNode
    remove: Sequence[Triple] = ()
    add: Sequence[Triple] = ()


@dataclass(frozen=True)
class Changeset:
    """A write that is applied whole or not at all.

    `guard` must hold for the write to apply (checked by the backend in the same step as the write);
    it is how optimistic concurrency (If-Match, "id not taken yet") survives several API workers.
    """

    changes: Sequence[GraphChange]
    guard: Guard | None = None
    #: Removals of triples the write makes obsolete but that may outlive it (superseded change tokens):
    #: a backend that cannot apply them in the same step as `changes` applies them right after, so a crash
    #: in between leaves them in place. Only for triples whose readers accept that.
    cleanup: Sequence[GraphChange] = ()

    @property
    def all_changes(self) -> list[GraphChange]:
        return [*self.changes, *self.cleanup]

    @property
    def size(self) -> int:
        return sum(len(c.remove) + len(c.add) for c in self.all_changes)


@dataclass(frozen=True)
class QueryDataset:
    """An RDF dataset given with a request (SPARQL Protocol default-graph-uri / named-graph-uri).

    It replaces the store's union default graph: only the listed graphs make up the default graph,
    and only the listed named graphs can be reached with GRAPH.
    """

    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


@dataclass(frozen=True)
class QueryOutput:
    """A query answer already serialised in the negotiated format, ready to send."""

    media_type: str
    body: bytes


@dataclass
class StoreInfo:
    kind: str
    reachable: bool
    detail: str = ""
    extra: dict[str, str] = field(default_factory=dict)


class TripleStore(ABC):
    """Union default graph semantics: a query without GRAPH sees every named graph once."""

    kind: str  # for /health and messages only; domain code tests `features`, never the kind
    features: frozenset[str] = frozenset()

    @abstractmethod
    def triples(self, graph: NamedNode) -> list[Triple]:
        """All triples of one named graph (empty if the graph does not exist)."""

    @abstractmethod
    def select(self, query: str, substitutions: Mapping[str, Term] | None = None) -> list[Row]:
        """Rows of a SELECT query; unbound variables are absent from a row.

        `substitutions` bind variables to terms (SEP-0007, as pyoxigraph does it): a bound variable
        must be in the SELECT projection. Values are never pasted into query text.
        """

    @abstractmethod
    def ask(self, query: str, substitutions: Mapping[str, Term] | None = None) -> bool: ...

    @abstractmethod
    def construct(self, query: str, substitutions: Mapping[str, Term] | None = None) -> list[Triple]: ...

    @abstractmethod
    def query_serialized(
        self, query: str, form: QueryForm, media_type: str,
        *, base_iri: str | None = None, dataset: QueryDataset | None = None,
    ) -> QueryOutput:
        """Run a user's query and serialise the answer in `media_type` (a SPARQL results or RDF type)."""

    @abstractmethod
    def update(self, update: str, *, base_iri: str | None = None) -> None:
        """Run a SPARQL 1.1 Update atomically; relative IRIs resolve against `base_iri` when given."""

    @abstractmethod
    def apply(self, changeset: Changeset) -> bool:
        """Apply a changeset atomically; False (and nothing written) when its guard does not hold."""

    @abstractmethod
    def count(self, graph: NamedNode | None = None) -> int:
        """Number of triples in one graph, or quads in the whole store."""

    @abstractmethod
    def info(self) -> StoreInfo:
        """What the store is and whether it answers (for /health)."""

    def close(self) -> None:  # noqa: B027 - optional hook, most backends have nothing to release
        """Release files or connections."""
