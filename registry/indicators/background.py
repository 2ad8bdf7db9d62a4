"""Indicator summaries computed right after a write, in the background, so the first read is a served one.

Why not faster reads instead: a computation must look at about ten properties of every composition and
part (material, mass and unit, the MCI fractions and efficiencies, lifetimes, connection, date, storey),
where the benchmark's baseline, a SPARQL SUM of masses, looks at two. Measured on the generated
building (bench/indicators.py, December 2026, shared machine): one SELECT that only joins
composition, mass and unit already costs 2.5x the SUM; each further OPTIONAL property adds about one
SUM; the per-part MCI terms alone came to 14x. So no read-time computation over this store can stay
within 3x of the SUM; a summary stored before anyone asks can (two lookups, bench/RESULTS.md).

How: the passport service calls `after_write` once a write is durable (its `on_change` hook). One
worker thread computes the summary of that passport's newest version and stores it
(registry/indicators/stored.py, which serves it only while it is exact). In one process at most one
computation of a passport runs at a time, the worker's or a reader's (`claim`): a read that finds no
exact summary while another computation of the passport runs waits for it instead of computing a second
time; a read of a passport still queued computes at once, and the queued job then finds the summary
stored and ends in a few lookups. Processes sharing a store (uvicorn workers) may compute the same
passport at once; that is safe, because stored.py serves a summary only while it is exact and replaces
duplicates at the next save. Nothing here decides what is current: stored.py's version checks do.

A client that prefers not to wait (HTTP `Prefer: respond-async`) asks `progress` instead: while a
computation of the passport runs it answers how far the worker has got, and the route answers 202 with
Retry-After rather than holding the request.

Shutdown (`close`) drops the queued jobs and stops the running one at its next part (`stopping`, checked
by the computation's loop), then waits for it, so the store is never closed under it and a large building
does not hold the process up; nothing half-computed is stored. Start-up computes nothing itself, so a store
with many passports starts as fast as ever; the server then asks the worker to `catch_up` (registry/api/app.py):
passports written before, or whose summaries a new method or reference data made stale, are queued behind
the writes, where the first baseline after an upgrade computed all of them itself (175 s at 10,000
passports, bench/RESULTS.md). What a reader asks first it computes at once, as without background summaries.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait

from pyoxigraph import Triple

from registry.errors import RegistryError

log = logging.getLogger(__name__)


class Stopped(Exception):
    """A background computation given up because the process is shutting down (nothing was stored)."""


CATCH_UP = " catch-up"  # the search of `catch_up`, among the jobs `settle_all` waits for (no passport id)
CATCH_UP_DONE = " catch-up done"  # what runs after the passports the search queued


class BackgroundSummaries:
    """One worker thread; per passport at most one queued job and one running."""

    def __init__(self, compute: Callable[[str], object]) -> None:
        self._compute = compute
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mpr-indicators")
        self._lock = threading.Lock()
        self._queued: set[str] = set()
        self._running: dict[str, threading.Event] = {}
        self._latest: dict[str, Future[None]] = {}
        self._measured: dict[str, tuple[int, int]] = {}  # the worker's computation: parts measured, parts
        self._closed = False
        self.stopping = threading.Event()  # set by close(): the worker's computation gives up at its next part

    def after_write(self, passport_id: str, _version: int, _content: Sequence[Triple]) -> None:
        """The passport service's on_change hook: queue the passport (once, however often it changes)."""
        with self._lock:
            if self._closed or passport_id in self._queued:
                return
            self._queued.add(passport_id)
            future = self._executor.submit(self._run, passport_id)
            self._latest[passport_id] = future
        future.add_done_callback(self._report)

    def catch_up(self, stale: Callable[[], Iterable[str]], then: Callable[[], None] = lambda: None) -> None:
        """Queue every passport `stale` names, found by the worker itself so the caller does not wait for the
        search; each is then computed unless a reader or a write has meanwhile (`refresh` looks first).
        `then` runs once they have been (the jobs run in order: it is queued behind them)."""
        def queue_stale() -> None:
            for passport_id in stale():
                if self.stopping.is_set():
                    return
                self.after_write(passport_id, 0, ())
            self._submit(CATCH_UP_DONE, then)
        self._submit(CATCH_UP, queue_stale)

    def _submit(self, key: str, job: Callable[[], None]) -> None:
        """Queue a job that is no passport's computation (`settle_all` waits for it all the same)."""
        with self._lock:
            if self._closed:
                return
            future = self._executor.submit(job)
            self._latest[key] = future
        future.add_done_callback(self._report)

    def settle(self, passport_id: str) -> None:
        """Wait until this passport has no job queued or running (tests and the benchmark; never on a route)."""
        with self._lock:
            future = self._latest.get(passport_id)
        if future is not None:
            wait([future])

    def settle_all(self) -> None:
        """Wait until every job queued so far has ended (tests that compare the whole store, the CLI before it
        exits; never on a route)."""
        while True:  # a catch-up queues more jobs as it runs
            with self._lock:
                futures = [future for future in self._latest.values() if not future.done()]
            if not futures:
                return
            wait(futures)

    def claim(self, passport_id: str) -> threading.Event | None:
        """A reader's turn to compute this passport (None: call `release` when done), or, while another
        computation of it runs, the event to wait for before reading the summary it stored."""
        with self._lock:
            running = self._running.get(passport_id)
            if running is None:
                self._running[passport_id] = threading.Event()
            return running

    def release(self, passport_id: str) -> None:
        """End a computation begun with `claim` (or by the worker), waking those who wait for it."""
        with self._lock:
            done = self._running.pop(passport_id, None)
            self._measured.pop(passport_id, None)
        if done is not None:
            done.set()

    def progress(self, passport_id: str) -> dict[str, int | None] | None:
        """None when no computation of this passport runs; else the worker's parts measured so far and its
        parts in all (both None while it reads the passport, or when a reader computes it)."""
        with self._lock:
            if passport_id not in self._running:
                return None
            done, total = self._measured.get(passport_id, (None, None))
        return {"parts_measured": done, "parts": total}

    def watch(self, passport_id: str) -> Callable[[int, int], None]:
        """What the worker's computation calls before each part: records its progress, and gives up
        (Stopped) once the registry is shutting down."""
        def measured(done: int, total: int) -> None:
            if self.stopping.is_set():
                raise Stopped(passport_id)
            with self._lock:
                self._measured[passport_id] = (done, total)
        return measured

    def close(self) -> None:
        """Drop queued jobs, stop the running one and wait for it, so the store is not closed under it."""
        with self._lock:
            self._closed = True
        self.stopping.set()
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _run(self, passport_id: str) -> None:
        with self._lock:
            self._queued.discard(passport_id)
        while (other := self.claim(passport_id)) is not None:  # a reader is computing it: wait, then look
            other.wait()
        try:
            self._compute(passport_id)
        finally:
            self.release(passport_id)

    @staticmethod
    def _report(future: Future[None]) -> None:
        """A domain error (withdrawn meanwhile, data the method cannot use) is the next reader's answer too;
        it is logged here, not raised into a thread nobody joins."""
        if future.cancelled():
            return
        exc = future.exception()
        if isinstance(exc, Stopped):
            log.info("indicator summary not computed in the background: the registry is shutting down")
        elif isinstance(exc, RegistryError):
            log.info("indicator summary not computed in the background: %s", exc)
        elif exc is not None:
            log.error("indicator summary failed in the background", exc_info=exc)
