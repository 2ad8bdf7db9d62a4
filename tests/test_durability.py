"""Writes are atomic: a crash or a failed write leaves the previous version or the next, never a mixture."""

from __future__ import annotations

import subprocess
import sys
import threading

import httpx
import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, parse

from registry.core import build_registry
from registry.errors import StoreError
from registry.sparql.processes import Snapshots
from registry.store import oxigraph
from registry.store.base import Changeset, GraphChange
from registry.store.oxigraph import BULK_FROM, OxigraphStore
from tests.conftest import AUTH, DATA, Server

MASS = b"675.0"


def version_body(n: int) -> bytes:
    """Version n of the test passport: the column's mass is n kg, and one label carries n too."""
    return (DATA / "minimal-passport.ttl").read_bytes().replace(MASS, f"{n}.0".encode()).replace(
        b'"Column C1"', f'"Column C1 rev {n}"'.encode()
    )


def masses_and_labels(ntriples: bytes) -> tuple[set[str], set[str]]:
    triples = list(parse(ntriples, RdfFormat.N_TRIPLES))
    masses = {t.object.value for t in triples if t.predicate.value.endswith("numericValue")}
    labels = {t.object.value for t in triples if t.object.__class__ is Literal and "rev" in t.object.value}
    return masses, labels


def test_kill_9_during_a_stream_of_writes_leaves_a_whole_version(tmp_path):
    data = tmp_path / "data"
    server = Server(data, "--no-examples").start()
    url = f"{server.url}/passports/crash"
    assert httpx.put(url, content=version_body(1), headers={"Content-Type": "text/turtle", **AUTH}).status_code == 201
    acknowledged: list[int] = [1]
    stop = threading.Event()
    landed_several = threading.Event()  # the kill comes mid-stream, after a few writes, however slow the machine

    def writer() -> None:
        n = 2
        while not stop.is_set():
            try:
                response = httpx.put(url, content=version_body(n),
                                     headers={"Content-Type": "text/turtle", **AUTH}, timeout=120)
            except httpx.TransportError:
                return
            if response.status_code == 200:
                acknowledged.append(n)
                if len(acknowledged) > 4:
                    landed_several.set()
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    assert landed_several.wait(300), "the writer landed too few versions"
    server.kill()
    stop.set()
    thread.join(10)
    assert len(acknowledged) > 3, "the writer should have landed several versions before the kill"

    restarted = Server(data, "--no-examples")
    restarted.port, restarted.url = server.port, server.url
    restarted.start()
    try:
        current = httpx.get(url, headers={"Accept": "application/n-triples"})
        masses, labels = masses_and_labels(current.content)
        (mass,) = masses  # exactly one mass: never a mixture of two versions
        n = int(mass)
        assert labels == {f"Column C1 rev {n}"}
        assert n in (acknowledged[-1], acknowledged[-1] + 1)
        version = int(current.headers["ETag"].removesuffix('-nt"').rsplit("-v", 1)[1])
        assert version == n  # version k holds mass k: history and content moved together
        for k in (1, version // 2 or 1, version):
            old = httpx.get(f"{url}?version={k}", headers={"Accept": "application/n-triples"})
            assert masses_and_labels(old.content) == ({str(k)}, {f"Column C1 rev {k}"})
    finally:
        restarted.stop()


def test_a_write_the_store_rejects_leaves_nothing_behind(settings):
    registry = build_registry(settings)
    try:
        graph_a, graph_b = NamedNode("urn:test:a"), NamedNode("urn:test:b")
        good = Triple(NamedNode("urn:s"), NamedNode("urn:p"), Literal("kept?"))
        unwritable = Triple(BlankNode("b0"), NamedNode("urn:p"), Literal("x"))  # DELETE DATA takes no blank node
        changeset = Changeset([GraphChange(graph_a, add=[good]), GraphChange(graph_b, remove=[unwritable])])
        before = registry.store.count()  # the registry's own key is there from the first start
        with pytest.raises(StoreError):
            registry.store.apply(changeset)
        assert registry.store.count() == before
    finally:
        registry.close()


# Writes a stream of bulk-sized creates (content graph + a one-triple record graph per write) and says
# which landed; killed -9 mid-stream by the tests below. argv[2], if given, is BULK_CHUNK: smaller than a
# write's content, every write goes in as several ingests completed by a marker.
BULK_WRITER = """
import sys
from pathlib import Path
from pyoxigraph import Literal, NamedNode, Triple
from registry.store import oxigraph
from registry.store.base import Changeset, GraphChange
from registry.sparql.processes import Snapshots
from registry.store import oxigraph
from registry.store.oxigraph import BULK_FROM, OxigraphStore
if len(sys.argv) > 2:
    oxigraph.BULK_CHUNK = int(sys.argv[2])
store, p = OxigraphStore(Path(sys.argv[1])), NamedNode("urn:test:p")
for n in range(1000):
    graph, record = NamedNode(f"urn:test:g{n}"), NamedNode(f"urn:test:g{n}/record")
    content = [Triple(NamedNode(f"urn:test:g{n}/s{i}"), p, Literal(str(i))) for i in range(BULK_FROM)]
    marker = [Triple(graph, p, Literal("v1"))]
    store.apply(Changeset([GraphChange(graph, add=content), GraphChange(record, add=marker)]))
    print(n, flush=True)
"""


def _whole_or_absent(store: OxigraphStore, writes: int, acknowledged: list[int]) -> None:
    """Every write of BULK_WRITER whole (content and record) or absent, the acknowledged ones whole."""
    sizes = {n: (store.count(NamedNode(f"urn:test:g{n}")), store.count(NamedNode(f"urn:test:g{n}/record")))
             for n in range(writes)}
    assert all(sizes[n] == (BULK_FROM, 1) for n in acknowledged)
    assert set(sizes.values()) <= {(BULK_FROM, 1), (0, 0)}
    assert store.count() == sum(content + record for content, record in sizes.values())  # no notes left either


@pytest.mark.parametrize("chunk", [None, 2_500], ids=["one-ingest", "chunked"])
def test_kill_9_during_bulk_writes_leaves_each_write_whole_or_absent(tmp_path, chunk):
    """From BULK_FROM added triples the embedded store ingests in bulk instead of a transaction, and above
    BULK_CHUNK in several ingests: a crash still leaves every write whole (content and record) or absent
    once the store is opened again (opening sweeps what an interrupted chunked write began)."""
    folder = tmp_path / "store"
    writer = subprocess.Popen([sys.executable, "-c", BULK_WRITER, str(folder), *([str(chunk)] if chunk else [])],
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None
    acknowledged = [int(writer.stdout.readline()) for _ in range(3)]  # the kill comes mid-stream, after 3 writes
    writer.kill()
    writer.wait(30)
    store = OxigraphStore(folder)
    try:
        _whole_or_absent(store, acknowledged[-1] + 3, acknowledged)
        p = NamedNode("urn:test:p")
        assert store.triples(NamedNode("urn:test:g0/record")) == [Triple(NamedNode("urn:test:g0"), p, Literal("v1"))]
    finally:
        store.close()


# One chunked write (BULK_FROM quads in chunks of 2,500: a note, 4 content ingests, the last ingest with the
# record, the note's removal, the changeset's own cleanup) that dies (os._exit, as a kill -9 would) at step
# argv[2] of it.
CRASHING_WRITER = """
import os, sys
from pathlib import Path
from pyoxigraph import Literal, NamedNode, Triple
from registry.store import oxigraph
from registry.store.base import Changeset, GraphChange
from registry.sparql.processes import Snapshots
from registry.store import oxigraph
from registry.store.oxigraph import BULK_FROM, OxigraphStore
oxigraph.BULK_CHUNK, crash_at, steps = 2_500, int(sys.argv[2]), []
def step(original):
    def counted(self, *args):
        steps.append(1)
        if len(steps) == crash_at:
            os._exit(9)
        return original(self, *args)
    return counted
OxigraphStore._update_data = step(OxigraphStore._update_data)
OxigraphStore._bulk_extend = step(OxigraphStore._bulk_extend)
store, p = OxigraphStore(Path(sys.argv[1])), NamedNode("urn:test:p")
steps.clear()  # opening the store sweeps (a write of its own)
graph, record = NamedNode("urn:test:g0"), NamedNode("urn:test:g0/record")
content = [Triple(NamedNode(f"urn:test:g0/s{i}"), p, Literal(str(i))) for i in range(BULK_FROM)]
store.apply(Changeset([GraphChange(graph, add=content), GraphChange(record, add=[Triple(graph, p, Literal("v1"))])]))
print(len(steps), flush=True)
"""


def test_a_chunked_write_interrupted_at_any_step_is_whole_or_absent_after_a_restart(tmp_path):
    """Each step of a chunked write (note, content chunks, last ingest with the record, removal of the note)
    in turn is where the process dies; opening the store again finds the write absent up to the last ingest,
    whole from it on, and no note left."""
    steps = int(subprocess.run([sys.executable, "-c", CRASHING_WRITER, str(tmp_path / "whole"), "0"],
                               capture_output=True, text=True, check=True).stdout)
    last_ingest = 1 + BULK_FROM // 2_500 + 1
    assert steps == last_ingest + 2
    for crash_at in range(1, steps + 1):
        folder = tmp_path / f"crash-{crash_at}"
        died = subprocess.run([sys.executable, "-c", CRASHING_WRITER, str(folder), str(crash_at)])
        assert died.returncode == 9
        store = OxigraphStore(folder)
        try:
            landed = [0] if crash_at > last_ingest else []  # once the last ingest is done, the write has landed
            _whole_or_absent(store, 1, landed)
            assert store.count(NamedNode("urn:test:g0")) == (BULK_FROM if landed else 0)
            assert store.swept == ([] if landed or crash_at == 1 else [NamedNode("urn:test:g0")])
        finally:
            store.close()


def test_query_copies_show_no_part_of_a_chunked_write_under_way(tmp_path, monkeypatch):
    """SPARQL workers query copies of the store (registry/sparql/processes.py): while a chunked write is under
    way they keep the copy taken before it, and the next copy holds the whole write."""
    monkeypatch.setattr(oxigraph, "BULK_CHUNK", 2_500)
    store = OxigraphStore(tmp_path / "store")
    snapshots = Snapshots(store, tmp_path / "copies")
    graph, p = NamedNode("urn:test:g"), NamedNode("urn:test:p")
    content = [Triple(NamedNode(f"urn:test:s{i}"), p, Literal(str(i))) for i in range(BULK_FROM)]
    chunk_in, go_on = threading.Event(), threading.Event()
    ingest = store._bulk_extend

    def paused(quads):  # the write stops after each ingest until the test lets it go on
        ingest(quads)
        chunk_in.set()
        go_on.wait(60)

    monkeypatch.setattr(store, "_bulk_extend", paused)
    before = snapshots.acquire()
    writer = threading.Thread(target=store.apply, args=(Changeset([GraphChange(graph, add=content)]),))
    writer.start()
    try:
        assert chunk_in.wait(60)
        assert store.count(graph) == 2_500  # the first chunk is in the live store ...
        assert snapshots.acquire() == before  # ... and the workers keep the copy from before the write
    finally:
        go_on.set()
        writer.join(60)
    after = snapshots.acquire()
    try:
        assert after != before and OxigraphStore.read_only(after).count(graph) == BULK_FROM
    finally:
        for path in (before, before, after):
            snapshots.release(path)
        snapshots.close()
        store.close()


def test_a_chunked_write_the_store_refuses_midway_is_taken_back_at_once(tmp_path, monkeypatch):
    """A chunk the store refuses (a full disk, say) fails the write, and what the earlier chunks wrote is
    dropped at once, not at the next start: a retry finds the graph empty and fills it whole."""
    monkeypatch.setattr(oxigraph, "BULK_CHUNK", 2_500)
    store = OxigraphStore(tmp_path / "store")
    graph, p = NamedNode("urn:test:g"), NamedNode("urn:test:p")
    content = [Triple(NamedNode(f"urn:test:s{i}"), p, Literal(str(i))) for i in range(BULK_FROM)]
    ingest, calls = store._bulk_extend, []

    def failing_third(quads):
        calls.append(1)
        if len(calls) == 3:
            raise StoreError("the store refused the write: no space left on device")
        ingest(quads)

    monkeypatch.setattr(store, "_bulk_extend", failing_third)
    try:
        with pytest.raises(StoreError):
            store.apply(Changeset([GraphChange(graph, add=content)]))
        assert store.count() == 0 and not store.filling
        monkeypatch.setattr(store, "_bulk_extend", ingest)
        assert store.apply(Changeset([GraphChange(graph, add=content)]))
        assert store.count(graph) == store.count() == BULK_FROM
    finally:
        store.close()
