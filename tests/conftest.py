"""Fixtures: real Oxigraph stores in temporary folders, the app through an ASGI client, and a real
uvicorn server on 127.0.0.1 where the HTTP protocol itself is under test."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import RdfFormat, Store

from registry.api.app import create_app
from registry.core import Registry, build_registry
from registry.settings import PROJECT_ROOT, Settings
from tests.browsers import chromium

if TYPE_CHECKING:
    from playwright.sync_api import Browser

    from registry.importers.ifc import ImportResult
    from registry.importers.spreadsheet import SheetResult

ADMIN = "test-admin-token"
AUTH = {"Authorization": f"Bearer {ADMIN}"}
DATA = Path(__file__).parent / "data"
EXAMPLES = PROJECT_ROOT / "examples"
BASE = "http://testserver"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def settled(registry: Registry) -> Registry:
    """The registry once its background indicator summaries are stored: a test that compares the whole store
    before and after a refused write must not see the summary of an earlier write land in between."""
    background = registry.domain.indicators.background
    if background is not None:
        background.settle_all()
    return registry


def draft_store(result: ImportResult | SheetResult) -> Store:
    """An importer's passport read back into a store, its relative IRIs resolved where a dry run puts them:
    tests check what the passport says, not what the import report claims."""
    store = Store()
    store.load(result.turtle, RdfFormat.TURTLE, base_iri=f"{BASE}/passports/draft")
    return store


@contextmanager
def empty_registry(folder: Path) -> Iterator[Registry]:
    """A registry without the examples, its store in `folder`/data, closed after: what the `core` fixture
    gives one test, for the module-scoped fixtures that share one store."""
    registry = build_registry(Settings(data=folder / "data", admin_token=ADMIN, load_examples=False, base_url=BASE))
    try:
        yield registry
    finally:
        registry.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data=tmp_path / "data", admin_token=ADMIN, load_examples=False, base_url=BASE)


@pytest.fixture
def core(settings: Settings) -> Iterator[Registry]:
    registry = build_registry(settings)
    yield registry
    registry.close()


@pytest.fixture
def client(core: Registry) -> Iterator[TestClient]:
    with TestClient(create_app(core=core), base_url=BASE) as test_client:
        yield test_client


@pytest.fixture
def passport_ttl() -> bytes:
    return (DATA / "minimal-passport.ttl").read_bytes()


class Server:
    """`mpr serve` in a subprocess: real sockets, real uvicorn, and a process we can kill -9.

    Readiness is event-driven: a thread reads the server's log and `start()` returns once every
    worker has said "Application startup complete" and uvicorn has said it listens, or fails at once when the
    process exits. No polling, so a busy machine only makes it slower, never flaky; the bound is a
    safety net for a hung server, not a timing assumption.
    """

    READY_LINE = "Application startup complete"
    #: A single uvicorn process binds its socket only after the application's startup: until this line a
    #: request may be refused. (With several workers the parent binds before any worker starts.)
    LISTENING_LINE = "Uvicorn running on"
    START_BOUND_S = 300

    def __init__(self, data: Path, *extra: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data = data
        self.extra = extra
        self.env = {**os.environ, "MPR_ADMIN_TOKEN": ADMIN, **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None
        self.log: list[str] = []
        self.workers = int(extra[extra.index("--workers") + 1]) if "--workers" in extra else 1

    def start(self) -> Server:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "registry.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--data", str(self.data), *self.extra],
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        ready = threading.Event()
        threading.Thread(target=self._read_log, args=(self.process, ready), daemon=True).start()
        if not ready.wait(self.START_BOUND_S) or self.process.poll() is not None:
            self.kill()
            raise RuntimeError(f"server did not start: {''.join(self.log)[-2000:]}")
        return self

    def _read_log(self, process: subprocess.Popen[bytes], ready: threading.Event) -> None:
        """Keep draining stderr for the server's whole life (a full pipe would block it)."""
        assert process.stderr is not None
        started, listening = 0, False
        for raw in process.stderr:
            line = raw.decode(errors="replace")
            self.log.append(line)
            started += self.READY_LINE in line
            listening = listening or self.LISTENING_LINE in line
            if started >= self.workers and listening:
                ready.set()
        ready.set()  # the process ended: start() sees it exited

    def create_token(self, organisation: str, role: str = "builder") -> str:
        """A token made by `mpr token create` in this server's store: before start(), as the running server
        locks the store."""
        made = subprocess.run(
            [sys.executable, "-m", "registry.cli", "token", "create", "--org", organisation, "--role", role,
             "--data", str(self.data)], env={**os.environ, "MPR_BASE_URL": self.url}, capture_output=True, text=True)
        assert made.returncode == 0, made.stderr
        return made.stdout.strip()

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(tmp_path / "server-data", "--no-examples").start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium for one module's page tests (the module calls skip_without_chromium first)."""
    with chromium() as launched:
        yield launched
