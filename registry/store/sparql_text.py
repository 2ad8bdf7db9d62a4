"""SPARQL text the registry writes from terms: changeset data blocks, guard patterns and VALUES lists."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pyoxigraph import NamedNode, Triple

from registry.store.base import GraphChange, Term
from registry.store.guards import Absent, Contains, Guard


def triples_block(triples: Iterable[Triple]) -> str:
    # pyoxigraph's term str() is N-Triples syntax, which is also valid SPARQL term syntax.
    return "\n".join(f"{t.subject} {t.predicate} {t.object} ." for t in triples)


def guard_pattern(guard: Guard) -> str:
    """A group graph pattern (without braces) that matches exactly when the guard holds."""
    if isinstance(guard, Contains):
        return f"GRAPH {guard.graph} {{ {triples_block(guard.triples)} }}"
    if isinstance(guard, Absent):
        return f"FILTER NOT EXISTS {{ GRAPH {guard.graph} {{ {guard.subject} {guard.predicate} ?mpr_any }} }}"
    raise TypeError(f"not a guard: {guard!r}")


def data_update(changes: Sequence[GraphChange], chunk: int = 2000) -> str:
    """One update request: DELETE DATA then INSERT DATA, one operation per GRAPH block of at most `chunk` triples.

    Applied by the server as one transaction. One block per operation because Virtuoso 7.2's DELETE DATA
    with several GRAPH blocks silently keeps language-tagged and custom-typed literals; at most `chunk`
    triples because its SPARQL parser runs out of stack near 5,000.
    """
    deletes, inserts = [], []
    for change in changes:
        for i in range(0, len(change.remove), chunk):
            block = triples_block(change.remove[i:i + chunk])
            deletes.append(f"DELETE DATA {{ GRAPH {change.graph} {{\n{block}\n}} }}")
        for i in range(0, len(change.add), chunk):
            block = triples_block(change.add[i:i + chunk])
            inserts.append(f"INSERT DATA {{ GRAPH {change.graph} {{\n{block}\n}} }}")
    return " ;\n".join(deletes + inserts)


def values_clause(var: str, terms: Iterable[Term | str]) -> str:
    """`VALUES ?var { ... }` for IRIs (given as text) or terms, written by pyoxigraph (which escapes), never pasted."""
    return f"VALUES ?{var} {{ " + " ".join(str(NamedNode(t) if isinstance(t, str) else t) for t in terms) + " }"
