"""The child side of a query worker process: answers queries over a read-only store copy until killed.

pyoxigraph (0.5) cannot cancel a running query: no timeout or cancellation option reaches Python, and
a thread cannot be stopped. A process can. So user queries over an on-disk store run here, against a
backup of the store (pyoxigraph documents read-only opening of a store another process writes as
undefined behaviour; a backup is written by nobody). The parent kills this process at the time limit,
which frees the query's slot and memory at once.

Protocol over one duplex pipe: the parent sends a `Job`; the child answers `("ok", QueryOutput)` or
`("error", error class name, message)`. Kept small: this module is what the fork server preloads.
"""

from __future__ import annotations

from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from registry.errors import RegistryError
from registry.store.base import QueryDataset, QueryForm
from registry.store.oxigraph import OxigraphStore


@dataclass(frozen=True)
class Job:
    snapshot: Path
    text: str
    form: QueryForm
    media_type: str
    base_iri: str | None = None
    dataset: QueryDataset | None = None


def serve(conn: Connection) -> None:
    """Answer jobs until the pipe closes; the open copy is kept while jobs name the same snapshot."""
    opened: tuple[Path, OxigraphStore] | None = None
    conn.send(("ready",))  # the parent starts the query's clock only now, not while this process starts
    while True:
        try:
            job: Job = conn.recv()
        except EOFError:
            return
        try:
            if opened is None or opened[0] != job.snapshot:
                opened = None  # close the previous copy before opening the next: the parent may delete it
                opened = (job.snapshot, OxigraphStore.read_only(job.snapshot))
            output = opened[1].query_serialized(
                job.text, job.form, job.media_type, base_iri=job.base_iri, dataset=job.dataset
            )
        except RegistryError as exc:
            conn.send(("error", type(exc).__name__, exc.message))
            continue
        conn.send(("ok", output))
