"""SPARQL text from terms: changesets as SPARQL 1.1 Update for every backend that speaks SPARQL, and VALUES lists."""

from __future__ import annotations

from collections.abc import Iterable

from pyoxigraph import NamedNode, Triple

from registry.store.base import Changeset, Term


def triples_block(triples: Iterable[Triple]) -> str:
    # pyoxigraph's term str() is N-Triples syntax, which is also valid SPARQL term syntax.
    return "\n".join(f"{t.subject} {t.predicate} {t.object} ." for t in triples)


def _quads(changeset: Changeset, removing: bool) -> str:
    blocks = []
    for change in changeset.changes:
        triples = change.remove if removing else change.add
        if triples:
            blocks.append(f"GRAPH {change.graph} {{\n{triples_block(triples)}\n}}")
    return "\n".join(blocks)


def changeset_update(changeset: Changeset, *, conditional: bool) -> str:
    """One update request, applied by the server as one transaction.

    Unconditional form (the caller already holds the only write lock): DELETE DATA then INSERT DATA.
    Conditional form (several writers): a single DELETE/INSERT ... WHERE operation, whose WHERE (the
    guard) is evaluated once before anything changes, so the guard may test triples the write replaces.
    """
    removed, added = _quads(changeset, True), _quads(changeset, False)
    if conditional:
        return f"DELETE {{\n{removed}\n}}\nINSERT {{\n{added}\n}}\nWHERE {{ {changeset.guard} }}"
    ops = []
    if removed:
        ops.append(f"DELETE DATA {{\n{removed}\n}}")
    if added:
        ops.append(f"INSERT DATA {{\n{added}\n}}")
    return " ;\n".join(ops)


def values_clause(var: str, terms: Iterable[Term | str]) -> str:
    """`VALUES ?var { ... }` for IRIs (given as text) or terms, written by pyoxigraph (which escapes), never pasted."""
    return f"VALUES ?{var} {{ " + " ".join(str(NamedNode(t) if isinstance(t, str) else t) for t in terms) + " }"
