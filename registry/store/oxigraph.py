"""The embedded backend: a pyoxigraph Store on disk (or in memory), owned by this one process."""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from pyoxigraph import (
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
    Triple,
    Variable,
    serialize,
)

from registry.errors import MalformedInput, StoreError
from registry.store.base import (
    LATERAL,
    Changeset,
    GraphChange,
    QueryDataset,
    QueryForm,
    QueryOutput,
    Row,
    StoreInfo,
    Term,
    TripleStore,
    solution_rows,
)
from registry.store.guards import Contains, Guard
from registry.store.sparql_text import data_update

#: From this many added triples an add-only write goes in as one bulk ingest (`Store.bulk_extend`) rather than
#: a transaction. Measured on an on-disk store (2 shared cores): 5,000 triples 0.25 s either way, 20,000
#: triples 0.91 s `extend` against 0.57 s bulk, 100,000 triples 1.96 s against 0.68 s (4.1 s as SPARQL
#: `INSERT DATA`); 1,000 triples 24 ms against 260 ms (a bulk ingest writes one file per index).
BULK_FROM = 10_000
#: The most quads one bulk ingest takes. pyoxigraph's loader holds a whole batch (1M quads, with their hash
#: sets and sorted keys) in memory: ~870 MB for a 1M-triple passport, and pyoxigraph 0.5 exposes no memory
#: bound. Larger writes into an empty graph go in as several ingests of this size, completed by a marker
#: (`_ingest_in_chunks`); measured ~180 MB per 200k-quad ingest.
BULK_CHUNK = 200_000
#: Where a chunked write notes the graph it is filling and, in its last ingest, that it completed
#: (`urn:mpr:` names, like the leases of remote stores: store bookkeeping, not vocabulary).
PENDING_GRAPH = NamedNode("urn:mpr:pending-writes")
FILLS = NamedNode("urn:mpr:fills")
FILLED = NamedNode("urn:mpr:filled")
log = logging.getLogger("registry.store")


def _variables(substitutions: Mapping[str, Term] | None) -> dict[Variable, Term | Triple] | None:
    return {Variable(k): v for k, v in substitutions.items()} if substitutions else None


class OxigraphStore(TripleStore):
    """pyoxigraph applies each update atomically but no longer detects write-write conflicts, so writes
    are serialised here with one lock; reads run concurrently on RocksDB snapshots."""

    kind = "oxigraph"
    features = frozenset({LATERAL})

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        if path is not None:
            path.mkdir(parents=True, exist_ok=True)
        try:
            self._store = Store(str(path)) if path is not None else Store()
        except OSError as exc:
            raise StoreError(f"cannot open the Oxigraph store in {path}: {exc}") from exc
        self._write_lock = threading.Lock()
        #: Counts writes, so copies of the store taken for query workers know when they are stale.
        self.generation = 0
        #: True while a chunked write is under way: a copy taken before it is the one to query meanwhile.
        self.filling = False
        #: Graphs that interrupted chunked writes had begun to fill, dropped at opening (`_sweep`).
        self.swept = self._sweep() if path is not None else []

    @classmethod
    def read_only(cls, path: Path) -> OxigraphStore:
        """Open a store nobody writes (a backup) without its write lock, e.g. in a query worker process."""
        store = cls.__new__(cls)
        store.path, store.generation, store._write_lock, store.swept = path, 0, threading.Lock(), []
        store.filling = False
        try:
            store._store = Store.read_only(str(path))
        except OSError as exc:
            raise StoreError(f"cannot open the Oxigraph store in {path} read-only: {exc}") from exc
        return store

    def backup(self, target: Path) -> None:
        """A consistent copy of the store (hard links where possible), for readers in other processes. Taken
        between writes (under the write lock): never in the middle of a chunked write (`_ingest_in_chunks`)."""
        try:
            with self._write_lock:
                self._store.backup(str(target))
        except OSError as exc:
            raise StoreError(f"cannot copy the Oxigraph store to {target}: {exc}") from exc

    def _query(
        self, query: str, substitutions: Mapping[str, Term] | None = None,
        base_iri: str | None = None, dataset: QueryDataset | None = None,
    ) -> QuerySolutions | QueryBoolean | QueryTriples:
        try:
            if dataset is not None:
                return self._store.query(
                    query, substitutions=_variables(substitutions), base_iri=base_iri,
                    default_graph=[NamedNode(g) for g in dataset.default_graphs],
                    named_graphs=[NamedNode(g) for g in dataset.named_graphs],
                )
            return self._store.query(
                query, substitutions=_variables(substitutions), base_iri=base_iri,
                use_default_graph_as_union=True,
            )
        except SyntaxError as exc:
            raise MalformedInput(f"invalid SPARQL query: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"the store failed to run the query: {exc}") from exc

    def triples(self, graph: NamedNode) -> list[Triple]:
        quads = self._store.quads_for_pattern(None, None, None, graph)
        return [Triple(q.subject, q.predicate, q.object) for q in quads]

    def select(self, query: str, substitutions: Mapping[str, Term] | None = None) -> list[Row]:
        result = self._query(query, substitutions)
        if not isinstance(result, QuerySolutions):
            raise MalformedInput("expected a SELECT query")
        return solution_rows(result)[1]

    def ask(self, query: str, substitutions: Mapping[str, Term] | None = None) -> bool:
        result = self._query(query, substitutions)
        if not isinstance(result, QueryBoolean):
            raise MalformedInput("expected an ASK query")
        return bool(result)

    def construct(self, query: str, substitutions: Mapping[str, Term] | None = None) -> list[Triple]:
        result = self._query(query, substitutions)
        if isinstance(result, QuerySolutions | QueryBoolean):
            raise MalformedInput("expected a CONSTRUCT or DESCRIBE query")
        return list(result)

    def query_serialized(
        self, query: str, form: QueryForm, media_type: str,
        *, base_iri: str | None = None, dataset: QueryDataset | None = None,
    ) -> QueryOutput:
        result = self._query(query, base_iri=base_iri, dataset=dataset)
        if isinstance(result, QuerySolutions | QueryBoolean):
            fmt = QueryResultsFormat.from_media_type(media_type)
            if fmt is None:
                raise MalformedInput(f"no SPARQL results format for {media_type}")
            body = result.serialize(format=fmt)
            return QueryOutput(fmt.media_type, body or b"")
        rdf_format = RdfFormat.from_media_type(media_type)
        if rdf_format is None:
            raise MalformedInput(f"no RDF format for {media_type}")
        return QueryOutput(rdf_format.media_type, serialize(result, format=rdf_format) or b"")

    def update(self, update: str, *, base_iri: str | None = None) -> None:
        with self._write_lock:
            self.generation += 1
            try:
                self._store.update(update, base_iri=base_iri)
            except SyntaxError as exc:
                raise MalformedInput(f"invalid SPARQL update: {exc}") from exc
            except OSError as exc:
                raise StoreError(f"the store failed to apply the update: {exc}") from exc

    def holds(self, guard: Guard) -> bool:
        """The guard checked against the quads themselves: no query text to build or parse."""
        if isinstance(guard, Contains):
            return all(Quad(t.subject, t.predicate, t.object, guard.graph) in self._store for t in guard.triples)
        return next(self._store.quads_for_pattern(guard.subject, guard.predicate, None, guard.graph), None) is None

    def apply(self, changeset: Changeset) -> bool:
        with self._write_lock:
            if changeset.guard is not None and not self.holds(changeset.guard):
                return False
            if self._bulk(changeset):
                self._ingest(changeset.changes)
                self._clean_up(changeset.cleanup)
                return True
            # Everything else is one SPARQL update: `Store.extend` cannot remove, `Store.remove` is one quad
            # per transaction, and below BULK_FROM the text costs little.
            self._update_data(changeset.all_changes)
            return True

    def _update_data(self, changes: Sequence[GraphChange]) -> None:
        text = data_update(changes)
        if text:
            self.generation += 1
            try:
                self._store.update(text)
            except (SyntaxError, OSError) as exc:
                raise StoreError(f"the store refused the write: {exc}") from exc

    def _clean_up(self, cleanup: Sequence[GraphChange]) -> None:
        """After a bulk ingest the write is done and durable; removals allowed to lag stay if they fail."""
        try:
            self._update_data(cleanup)
        except StoreError as exc:
            log.warning("left superseded triples in place after a bulk write: %s", exc.message)

    def _bulk(self, changeset: Changeset) -> bool:
        """Whether the changes go in as one bulk ingest: large, add-only, and on disk."""
        if self.path is None or any(change.remove for change in changeset.changes):
            return False
        return sum(len(change.add) for change in changeset.changes) >= BULK_FROM

    def _ingest(self, changes: Sequence[GraphChange]) -> None:
        """One bulk ingest, or several with a completion marker when a change fills an empty graph with more
        than BULK_CHUNK quads (bounded memory; `_ingest_in_chunks`)."""
        chunked = [c for c in changes if len(c.add) > BULK_CHUNK and self._empty(c.graph)]
        if not chunked:
            self._bulk_extend(Quad(t.subject, t.predicate, t.object, change.graph)
                              for change in changes for t in change.add)
            return
        self._ingest_in_chunks(chunked, [c for c in changes if not any(c is big for big in chunked)])

    def _empty(self, graph: NamedNode) -> bool:
        return next(self._store.quads_for_pattern(None, None, None, graph), None) is None

    def _ingest_in_chunks(self, chunked: Sequence[GraphChange], rest: Sequence[GraphChange]) -> None:
        """Atomic by marker rather than by the store: first a note of each graph being filled (one transaction),
        then its quads in ingests of BULK_CHUNK, then the rest of the write (the record that makes a passport
        exist for readers) together with "filled" in one last ingest, then the notes go. A crash before that
        last ingest leaves a note without "filled": `_sweep` at the next start drops the graph, which was empty
        before (only empty graphs are filled this way), so the write is absent; after it, the write is whole.
        Between the chunks the part already ingested is in the live store, without the record every read of a
        passport starts from; SPARQL workers keep querying the copy taken before (`filling`, `backup`)
        (docs/architecture.md 3)."""
        notes = []
        for change in chunked:
            note = NamedNode(f"urn:mpr:pending-writes:{secrets.token_hex(8)}")
            notes.append((note, Triple(note, FILLS, change.graph), Triple(note, FILLED, Literal(True))))
        self.filling = True
        try:
            self._update_data([GraphChange(PENDING_GRAPH, add=[fills for _, fills, _ in notes])])
            for change in chunked:
                for start in range(0, len(change.add), BULK_CHUNK):
                    self._bulk_extend(Quad(t.subject, t.predicate, t.object, change.graph)
                                      for t in change.add[start:start + BULK_CHUNK])
            last = [*rest, GraphChange(PENDING_GRAPH, add=[filled for _, _, filled in notes])]
            self._bulk_extend(Quad(t.subject, t.predicate, t.object, c.graph) for c in last for t in c.add)
        except StoreError:
            self._abandon()
            raise
        finally:
            self.filling = False
        self._clean_up([GraphChange(PENDING_GRAPH, remove=[t for note in notes for t in note[1:]])])

    def _abandon(self) -> None:
        """The store refused a step of a chunked write: take back what it wrote now rather than at the next
        start, so that a retry finds the graph empty again (the write lock is held: no other write is under way)."""
        try:
            self._sweep()
        except (StoreError, OSError) as exc:
            log.warning("a failed chunked write is left to the next start's sweep: %s", exc)

    def _sweep(self) -> list[NamedNode]:
        """At start-up: drop every graph a chunked write began to fill and did not complete (see
        `_ingest_in_chunks`), and forget the notes of completed ones. Returns the graphs dropped."""
        notes = self._store.quads_for_pattern(None, FILLS, None, PENDING_GRAPH)
        dropped, done = [], []
        for quad in notes:
            graph = quad.object
            if not isinstance(graph, NamedNode):
                continue
            filled = Quad(quad.subject, FILLED, Literal(True), PENDING_GRAPH)
            if filled not in self._store:
                dropped.append(graph)
            else:
                done.append(Triple(quad.subject, FILLED, Literal(True)))
            done.append(quad.triple)
        for graph in dropped:
            log.warning("dropped %s: a chunked write into it was interrupted", graph.value)
            self._store.update(f"DROP SILENT GRAPH {graph}")
        self._update_data([GraphChange(PENDING_GRAPH, remove=done)])
        return dropped

    def _bulk_extend(self, quads: Iterable[Quad]) -> None:
        """All-or-nothing since pyoxigraph 0.5 ("Bulk loading is now atomic", CHANGELOG 0.5.0): the loader
        writes sorted files and RocksDB ingests all of them, over every column family, in one step at the
        end, so a crash or an error before that step leaves nothing. It checks no guard and sees no
        transaction; the write lock held around it is what serialises it with the other writes. Blank nodes keep
        their labels (an `INSERT DATA` would mint new ones); passports reach the store skolemised."""
        self.generation += 1
        try:
            self._store.bulk_extend(quads)
        except (ValueError, OSError) as exc:
            raise StoreError(f"the store refused the write: {exc}") from exc

    def count(self, graph: NamedNode | None = None) -> int:
        if graph is None:
            return len(self._store)
        return sum(1 for _ in self._store.quads_for_pattern(None, None, None, graph))

    def info(self) -> StoreInfo:
        return StoreInfo(kind=self.kind, reachable=True, detail=str(self.path) if self.path else "in memory")

    def close(self) -> None:
        """Flush and let go of the store: RocksDB closes its files when its last reference goes, so an object
        that outlives its registry (FastAPI caches endpoint callables, and with them an app, its state and
        this store) must not keep them open. Closing twice is harmless; using a closed store raises."""
        with self._write_lock:
            store = self.__dict__.pop("_store", None)
            if store is not None:
                store.flush()
