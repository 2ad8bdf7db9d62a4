"""What compacted JSON-LD (registry/jsonld.py) and absolute Turtle cost against pyoxigraph's own writers.

Baseline: pyoxigraph's expanded JSON-LD and its Turtle with prefixes, on the same triples, in the same run.
Prints seconds (median of 3), the ratio to the baseline and the peak RSS of the process.

    python bench/formats.py --sizes 10000 100000
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from collections.abc import Callable

from pyoxigraph import RdfFormat, parse, serialize

from bench.generate import building
from registry.namespaces import PREFIXES
from registry.rdf import serialize_triples

BASE = "http://127.0.0.1:8000/passports/bench"


def median_s(work: Callable[[], object], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    print("triples | writer | s | x baseline | bytes")
    for size in args.sizes:
        triples = [q.triple for q in parse(building(size).encode(), RdfFormat.TURTLE, base_iri=BASE)]
        pairs = [
            ("JSON-LD", lambda t=triples: serialize(t, format=RdfFormat.JSON_LD),
             lambda t=triples: serialize_triples(t, RdfFormat.JSON_LD)),
            ("Turtle", lambda t=triples: serialize(t, format=RdfFormat.TURTLE, prefixes=PREFIXES, base_iri=BASE),
             lambda t=triples: serialize_triples(t, RdfFormat.TURTLE)),
        ]
        for name, baseline, ours in pairs:
            base_s, ours_s = median_s(baseline), median_s(ours)
            print(f"{len(triples):,} | {name} pyoxigraph (baseline) | {base_s:.3f} | 1.00 | {len(baseline() or b''):,}")
            print(f"{len(triples):,} | {name} registry | {ours_s:.3f} | {ours_s / base_s:.2f} | {len(ours()):,}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
