"""Query worker processes over store backups: a query past its time limit is stopped by killing its process.

Costs (measured on the 2-core test machine, small store): a query on an unchanged store pays one pipe
round trip (~1 ms) on top of its own work; the first query after a write also pays a backup (~40-200 ms,
RocksDB checkpoint: flush + hard links) and reopening it in the worker (~80 ms). Replacing a killed
worker is a fork of the preloaded fork server (tens of ms). See registry/sparql/worker.py for why.
"""

from __future__ import annotations

import multiprocessing
import shutil
import sys
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from pathlib import Path

from registry import errors
from registry.errors import QueryTimeout, StoreError
from registry.sparql.worker import Job, serve
from registry.store.base import QueryOutput
from registry.store.oxigraph import OxigraphStore

#: How long a new worker process may take to start (the first one also starts the fork server).
STARTUP_S = 60.0


class Snapshots:
    """Backups of one store, taken when a query arrives after a write and deleted once no query uses them."""

    def __init__(self, store: OxigraphStore, folder: Path) -> None:
        self.store = store
        self.folder = folder
        shutil.rmtree(folder, ignore_errors=True)  # copies left by a previous run are stale
        folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._current: Path | None = None
        self._generation = -1
        self._taken = 0
        self._users: dict[Path, int] = {}

    def acquire(self) -> Path:
        with self._lock:
            # A copy older than the last write is kept while a chunked write is under way: a new one would wait
            # for its end (`OxigraphStore.backup`), and it shows no part of that write.
            stale = self._generation != self.store.generation and not self.store.filling
            if self._current is None or stale:
                generation = self.store.generation
                self._taken += 1
                target = self.folder / f"copy-{self._taken}"
                self.store.backup(target)
                self._current, self._generation = target, generation
                self._users.setdefault(target, 0)
                self._prune()
            self._users[self._current] += 1
            return self._current

    def release(self, path: Path) -> None:
        with self._lock:
            self._users[path] -= 1
            self._prune()

    def _prune(self) -> None:
        for path, users in list(self._users.items()):
            if users == 0 and path != self._current:
                del self._users[path]
                shutil.rmtree(path, ignore_errors=True)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


def _error(name: str, message: str) -> errors.RegistryError:
    cls = getattr(errors, name, StoreError)
    if not (isinstance(cls, type) and issubclass(cls, errors.RegistryError)):
        cls = StoreError
    return cls(message)


def _preload() -> list[str]:
    """Modules the fork server imports once, so a new worker is a fork and not a fresh interpreter.

    multiprocessing re-runs the parent's main module in every child; with it preloaded (by path for a
    script, by name for `python -m registry.cli`) that re-run finds every import already done.
    """
    main = sys.modules.get("__main__")
    name = getattr(getattr(main, "__spec__", None), "name", None)
    return ["__main__", *([name] if name and not name.endswith("__main__") else []), "registry.sparql.worker"]


class WorkerPool:
    """Idle worker processes, started on demand from a fork server that has the worker module loaded."""

    def __init__(self) -> None:
        self._context: ForkServerContext = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(_preload())
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()

    def _take(self) -> _Worker:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        ours, theirs = self._context.Pipe()
        process = self._context.Process(target=serve, args=(theirs,), daemon=True, name="sparql-worker")
        process.start()
        theirs.close()
        worker = _Worker(process, ours)
        try:
            if ours.poll(STARTUP_S) and ours.recv() == ("ready",):
                return worker
        except (EOFError, OSError):
            pass
        worker.kill()
        raise StoreError(f"a query worker did not start within {STARTUP_S:g} s; retry")

    def run(self, job: Job, timeout_s: float) -> QueryOutput:
        """Blocks up to `timeout_s`; a worker that has not answered by then is killed, never reused."""
        worker = self._take()
        try:
            worker.conn.send(job)
            if not worker.conn.poll(timeout_s):
                worker.kill()
                raise QueryTimeout("")  # the runner words the message
            answer = worker.conn.recv()
        except (EOFError, OSError) as exc:
            worker.kill()
            raise StoreError("the query worker stopped unexpectedly (out of memory?); retry") from exc
        with self._lock:
            self._idle.append(worker)
        if answer[0] == "ok":
            output: QueryOutput = answer[1]
            return output
        raise _error(answer[1], answer[2])

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()
