"""RDF Patch text (A/D lines) for the history, and rebuilding past versions by applying it backwards."""

from __future__ import annotations

from collections.abc import Iterable

from pyoxigraph import RdfFormat, Triple, parse


def _line(triple: Triple) -> str:
    return f"{triple.subject} {triple.predicate} {triple.object} ."


def patch_text(added: Iterable[Triple], removed: Iterable[Triple]) -> str:
    lines = [f"D {_line(t)}" for t in removed]
    lines += [f"A {_line(t)}" for t in added]
    return "\n".join(lines)


def touches(text: str, triple: Triple) -> str | None:
    """"A" or "D" if the patch adds or deletes this one triple, else None; no parsing, a line lookup."""
    lines = set(text.splitlines())
    for operation in ("A", "D"):
        if f"{operation} {_line(triple)}" in lines:
            return operation
    return None


def read_patch(text: str) -> tuple[list[Triple], list[Triple]]:
    """(added, removed) of a patch; each side is N-Triples once the operation letter is cut off."""
    adds, removes = [], []
    for line in text.splitlines():
        if line.startswith("A "):
            adds.append(line[2:])
        elif line.startswith("D "):
            removes.append(line[2:])

    def triples(lines: list[str]) -> list[Triple]:
        data = "\n".join(lines).encode()
        return [Triple(q.subject, q.predicate, q.object) for q in parse(data, RdfFormat.N_TRIPLES)]

    return triples(adds), triples(removes)


def apply_backwards(current: set[Triple], patches_newest_first: Iterable[str]) -> set[Triple]:
    graph = set(current)
    for text in patches_newest_first:
        added, removed = read_patch(text)
        graph.difference_update(added)
        graph.update(removed)
    return graph
