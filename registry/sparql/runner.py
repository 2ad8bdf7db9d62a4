"""Runs users' SPARQL off the event loop, within a time limit, a cap on concurrent queries and a fair share.

A query over an on-disk Oxigraph store runs in a worker process (registry/sparql/processes.py) that is
killed at the time limit, so a runaway query really stops and gives its slot back. Other stores run the
query in a thread: a remote server's HTTP client has its own timeout, and an in-memory store (tests)
cannot be shared with another process; such a thread keeps its slot until the query ends.

Fairness: one client (by token, else by address) holds at most half of the slots, so a single client
sending runaway queries cannot make the endpoint answer "busy" to everybody else.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from registry.errors import Busy, QueryTimeout
from registry.sparql.processes import Snapshots, WorkerPool
from registry.sparql.worker import Job
from registry.store.base import QueryDataset, QueryForm, QueryOutput, TripleStore
from registry.store.oxigraph import OxigraphStore

T = TypeVar("T")


class QueryRunner:
    def __init__(self, timeout_s: float, slots: int, copies: Path | None = None) -> None:
        self.timeout_s = timeout_s
        self.slots = slots
        self.per_client = max(1, slots // 2)
        self._lock = threading.Lock()
        self._running: Counter[str] = Counter()
        self._pool = ThreadPoolExecutor(max_workers=slots, thread_name_prefix="sparql")
        self._copies = copies
        self._snapshots: dict[int, Snapshots] = {}
        self._workers = WorkerPool()

    def _enter(self, client: str) -> None:
        with self._lock:
            if sum(self._running.values()) >= self.slots:
                raise Busy(f"{self.slots} SPARQL queries are already running; retry shortly")
            if self._running[client] >= self.per_client:
                raise Busy(f"you already run {self.per_client} SPARQL queries at once, the most one client may; "
                           "wait for one to finish")
            self._running[client] += 1

    def _leave(self, client: str) -> None:
        with self._lock:
            self._running[client] -= 1
            if self._running[client] <= 0:
                del self._running[client]

    def _timeout(self) -> QueryTimeout:
        return QueryTimeout(
            f"the query ran longer than the {self.timeout_s:g} s limit and was stopped; "
            "narrow it (LIMIT, more specific patterns) and retry"
        )

    def _snapshots_of(self, store: TripleStore) -> Snapshots | None:
        if self._copies is None or not isinstance(store, OxigraphStore) or store.path is None:
            return None
        with self._lock:
            found = self._snapshots.get(id(store))
            if found is None:
                found = self._snapshots[id(store)] = Snapshots(store, self._copies / f"store-{len(self._snapshots)}")
            return found

    def _in_process(self, snapshots: Snapshots, job: Job, client: str) -> QueryOutput:
        """Runs in a runner thread; the slot is given back here, when the worker answered or was killed."""
        try:
            snapshot = snapshots.acquire()
            try:
                return self._workers.run(
                    Job(snapshot, job.text, job.form, job.media_type, job.base_iri, job.dataset), self.timeout_s
                )
            finally:
                snapshots.release(snapshot)
        except QueryTimeout as exc:
            raise self._timeout() from exc
        finally:
            self._leave(client)

    async def query(
        self, store: TripleStore, text: str, form: QueryForm, media_type: str, *, client: str,
        base_iri: str | None = None, dataset: QueryDataset | None = None,
    ) -> QueryOutput:
        """A user's query, serialised; Busy when the slots or this client's share are taken."""
        snapshots = self._snapshots_of(store)
        if snapshots is None:
            return await self.run(
                lambda: store.query_serialized(text, form, media_type, base_iri=base_iri, dataset=dataset),
                client=client,
            )
        self._enter(client)
        try:
            future = self._pool.submit(
                self._in_process, snapshots, Job(Path(), text, form, media_type, base_iri, dataset), client
            )
        except RuntimeError:
            self._leave(client)
            raise
        return await asyncio.wrap_future(future)

    async def run(self, work: Callable[[], T], *, client: str = "") -> T:
        """Run `work` in a thread; past the limit the client is answered at once, the thread keeps its slot."""
        self._enter(client)

        def guarded() -> T:
            try:
                return work()
            finally:
                self._leave(client)

        try:
            future = self._pool.submit(guarded)
        except RuntimeError:
            self._leave(client)
            raise
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout_s)
        except TimeoutError as exc:
            raise self._timeout() from exc

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._workers.close()
        for snapshots in self._snapshots.values():
            snapshots.close()
