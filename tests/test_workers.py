"""`mpr serve --workers 2` over one `oxigraph serve`: stateless workers that share the store.

A write through one worker is read through the other, concurrent PUTs with If-Match lose no update,
and an outage of the SPARQL server is a 503 with Retry-After."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests import servers
from tests.conftest import AUTH, Server

oxigraph_server = servers.oxigraph_server  # fixture, used by name
# Two worker processes and a SPARQL server on a busy 2-core machine: slow, never wrong; a generous bound.
pytestmark = pytest.mark.timeout(900)
RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"


@pytest.fixture
def workers(oxigraph_server: servers.OxigraphServer, tmp_path: Path) -> Iterator[Server]:
    running = Server(
        tmp_path / "unused", "--no-examples", "--workers", "2",
        "--sparql-query", oxigraph_server.query_url, "--sparql-update", oxigraph_server.update_url,
        "--graph-store", oxigraph_server.graph_store_url,
    ).start()
    yield running
    running.stop()


def worker_pids(parent: int) -> set[int]:
    """uvicorn's worker processes: children of `parent` started by multiprocessing's spawn (not its
    resource tracker)."""
    children = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == parent and b"spawn_main" in (entry / "cmdline").read_bytes():
                children.add(int(entry.name))
    return children


def socket_owner(client_port: int, server_port: int, pids: set[int]) -> int | None:
    """The process holding the server side of the TCP connection from `client_port`."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1], fields[2]
        if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == client_port:
            inode = fields[9]
    if inode is None:
        return None
    for pid in pids:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
        except OSError:
            continue
    return None


def get_on_own_connection(server: Server, path: str, pids: set[int]) -> tuple[int, int | None]:
    """GET over a fresh keep-alive connection; returns the status and the worker that answered."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/n-triples\r\n\r\n".encode())
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(65536)
        status = int(data.split(b" ", 2)[1])
        owner = socket_owner(conn.getsockname()[1], server.port, pids)
    return status, owner


def test_a_write_through_one_worker_is_read_through_both(workers, passport_ttl):
    response = httpx.post(f"{workers.url}/passports", content=passport_ttl,
                          headers={"Content-Type": "text/turtle", "Slug": "shared", **AUTH}, timeout=30)
    assert response.status_code == 201, response.text
    assert workers.process is not None
    pids = worker_pids(workers.process.pid)
    assert len(pids) == 2
    # The kernel hands each new connection to whichever worker accepts first; on a busy machine one
    # may take many in a row, so read until both have answered (bounded by count, not by time).
    seen: set[int | None] = set()
    for _ in range(400):
        status, pid = get_on_own_connection(workers, "/passports/shared", pids)
        assert status == 200
        seen.add(pid)
        if seen >= pids:
            break
    assert seen >= pids, "both workers should have answered some reads"


def test_concurrent_puts_with_if_match_lose_no_update(workers, passport_ttl):
    url = f"{workers.url}/passports/contested"
    assert httpx.put(url, content=passport_ttl, headers={"Content-Type": "text/turtle", **AUTH},
                     timeout=30).status_code == 201
    threads_n, updates_each = 4, 3
    outcomes: list[int] = []
    lock = threading.Lock()

    def writer(k: int) -> None:
        with httpx.Client(timeout=60) as http:
            for j in range(updates_each):
                for _attempt in range(200):  # bounded by count: under load, losing many races is normal
                    current = http.get(url, headers={"Accept": "application/n-triples"})
                    iri = f"<{workers.url}/passports/contested>"
                    body = current.text + f'{iri} <{RDFS_COMMENT}> "writer {k} update {j}" .\n'
                    response = http.put(url, content=body.encode(), headers={
                        "Content-Type": "application/n-triples", "If-Match": current.headers["ETag"], **AUTH})
                    with lock:
                        outcomes.append(response.status_code)
                    if response.status_code == 200:
                        break
                    assert response.status_code in (409, 412), response.text
                else:
                    raise AssertionError(f"writer {k} never got update {j} in")

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = httpx.get(url, headers={"Accept": "application/n-triples"}, timeout=30)
    for k in range(threads_n):
        for j in range(updates_each):
            assert f'"writer {k} update {j}"' in final.text, f"update {j} of writer {k} was lost"
    assert final.headers["ETag"] == f'W/"contested-v{1 + threads_n * updates_each}-nt"'
    assert outcomes.count(200) == threads_n * updates_each
    history = httpx.get(f"{url}/history", timeout=30).json()["changes"]
    assert [c["version"] for c in history] == list(range(1, 2 + threads_n * updates_each))


def test_health_is_503_with_retry_after_while_the_sparql_server_is_down(workers, oxigraph_server):
    assert httpx.get(f"{workers.url}/health", timeout=30).json()["store"] == "sparql"
    oxigraph_server.stop()
    response = httpx.get(f"{workers.url}/health", timeout=30)
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    assert response.json()["reachable"] is False
    oxigraph_server.start()
    assert httpx.get(f"{workers.url}/health", timeout=30).status_code == 200
