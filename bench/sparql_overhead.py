"""What the registry's /sparql costs on top of the SPARQL server it runs on, and what a second worker buys.

Starts `oxigraph serve` (temporary folder, 127.0.0.1) and `mpr serve` on it, loads generated passports
through the registry's API, then sends the same queries (point lookup, filtered SELECT, aggregate,
CONSTRUCT of one passport) (a) straight to `oxigraph serve` and (b) through the registry's /sparql,
and reads passports through `GET /passports/{id}` with 1 and 2 workers. Prints a Markdown table.

    python bench/sparql_overhead.py [--passports 300] [--requests 200] [--clients 4]
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.generate import building

TOKEN = secrets.token_urlsafe(16)
# The registry's /sparql answers anonymous users from the public projection, which a remote deployment
# configures separately; the admin token queries the full store, like the direct requests do.
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BASE = "http://registry.example"  # one base IRI for both registry runs (1 and 2 workers) over the same data
PREFIXES = ("PREFIX mpr: <https://w3id.org/mpr#> PREFIX dcterms: <http://purl.org/dc/terms/> "
            "PREFIX qudt: <http://qudt.org/schema/qudt/> ")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not start within {seconds:g} s")


def start_oxigraph(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    binary = shutil.which("oxigraph")
    if binary is None:
        raise SystemExit("oxigraph is not installed (pip install oxigraph)")
    process = subprocess.Popen([binary, "serve", "--location", str(folder), "--bind", f"127.0.0.1:{port}",
                                "--union-default-graph"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: httpx.get(f"{url}/query", params={"query": "ASK {}"}).status_code == 200, 30, "oxigraph")
    return process, url


def start_registry(oxigraph: str, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "MPR_ADMIN_TOKEN": TOKEN}
    process = subprocess.Popen(
        [sys.executable, "-m", "registry.cli", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-examples",
         "--base-url", BASE,
         "--workers", str(workers), "--sparql-query", f"{oxigraph}/query", "--sparql-update", f"{oxigraph}/update",
         "--graph-store", f"{oxigraph}/store"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: httpx.get(f"{url}/health").status_code == 200, 60, "the registry")
    return process, url


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)


def load(registry: str, count: int) -> list[str]:
    ids = [f"bench-{i:04d}" for i in range(count)]

    def post(passport_id: str) -> None:
        body = building(240, seed=int(passport_id.split("-")[1])).encode()
        response = httpx.post(f"{registry}/passports", content=body, timeout=120, headers={
            "Content-Type": "text/turtle", "Slug": passport_id, "Authorization": f"Bearer {TOKEN}"})
        if response.status_code != 201:
            raise RuntimeError(f"loading {passport_id}: {response.status_code} {response.text[:300]}")

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(post, ids))
    return ids


def queries(ids: list[str]) -> dict[str, Callable[[random.Random], tuple[str, str]]]:
    """Query makers: each returns (query text, Accept media type)."""
    def iri(rng: random.Random) -> str:
        return f"<{BASE}/passports/{rng.choice(ids)}>"

    json = "application/sparql-results+json"
    return {
        "point lookup": lambda rng: (PREFIXES + f"SELECT ?title ?modified WHERE {{ {iri(rng)} dcterms:title ?title . "
                                     f"OPTIONAL {{ {iri(rng)} dcterms:modified ?modified }} }}", json),
        "filtered SELECT": lambda rng: (PREFIXES + "SELECT ?c ?kg WHERE { ?c mpr:material ?m ; "
                                        "mpr:mass/qudt:numericValue ?kg FILTER(?kg > 4000) } LIMIT 100", json),
        "aggregate": lambda rng: (PREFIXES + "SELECT ?m (SUM(?kg) AS ?total) (COUNT(*) AS ?n) WHERE { ?c mpr:material "
                                  "?m ; mpr:mass/qudt:numericValue ?kg } GROUP BY ?m", json),
        "CONSTRUCT passport": lambda rng: (f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {iri(rng)} {{ ?s ?p ?o }} }}",
                                           "application/n-triples"),
    }


def check(response: httpx.Response) -> None:
    if response.status_code != 200:
        raise RuntimeError(f"{response.request.url} answered {response.status_code}: {response.text[:300]}")


def measure(url: str, make: Callable[[random.Random], tuple[str, str]], requests: int,
            clients: int) -> dict[str, float]:
    """Latency of `requests` sequential requests, then throughput of `clients` threads sending as many."""
    rng = random.Random(1)
    latencies = []
    with httpx.Client(timeout=60) as http:
        for _ in range(10):  # warm-up
            query, accept = make(rng)
            check(http.post(url, data={"query": query}, headers={"Accept": accept, **AUTH}))
        for _ in range(requests):
            query, accept = make(rng)
            started = time.perf_counter()
            response = http.post(url, data={"query": query}, headers={"Accept": accept, **AUTH})
            latencies.append(time.perf_counter() - started)
            check(response)
    latencies.sort()

    def worker(seed: int) -> None:
        local = random.Random(seed)
        with httpx.Client(timeout=60) as http:
            for _ in range(requests // clients):
                query, accept = make(local)
                check(http.post(url, data={"query": query}, headers={"Accept": accept, **AUTH}))

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {"median_ms": statistics.median(latencies) * 1000,
            "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000,
            "throughput": (requests // clients) * clients / elapsed}


def read_throughput(registry: str, ids: list[str], requests: int, clients: int) -> dict[str, float]:
    def worker(seed: int) -> list[float]:
        rng = random.Random(seed)
        times = []
        with httpx.Client(timeout=60) as http:
            for _ in range(requests // clients):
                started = time.perf_counter()
                http.get(f"{registry}/passports/{rng.choice(ids)}", headers={"Accept": "text/turtle"}
                         ).raise_for_status()
                times.append(time.perf_counter() - started)
        return times

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        times = sorted(t for batch in pool.map(worker, range(clients)) for t in batch)
    elapsed = time.perf_counter() - started
    return {"median_ms": statistics.median(times) * 1000, "p95_ms": times[int(len(times) * 0.95) - 1] * 1000,
            "throughput": len(times) / elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passports", type=int, default=300)
    parser.add_argument("--requests", type=int, default=200, help="requests per query kind and per measurement")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients for throughput (<= 4: the "
                                                                   "registry runs 4 SPARQL queries at once)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mpr-bench-") as tmp:
        oxigraph, oxigraph_url = start_oxigraph(Path(tmp) / "store")
        try:
            registry, registry_url = start_registry(oxigraph_url, 1)
            try:
                started = time.perf_counter()
                ids = load(registry_url, args.passports)
                loaded_s = time.perf_counter() - started
                triples = httpx.post(f"{oxigraph_url}/query", data={"query": "SELECT (COUNT(*) AS ?n) "
                                     "WHERE { GRAPH ?g { ?s ?p ?o } }"},
                                     headers={"Accept": "text/tab-separated-values"}).text.split()[-1]
                rows = []
                for name, make in queries(ids).items():
                    direct = measure(f"{oxigraph_url}/query", make, args.requests, args.clients)
                    through = measure(f"{registry_url}/sparql", make, args.requests, args.clients)
                    rows.append((name, direct, through))
                reads = {1: read_throughput(registry_url, ids, args.requests * 2, args.clients)}
            finally:
                stop(registry)
            registry, registry_url = start_registry(oxigraph_url, 2)
            try:
                read_throughput(registry_url, ids, 40, args.clients)  # warm both workers
                reads[2] = read_throughput(registry_url, ids, args.requests * 2, args.clients)
            finally:
                stop(registry)
        finally:
            stop(oxigraph)
    print(f"{args.passports} passports ({triples} quads in the store) loaded through the API in {loaded_s:.1f} s; "
          f"{args.requests} requests per row; throughput with {args.clients} concurrent clients.\n")
    print("| query | direct median ms | direct p95 ms | direct req/s | /sparql median ms | /sparql p95 ms "
          "| /sparql req/s | median ratio | throughput ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, d, t in rows:
        print(f"| {name} | {d['median_ms']:.2f} | {d['p95_ms']:.2f} | {d['throughput']:.0f} | {t['median_ms']:.2f} "
              f"| {t['p95_ms']:.2f} | {t['throughput']:.0f} | {t['median_ms'] / d['median_ms']:.2f}x "
              f"| {d['throughput'] / t['throughput']:.2f}x |")
    print("\n| passport reads (GET /passports/{id}, Turtle) | median ms | p95 ms | req/s |")
    print("| --- | ---: | ---: | ---: |")
    for n, r in reads.items():
        label = f"{n} worker" + ("s" if n > 1 else "")
        print(f"| {label} | {r['median_ms']:.2f} | {r['p95_ms']:.2f} | {r['throughput']:.0f} |")


if __name__ == "__main__":
    main()
