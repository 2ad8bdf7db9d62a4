"""One catch-up at a time among the processes that share a store.

Why: `mpr serve --workers N` over a SPARQL server starts N processes with the same stale summaries (after an
upgrade of the method or of reference data: every summary). Each worker's catch-up (registry/indicators/
background.py) would compute all of them, N times the work on the SPARQL server, for one result. The first
worker to take the lease of the computation basis catches up; the others leave it to that one (a reader of a
passport not yet caught up still computes it at once, in any worker).

A lease, not a lock: the write that takes it is guarded (`Absent`, or `Contains` the expired start when taking
over), so of several workers starting at once exactly one wins, on every backend. It is given back when the
catch-up has run or the process shuts down; a process killed mid-way leaves it, and after `EXPIRES` the next
process to start takes it over.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import cast
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode, Triple

from registry.namespaces import PROV
from registry.rdf import datetime_literal
from registry.store.base import Changeset, GraphChange, TripleStore
from registry.store.guards import Absent, Contains, Guard

STARTED = NamedNode(PROV + "startedAtTime")
# Longer than a catch-up of 100,000 passports at about 17 ms each (bench/RESULTS.md): a live worker's lease is
# not taken from it, a dead worker's holds the catch-up back for at most this long.
EXPIRES = timedelta(hours=1)


def _now() -> datetime:
    return datetime.now(UTC)


class CatchUpLease:
    """The lease of the catch-up under one computation basis: `{base}/admin/catch-up/{basis}
    prov:startedAtTime ...` in the graph {base}/admin/catch-up. Of two leases over one store, the first to
    `take` a basis gets True, the second False until the first calls `release`."""

    def __init__(self, store: TripleStore, base: str, clock: Callable[[], datetime] = _now) -> None:
        self.store = store
        self.base = base.rstrip("/")
        self.graph = NamedNode(f"{self.base}/admin/catch-up")
        self.clock = clock
        self._held: Triple | None = None

    def _node(self, basis: str) -> NamedNode:
        return NamedNode(f"{self.base}/admin/catch-up/{quote(basis, safe='')}")

    def _started(self, node: NamedNode) -> list[Triple]:
        rows = self.store.select("SELECT ?g ?n ?p ?t WHERE { GRAPH ?g { ?n ?p ?t } }",
                                 {"g": self.graph, "n": node, "p": STARTED})
        return [Triple(node, STARTED, row["t"]) for row in rows if isinstance(row["t"], Literal)]

    def take(self, basis: str) -> bool:
        """True when this process now holds the lease of `basis` (free, or expired and taken over)."""
        node, now = self._node(basis), self.clock()
        held = self._started(node)
        guard: Guard = Absent(self.graph, node, STARTED)
        if held:
            if any(now - datetime.fromisoformat(cast("Literal", t.object).value) < EXPIRES for t in held):
                return False
            guard = Contains(self.graph, tuple(held))
        mine = Triple(node, STARTED, datetime_literal(now))
        if not self.store.apply(Changeset([GraphChange(self.graph, remove=held, add=[mine])], guard=guard)):
            return False  # another process took it first
        self._held = mine
        return True

    def release(self) -> None:
        """Give back the lease this process holds, if any (another process's is never touched)."""
        if self._held is not None:
            self.store.apply(Changeset([GraphChange(self.graph, remove=[self._held])]))
            self._held = None
