"""Runs users' SPARQL off the event loop, within a time limit and a cap on concurrent queries.

Neither pyoxigraph nor most servers let a client cancel a running query. So each query runs in a
dedicated worker thread; when the limit passes, the client gets a clear error at once and the server
stays responsive, while the thread finishes in the background still holding its slot. A slot is
freed only when its query really ends, so runaway queries can at worst fill the slots (later
queries get "busy") but never pile up without bound or slow down the rest of the API.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from registry.errors import Busy, QueryTimeout

T = TypeVar("T")


class QueryRunner:
    def __init__(self, timeout_s: float, slots: int) -> None:
        self.timeout_s = timeout_s
        self.slots = slots
        self._free = threading.BoundedSemaphore(slots)
        self._pool = ThreadPoolExecutor(max_workers=slots, thread_name_prefix="sparql")

    async def run(self, work: Callable[[], T]) -> T:
        if not self._free.acquire(blocking=False):
            raise Busy(f"{self.slots} SPARQL queries are already running; retry shortly")

        def guarded() -> T:
            try:
                return work()
            finally:
                self._free.release()

        try:
            future = self._pool.submit(guarded)
        except RuntimeError:
            self._free.release()
            raise
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.timeout_s)
        except TimeoutError as exc:
            raise QueryTimeout(
                f"the query ran longer than the {self.timeout_s:g} s limit and was abandoned; "
                "narrow it (LIMIT, more specific patterns) and retry"
            ) from exc

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
