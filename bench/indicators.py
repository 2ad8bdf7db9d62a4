"""Indicators of a generated building against a single SPARQL aggregate over the same masses.

    python bench/indicators.py --elements 10000 100000 --runs 5

The baseline is the cheapest possible answer to "how much mass is in this building": one SUM query.
The indicators (mass by material rolled up, MCI, carbon, detachability, completeness, per storey)
read the same graph; the target is to stay within 3x of the baseline, measured in the same run.
Figures: "cold" is a read-time computation from the store that also stores its summary (measured after
dropping the stored summary); "bg" is the time from a new version's write (the record bumped, then the
passport service's on_change hook) until the background worker has stored its summary
(MPR_INDICATORS_AT_WRITE); "first" is the first read after that write once the summary is stored;
"racing" a read issued right after a write, which waits for the worker; "served" a read while the stored
summary is exact. SHACL warnings are left out (warnings=False): validation is measured by bench/ingest.py.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, parse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import TRIPLES_PER_ELEMENT, building
from registry.core import Registry, build_registry
from registry.indicators import Indicators
from registry.namespaces import XSD_INTEGER, mpr
from registry.passports.naming import PassportNames
from registry.settings import Settings
from registry.store.base import Changeset, GraphChange

BASE = "http://bench.example"
BASELINE = """PREFIX mpr: <https://w3id.org/mpr#> PREFIX qudt: <http://qudt.org/schema/qudt/>
SELECT ?g (SUM(?v) AS ?total) WHERE { GRAPH ?g { ?c mpr:mass/qudt:numericValue ?v } } GROUP BY ?g"""


def skolemised(triples: Iterable[Triple], genid_base: str) -> list[Triple]:
    """Blank nodes named as the passport service names them (the store writes in blocks, which cannot share
    blank nodes); by their parser id rather than by content, which is all a benchmark needs."""
    def name(term: Any) -> Any:
        return NamedNode(genid_base + term.value) if isinstance(term, BlankNode) else term
    return [Triple(name(t.subject), t.predicate, name(t.object)) for t in triples]


def median_of(runs: int, work: Callable[[], object], before: Callable[[], object] = lambda: None) -> float:
    times = []
    for _ in range(runs):
        before()
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def new_version(registry: Registry, names: PassportNames, version: int) -> None:
    """What a write does for the indicators: a new current version in the record, then the on_change hook.

    The content stays as it is (a new version with the same content costs the computation the same)."""
    old = [t for t in registry.store.triples(names.record_graph) if t.predicate == mpr("currentVersion")]
    new = [Triple(names.node, mpr("currentVersion"), Literal(str(version), datatype=XSD_INTEGER))]
    registry.store.apply(Changeset([GraphChange(names.record_graph, remove=old, add=new)]))
    background = registry.domain.indicators.background
    assert background is not None
    background.after_write(names.id, version, [])


def wait_for_summary(registry: Registry, names: PassportNames, version: int) -> None:
    """Until the background worker has stored the summary of `version`."""
    service = registry.domain.indicators
    assert service.background is not None
    service.background.settle(names.id)
    current = service.stored.state(names, "emf", service.basis).current
    assert current is not None and current.version == version, "the background summary is missing"


def load(registry: Registry, names: PassportNames, n: int) -> int:
    """The generated building written straight into its graph (no SHACL: this measures reading, not
    ingest), with the two record facts the passport service keeps, so the summary can be versioned."""
    graph = names.content_graph
    triples = skolemised(parse(building(n * TRIPLES_PER_ELEMENT).encode(), RdfFormat.TURTLE,
                               base_iri=graph.value), names.genid_base)
    record = [Triple(names.node, mpr("currentVersion"), Literal("1", datatype=XSD_INTEGER)),
              Triple(names.node, mpr("status"), mpr("StatusActive"))]
    registry.store.apply(Changeset([GraphChange(graph, add=triples), GraphChange(names.record_graph, add=record)]))
    return len(triples)


def measure(n: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        registry = build_registry(Settings(data=Path(tmp), base_url=BASE, load_examples=False,
                                           indicators_at_write=True))
        names = PassportNames(BASE, "bench")
        count = load(registry, names, n)
        stored = registry.domain.indicators.stored.graph(names)

        def drop_summary(r: Registry = registry, g: NamedNode = stored) -> None:
            r.store.apply(Changeset([GraphChange(g, remove=r.store.triples(g))]))

        sub = {"g": names.content_graph}
        total = float(registry.store.select(BASELINE, sub)[0]["total"].value)
        baseline = median_of(runs, lambda: registry.store.select(BASELINE, sub))

        def compute() -> Indicators:
            return registry.domain.indicators.compute("bench", "emf", warnings=False)

        cold = median_of(runs, compute, drop_summary)
        versions = iter(range(2, 2 + 3 * runs))
        background, first, racing = [], [], []
        for _ in range(runs):
            version = next(versions)
            start = time.perf_counter()
            new_version(registry, names, version)
            wait_for_summary(registry, names, version)
            background.append(time.perf_counter() - start)
            first.append(median_of(1, compute))  # the first read after the write, summary in place
            version = next(versions)
            new_version(registry, names, version)
            racing.append(median_of(1, compute))  # a read issued at once: waits for the worker
        served = median_of(runs, compute)
        result = compute()
        assert registry.store.count(stored) > 0, "the summary was not stored"
        assert abs(result.total_mass_kg - total) < 1e-6 * total, (result.total_mass_kg, total)
        bg, fr, rc = (statistics.median(x) for x in (background, first, racing))
        print(f"{n:>9} {count:>10} {baseline:>11.3f} {cold:>8.3f} {bg:>8.3f} {fr:>9.4f} {rc:>9.3f} {served:>9.4f} "
              f"{cold / baseline:>7.1f}x {fr / baseline:>9.4f}x {rc / baseline:>8.1f}x {served / baseline:>9.4f}x "
              f"{peak_rss_mb():>8.0f}", flush=True)
        registry.close()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--elements", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"{'elements':>9} {'triples':>10} {'baseline s':>11} {'cold s':>8} {'bg s':>8} {'first s':>9} "
          f"{'racing s':>9} {'served s':>9} {'cold':>8} {'first':>10} {'racing':>9} {'served':>10} {'RSS MB':>8}")
    for n in args.elements:
        measure(n, args.runs)


if __name__ == "__main__":
    main()
