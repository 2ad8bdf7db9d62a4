"""Indicators of a generated building against a single SPARQL aggregate over the same masses.

    python bench/indicators.py --elements 10000 100000 --runs 5

The baseline is the cheapest possible answer to "how much mass is in this building": one SUM query.
The indicators (mass by material rolled up, MCI, carbon, detachability, completeness, per storey)
read the same graph; the target is to stay within 3x of the baseline, measured in the same run.
Two figures: "cold" is a computation from the store that also stores its summary (what the first read
after a new version costs; measured after dropping the stored summary), "served" is a read while the
stored summary is exact. SHACL warnings are left out (warnings=False): validation is measured by
bench/ingest.py.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pyoxigraph import Literal, RdfFormat, Triple, parse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import TRIPLES_PER_ELEMENT, building
from registry.core import build_registry
from registry.indicators import Indicators
from registry.namespaces import XSD_INTEGER, mpr
from registry.passports.naming import PassportNames
from registry.settings import Settings
from registry.store.base import Changeset, GraphChange

BASE = "http://bench.example"
BASELINE = """PREFIX mpr: <https://w3id.org/mpr#> PREFIX qudt: <http://qudt.org/schema/qudt/>
SELECT ?g (SUM(?v) AS ?total) WHERE { GRAPH ?g { ?c mpr:mass/qudt:numericValue ?v } } GROUP BY ?g"""


def median_of(runs: int, work: Callable[[], object], before: Callable[[], object] = lambda: None) -> float:
    times = []
    for _ in range(runs):
        before()
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--elements", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"{'elements':>9} {'triples':>10} {'baseline s':>11} {'cold s':>8} {'served s':>9} "
          f"{'cold ratio':>11} {'served ratio':>13}")
    for n in args.elements:
        with tempfile.TemporaryDirectory() as tmp:
            registry = build_registry(Settings(data=Path(tmp), base_url=BASE, load_examples=False))
            names = PassportNames(BASE, "bench")
            graph = names.content_graph
            # Written straight into the graph (no SHACL): this benchmark measures reading, not ingest.
            # The record is the two facts the passport service keeps, so the summary can be versioned.
            triples = list(parse(building(n * TRIPLES_PER_ELEMENT).encode(), RdfFormat.TURTLE, base_iri=graph.value))
            record = [Triple(names.node, mpr("currentVersion"), Literal("1", datatype=XSD_INTEGER)),
                      Triple(names.node, mpr("status"), mpr("StatusActive"))]
            registry.store.apply(Changeset([GraphChange(graph, add=triples),
                                            GraphChange(names.record_graph, add=record)]))
            stored = registry.domain.indicators.stored.graph(names)

            def drop_summary(r=registry, g=stored) -> None:
                r.store.apply(Changeset([GraphChange(g, remove=r.store.triples(g))]))

            sub = {"g": graph}
            total = float(registry.store.select(BASELINE, sub)[0]["total"].value)
            baseline = median_of(args.runs, lambda sub=sub, r=registry: r.store.select(BASELINE, sub))

            def compute(r=registry) -> Indicators:
                return r.domain.indicators.compute("bench", "emf", warnings=False)

            cold = median_of(args.runs, compute, drop_summary)
            served = median_of(args.runs, compute)
            result = compute()
            assert registry.store.count(stored) > 0, "the summary was not stored"
            assert abs(result.total_mass_kg - total) < 1e-6 * total, (result.total_mass_kg, total)
            print(f"{n:>9} {len(triples):>10} {baseline:>11.3f} {cold:>8.3f} {served:>9.4f} "
                  f"{cold / baseline:>10.1f}x {served / baseline:>12.3f}x", flush=True)
            registry.close()


if __name__ == "__main__":
    main()
