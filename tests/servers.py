"""Real SPARQL servers for the tests: `oxigraph serve` and Virtuoso 7, on 127.0.0.1 only.

Each server runs in a temporary folder on free ports and is stopped by its fixture. A missing server
program skips its tests with a reason, except under CI=true, where it fails them: CI installs both
(`.ci/run`), so a skip there would hide a broken install.

Import the fixtures you need from here in a test module (`from tests.servers import oxigraph_server`);
tests/conftest.py stays the lead's.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from registry.api.app import create_app
from registry.core import Registry, build_registry
from registry.settings import Settings
from registry.store.sparql import SparqlStore
from tests.conftest import ADMIN, BASE, free_port

IN_CI = os.environ.get("CI", "").lower() == "true"


def need(program: str, how: str) -> str:
    """The path of `program`, or skip (fail under CI=true) saying how to install it."""
    path = shutil.which(program)
    if path is None:
        message = f"{program} is not installed ({how})"
        if IN_CI:
            pytest.fail(f"{message}; CI must install it (see .ci/run)")
        pytest.skip(message)
    return path


def _wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}: {log.read_text(errors='replace')[-2000:]}")
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"server did not listen on 127.0.0.1:{port} within {seconds:g} s")


class OxigraphServer:
    """`oxigraph serve --union-default-graph` on a folder; can be stopped, killed and started again on
    the same port and data (the store outage and interrupted write tests do that)."""

    def __init__(self, folder: Path, *, timeout_s: int | None = None) -> None:
        self.binary = need("oxigraph", "pip install oxigraph")
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.timeout_s = timeout_s
        self.process: subprocess.Popen[bytes] | None = None
        self.log = folder / "server.log"

    @property
    def query_url(self) -> str:
        return f"{self.url}/query"

    @property
    def update_url(self) -> str:
        return f"{self.url}/update"

    @property
    def graph_store_url(self) -> str:
        return f"{self.url}/store"

    def start(self) -> OxigraphServer:
        command = [self.binary, "serve", "--location", str(self.folder / "db"), "--bind", f"127.0.0.1:{self.port}",
                   "--union-default-graph"]
        if self.timeout_s is not None:
            command += ["--timeout-s", str(self.timeout_s)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _wait_for_port(self.port, self.process, 30, self.log)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(15)

    def store(self, *, graph_store: bool = True, **options: object) -> SparqlStore:
        return SparqlStore(self.query_url, self.update_url, self.graph_store_url if graph_store else None,
                           **options)  # type: ignore[arg-type]

    def settings(self, **extra: object) -> dict[str, str]:
        return {"sparql_query": self.query_url, "sparql_update": self.update_url,
                "graph_store": self.graph_store_url, **{k: str(v) for k, v in extra.items()}}


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CaseMode = 2
DirsAllowed = {d}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
CheckpointInterval = 60

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {d}
ServerThreads = 10
MaxClientConnections = 10
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 10000
MaxQueryExecutionTime = 60
"""


class VirtuosoServer:
    """Virtuoso 7 (`virtuoso-t +foreground`) with a config of our own: both ports on 127.0.0.1, the
    database in a temporary folder, the `dba` password replaced at once, and a user `mpr` with
    SPARQL_UPDATE who reaches the digest-authenticated endpoints /sparql-auth and
    /sparql-graph-crud-auth. Anonymous /sparql stays read-only."""

    user = "mpr"

    def __init__(self, folder: Path) -> None:
        self.binary = need("virtuoso-t", "apt-get install --no-install-recommends virtuoso-opensource")
        self.isql = need("isql-vt", "apt-get install --no-install-recommends virtuoso-opensource")
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.sql_port, self.http_port = free_port(), free_port()
        while self.http_port == self.sql_port:
            self.http_port = free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.password = secrets.token_urlsafe(12)
        self._dba_password = secrets.token_urlsafe(12)
        self.process: subprocess.Popen[bytes] | None = None
        self.log = folder / "server.log"

    @property
    def query_url(self) -> str:
        return f"{self.url}/sparql-auth"

    update_url = query_url

    @property
    def graph_store_url(self) -> str:
        return f"{self.url}/sparql-graph-crud-auth"

    def _sql(self, password: str, statements: str) -> None:
        subprocess.run([self.isql, f"127.0.0.1:{self.sql_port}", "dba", password, f"exec={statements}"],
                       check=True, capture_output=True, timeout=60)

    def start(self) -> VirtuosoServer:
        ini = self.folder / "virtuoso.ini"
        ini.write_text(VIRTUOSO_INI.format(d=self.folder, sql_port=self.sql_port, http_port=self.http_port))
        with self.log.open("ab") as log:
            self.process = subprocess.Popen([self.binary, "+foreground", "+configfile", str(ini)], cwd=self.folder,
                                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _wait_for_port(self.http_port, self.process, 120, self.log)
        deadline = time.monotonic() + 60
        while True:  # the HTTP port opens before the SPARQL service is ready
            try:
                if httpx.get(f"{self.url}/sparql", params={"query": "ASK {}"}, timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("Virtuoso's SPARQL endpoint did not come up")
            time.sleep(0.2)
        self._sql("dba", f"DB.DBA.USER_CREATE('{self.user}', '{self.password}'); "
                         f"GRANT SPARQL_UPDATE TO \"{self.user}\"; SET PASSWORD dba {self._dba_password};")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(15)

    def store(self, *, graph_store: bool = True, **options: object) -> SparqlStore:
        options = {"user": self.user, "password": self.password, "auth": "digest", **options}
        return SparqlStore(self.query_url, self.update_url, self.graph_store_url if graph_store else None,
                           **options)  # type: ignore[arg-type]

    def settings(self, **extra: object) -> dict[str, str]:
        return {"sparql_query": self.query_url, "sparql_update": self.update_url,
                "graph_store": self.graph_store_url, "sparql_user": self.user, "sparql_password": self.password,
                "sparql_auth": "digest", **{k: str(v) for k, v in extra.items()}}


# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture
def oxigraph_server(tmp_path: Path) -> Iterator[OxigraphServer]:
    server = OxigraphServer(tmp_path / "oxigraph").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso")).start()
    yield server
    server.stop()


@pytest.fixture
def remote_core(oxigraph_server: OxigraphServer, tmp_path: Path) -> Iterator[Registry]:
    """The registry's core on a SparqlStore over a fresh `oxigraph serve`."""
    settings = Settings(data=tmp_path / "unused", admin_token=ADMIN, load_examples=False, base_url=BASE,
                        **oxigraph_server.settings())
    registry = build_registry(settings)
    assert isinstance(registry.store, SparqlStore)
    yield registry
    registry.close()


@pytest.fixture
def virtuoso_core(virtuoso_server: VirtuosoServer, tmp_path: Path) -> Iterator[Registry]:
    """The registry's core on a SparqlStore over the session's Virtuoso, emptied of the registry's graphs
    (those under the test base IRI and the write leases) after the test."""
    settings = Settings(data=tmp_path / "unused", admin_token=ADMIN, load_examples=False, base_url=BASE,
                        **virtuoso_server.settings())
    registry = build_registry(settings)
    yield registry
    registry.domain.indicators.close()  # no background summary is written while the graphs are dropped
    for row in registry.store.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"):
        graph = row["g"].value
        if graph.startswith((BASE, "urn:mpr:")):
            registry.store.update(f"DROP SILENT GRAPH <{graph}>")
    registry.close()


@pytest.fixture
def remote_client(remote_core: Registry) -> Iterator[TestClient]:
    with TestClient(create_app(core=remote_core), base_url=BASE) as test_client:
        yield test_client


@pytest.fixture
def virtuoso_client(virtuoso_core: Registry) -> Iterator[TestClient]:
    with TestClient(create_app(core=virtuoso_core), base_url=BASE) as test_client:
        yield test_client
