"""Indicators of a generated building against a single SPARQL aggregate over the same masses.

    python bench/indicators.py --elements 10000 100000

The baseline is the cheapest possible answer to "how much mass is in this building": one SUM query.
The indicators (mass by material rolled up, MCI, carbon, detachability, completeness, per storey)
read the same graph; the target is to stay within 3x of the baseline, measured in the same run.
SHACL warnings are left out (warnings=False): validation is measured by bench/ingest.py.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, parse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import TRIPLES_PER_ELEMENT, building
from registry.core import build_registry
from registry.settings import Settings
from registry.store.base import Changeset, GraphChange

BASE = "http://bench.example"
BASELINE = """PREFIX mpr: <https://w3id.org/mpr#> PREFIX qudt: <http://qudt.org/schema/qudt/>
SELECT ?g (SUM(?v) AS ?total) WHERE { GRAPH ?g { ?c mpr:mass/qudt:numericValue ?v } } GROUP BY ?g"""


def best_of(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times) if runs < 3 else statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--elements", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"{'elements':>9} {'triples':>10} {'baseline s':>11} {'indicators s':>13} {'ratio':>6}")
    for n in args.elements:
        with tempfile.TemporaryDirectory() as tmp:
            registry = build_registry(Settings(data=Path(tmp), base_url=BASE, load_examples=False))
            graph = NamedNode(f"{BASE}/passports/bench")
            # Written straight into the graph (no SHACL): this benchmark measures reading, not ingest.
            triples = list(parse(building(n * TRIPLES_PER_ELEMENT).encode(), RdfFormat.TURTLE, base_iri=graph.value))
            registry.store.apply(Changeset([GraphChange(graph, add=triples)]))
            sub = {"g": graph}
            total = float(registry.store.select(BASELINE, sub)[0]["total"].value)
            result = registry.indicators.compute("bench", "emf", warnings=False)
            assert abs(result.total_mass_kg - total) < 1e-6 * total, (result.total_mass_kg, total)
            baseline = best_of(args.runs, lambda sub=sub, r=registry: r.store.select(BASELINE, sub))
            indicators = best_of(args.runs, lambda r=registry: r.indicators.compute("bench", "emf", warnings=False))
            print(f"{n:>9} {len(triples):>10} {baseline:>11.3f} {indicators:>13.3f} {indicators / baseline:>6.1f}x",
                  flush=True)
            registry.close()


if __name__ == "__main__":
    main()
