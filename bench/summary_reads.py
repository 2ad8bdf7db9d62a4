"""The two ways stored summaries are read for a set of passports, to place `stored.FEW_PASSPORTS`.

    python bench/baseline.py --passports 10000 --elements 5 --runs 0 --at-write --keep DIR   # once
    python bench/summary_reads.py --keep DIR [--sizes 10,100,500,1000,2000] [--runs 3]

A baseline (or any report over some passports) reads their exact stored baseline entries with
`StoredIndicators.exact_entries`: up to FEW_PASSPORTS passports by a VALUES list of their indicator graphs, above
it in one pass over every summary stored (registry/indicators/stored.py). For N passports sampled from the kept
store, both ways are timed (best of `--runs`) over `oxigraph serve-read-only` on the kept store (the remote
backend) and then on the embedded store (opened in place; nothing is written), and their answers must be equal.
The pass is the baseline: it costs the same whatever N, so the ratio says up to which N the list is cheaper.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.baseline import BASE
from bench.sparql_overhead import free_port, stop, wait_until
from registry.indicators import stored
from registry.namespaces import sparql_prefixes
from registry.store.base import TripleStore
from registry.store.oxigraph import OxigraphStore
from registry.store.sparql.store import SparqlStore

P = sparql_prefixes()
ACTIVE = P + "SELECT ?p ?v WHERE { GRAPH ?rg { ?p mpr:currentVersion ?v ; mpr:status mpr:StatusActive } }"
BASIS = P + "SELECT ?b WHERE { GRAPH ?g { ?n mpr:computationBasis ?b } } LIMIT 1"


@contextmanager
def read_only_server(location: Path) -> Iterator[str]:
    binary = shutil.which("oxigraph")
    if binary is None:
        raise SystemExit("oxigraph is not installed (pip install oxigraph)")
    port = free_port()
    process = subprocess.Popen([binary, "serve-read-only", "--location", str(location), "--bind",
                                f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: httpx.get(f"{url}/query", params={"query": "ASK {}"}).status_code == 200, 60, "oxigraph")
        yield f"{url}/query"
    finally:
        stop(process)


def timed(store: TripleStore, versions: dict[str, int], basis: str, few: int, runs: int) -> tuple[float, set[str]]:
    stored.FEW_PASSPORTS = few
    reads = stored.StoredIndicators(store, BASE)
    best, found = float("inf"), set()
    for _ in range(runs):
        start = time.perf_counter()
        found = set(reads.exact_entries(versions, "emf", basis))
        best = min(best, time.perf_counter() - start)
    return best, found


def measure(store: TripleStore, label: str, sizes: list[int], runs: int) -> None:
    versions = {r["p"].value: int(r["v"].value) for r in store.select(ACTIVE)
                if r["p"].value.startswith(f"{BASE}/passports/")}
    basis = store.select(BASIS)[0]["b"].value
    rng = random.Random(1)
    for n in sizes:
        sample = {iri: versions[iri] for iri in rng.sample(sorted(versions), min(n, len(versions)))}
        listed, by_list = timed(store, sample, basis, len(sample), runs)
        passed, by_pass = timed(store, sample, basis, 0, runs)
        assert by_list == by_pass and by_list, f"the two reads disagree at {n} passports"
        print(f"| {label} | {len(sample)} of {len(versions)} | {listed:.3f} | {passed:.3f} | {listed / passed:.2f}x |",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", type=Path, required=True, help="a store kept by bench/baseline.py --keep")
    parser.add_argument("--sizes", default="10,100,500,1000,2000")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    configured = stored.FEW_PASSPORTS  # `timed` sets it for each read
    location = args.keep / "data" / "full"
    if not location.exists():
        sys.exit(f"no kept store in {args.keep}: make one with bench/baseline.py --keep {args.keep} --runs 0")
    sizes = [int(n) for n in args.sizes.split(",")]
    print("| store | passports read | VALUES list s | one pass s (baseline) | ratio |")
    print("|---|---|---|---|---|")
    with read_only_server(location) as query_url:
        measure(SparqlStore(query_url, timeout_s=600), "oxigraph serve", sizes, args.runs)
    embedded = OxigraphStore(location)
    try:
        measure(embedded, "embedded", sizes, args.runs)
    finally:
        embedded.close()
    print(f"FEW_PASSPORTS in the code: {configured}; peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
