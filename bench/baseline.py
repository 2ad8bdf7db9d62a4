"""An organisation baseline over many passports, now and `?at=` a past date, against one SPARQL aggregate.

    python bench/baseline.py --passports 10000 --elements 5 --runs 3 [--at-write] [--keep DIR] [--small N]

`--keep DIR`: the generated store is kept in DIR (made on the first run) and every run measures a copy
of it, so runs with other code or settings start from the same passports without generating them again.
`--small N`: then N passports of another organisation, and its baseline timed against the aggregate kept to it
(a registry shared by many public bodies: a small one's figures should not grow with everyone else's).
`--at-write`: MPR_INDICATORS_AT_WRITE on, so every write computes its summary in the background; the
generation waits for them, and the first baseline finds them stored.

Setup: N small building passports of one organisation, created through the passport service at
2024-01-10 (so they have records, owners and history), half of them updated at 2025-01-10 with other
recycled contents (with --at-write, the generation waits for the summaries of the first versions before the
updates, as a year between the versions would).
Validation is left out (an empty shapes folder): bench/ingest.py measures it.

Baseline, same run: one SPARQL aggregate over the same passports (active, owned by the organisation):
total mass and primary input mass (mass x (1 - recycled - reused - renewable)) by material. Ours: the
service call behind GET /organisations/{org}/baseline (every figure, per passport and version, layers,
MCI, carbon, availability), now and at 2024-06-01 (every passport as it was then: the baseline entry kept
with the summary of that version when there is one, else rebuilt from its history; and the figures now for
the progress). Calls apart: the first baseline now computes and stores every summary
(with --at-write they are stored already, so it reads them, one pass per query); the second and later
ones, and `?at=` after its first call, reuse the figures kept in memory while the versions and product
types they came from hold (registry/reports/past.py, kept by ReportService).
Both answers are asserted to agree (mass and primary input, now). Target: within 3x of the aggregate.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from pyoxigraph import RdfFormat

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from registry.core import Registry, build_registry
from registry.passports.model import Agent
from registry.passports.timeline import parse_at
from registry.settings import Settings

BASE = "http://bench.example"
ORG = "bench-org"
AGENT = Agent("bench", ORG, "builder")
MATERIALS = [("reinforced-concrete", 0.2), ("structural-steel", 0.6), ("softwood", 0.0), ("brick", 0.1)]
LAYERS = ["structure", "skin", "services", "space-plan"]
AGGREGATE = """PREFIX mpr: <https://w3id.org/mpr#> PREFIX qudt: <http://qudt.org/schema/qudt/>
PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?m (SUM(?kg) AS ?mass) (SUM(?kg * (1 - COALESCE(?r, 0) - COALESCE(?u, 0) - COALESCE(?n, 0))) AS ?primary)
WHERE {
  GRAPH ?rg { ?p mpr:currentVersion ?v ; mpr:status mpr:StatusActive ; prov:wasAttributedTo/rdfs:label "bench-org" }
  GRAPH ?p { ?part mpr:composedOf ?c . ?c mpr:material ?m ; mpr:mass/qudt:numericValue ?kg .
             OPTIONAL { ?c mpr:recycledContent ?r } OPTIONAL { ?c mpr:reusedContent ?u }
             OPTIONAL { ?c mpr:renewableContent ?n } }
} GROUP BY ?m"""


def passport(rng: random.Random, elements: int, shift: float) -> bytes:
    lines = ["@prefix mpr: <https://w3id.org/mpr#> . @prefix bot: <https://w3id.org/bot#> .",
             "@prefix qudt: <http://qudt.org/schema/qudt/> . @prefix unit: <http://qudt.org/vocab/unit/> .",
             "@prefix mat: <https://w3id.org/mpr/materials/> . @prefix layer: <https://w3id.org/mpr/layers/> .",
             "@prefix geo: <http://www.opengis.net/ont/geosparql#> .",
             "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
             "<> a mpr:Passport ; mpr:describes <#b> .",
             f'<#b> a bot:Building ; geo:hasGeometry [ geo:asWKT "POINT({rng.uniform(4.5, 6.8):.4f} '
             f'{rng.uniform(51.5, 53.0):.4f})"^^geo:wktLiteral ] ;',
             f'  mpr:availableFrom "{rng.randint(2030, 2060)}-01-01"^^xsd:date ;',
             "  bot:hasElement " + ", ".join(f"<#e{i}>" for i in range(elements)) + " ."]
    for i in range(elements):
        material, recycled = rng.choice(MATERIALS)
        lines.append(f"<#e{i}> a bot:Element ; mpr:shearingLayer layer:{rng.choice(LAYERS)} ; mpr:composedOf "
                     f"[ a mpr:MaterialComposition ; mpr:material mat:{material} ; mpr:recycledContent "
                     f"{min(1.0, recycled + shift):.2f} ; mpr:mass [ qudt:numericValue {rng.randint(100, 5000)}.0 ; "
                     "qudt:unit unit:KiloGM ] ] .")
    return "\n".join(lines).encode()


def timed(runs: int, work: Callable[[], object]) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def settle(registry: Registry, passports: int) -> None:
    """Wait for the background summaries of every passport (with --at-write)."""
    background = registry.domain.indicators.background
    if background is not None:
        for i in range(passports):
            background.settle(f"b{i}")


def generate(registry: Registry, passports: int, elements: int) -> None:
    service = registry.domain.passports
    start = time.perf_counter()
    service.clock = lambda: datetime(2024, 1, 10, tzinfo=UTC)
    for i in range(passports):
        service.create(passport(random.Random(i), elements, 0.0), RdfFormat.TURTLE, AGENT, f"b{i}")
    settle(registry, passports)  # a year between the versions: the worker has long summarised the first ones
    service.clock = lambda: datetime(2025, 1, 10, tzinfo=UTC)
    for i in range(0, passports, 2):
        service.replace(f"b{i}", passport(random.Random(i), elements, 0.3), RdfFormat.TURTLE, AGENT)
    settle(registry, passports)  # the summaries computed after the writes, before anything is measured
    print(f"{passports} passports x {elements} elements, half updated, in "
          f"{time.perf_counter() - start:.1f} s; {registry.store.count()} quads; peak RSS {rss_mib():.0f} MiB",
          flush=True)


def small_organisation(registry: Registry, passports: int, runs: int) -> None:
    """A small organisation's baseline in the same registry, against the aggregate kept to it: what one of many
    public bodies pays in a registry shared by all (its figures should not grow with everyone else's)."""
    service, small = registry.domain.passports, Agent("small", "small-org", "builder")
    service.clock = lambda: datetime(2024, 1, 10, tzinfo=UTC)
    for i in range(passports):
        service.create(passport(random.Random(i), 5, 0.0), RdfFormat.TURTLE, small, f"s{i}")
    background = registry.domain.indicators.background
    for i in range(passports) if background is not None else ():
        background.settle(f"s{i}")
    aggregate_s, _ = timed(runs, lambda: registry.store.select(AGGREGATE.replace('"bench-org"', '"small-org"')))
    print(f"| SPARQL aggregate, {passports} passports of small-org | {aggregate_s:.3f} | 1.0x |")
    past = "2024-06-01"
    for label, at, n in [("now, first call", None, 1), ("now, later calls", None, runs),
                         (f"?at={past}, first call", past, 1), (f"?at={past}, later calls", past, runs)]:
        seconds, _ = timed(n, lambda at=at: registry.reports.baseline(small, "small-org", parse_at(at) if at else None))
        print(f"| small-org baseline {label} | {seconds:.3f} | {seconds / aggregate_s:.2f}x |", flush=True)


def open_registry(folder: Path, at_write: bool) -> Registry:
    (folder / "shapes").mkdir(exist_ok=True)
    return build_registry(Settings(data=folder / "data", base_url=BASE, load_examples=False,
                                   shapes_dir=folder / "shapes", indicators_at_write=at_write))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--passports", type=int, default=10_000)
    parser.add_argument("--elements", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3, help="0 with --keep: only generate the kept store")
    parser.add_argument("--at-write", action="store_true", help="MPR_INDICATORS_AT_WRITE on")
    parser.add_argument("--keep", type=Path, help="keep the generated store here and measure a copy of it")
    parser.add_argument("--small", type=int, default=0,
                        help="then add this many passports of another organisation and time its baseline")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.keep is not None and not (args.keep / "data").exists():
            args.keep.mkdir(parents=True, exist_ok=True)
            kept = open_registry(args.keep, args.at_write)
            generate(kept, args.passports, args.elements)
            kept.close()
        if args.runs == 0:  # --keep DIR --runs 0: generate only
            return
        if args.keep is not None:
            shutil.copytree(args.keep / "data", folder / "data")
            print(f"copy of the store kept in {args.keep} ({args.passports} passports asked)", flush=True)
        registry = open_registry(folder, args.at_write)
        if args.keep is None:
            generate(registry, args.passports, args.elements)
        rng = random.Random(7)
        admin = Agent("bench-admin", "registry", "admin")
        aggregate_s, rows = timed(args.runs, lambda: registry.store.select(AGGREGATE))
        print("| measurement | median s | ratio to the SPARQL aggregate |\n|---|---:|---:|")
        print(f"| SPARQL aggregate (mass, primary by material) | {aggregate_s:.3f} | 1.0x |", flush=True)

        def row(label: str, runs: int, at: str | None = None) -> object:
            seconds, answer = timed(runs, lambda: registry.reports.baseline(admin, ORG, parse_at(at) if at else None))
            print(f"| baseline {label} | {seconds:.3f} | {seconds / aggregate_s:.1f}x |", flush=True)
            return answer

        row("now, first call", 1)
        row("now, second call", 1)
        ours = row("now, later calls (figures kept in memory)", args.runs)
        row("?at=2024-06-01, first call", 1, "2024-06-01")
        then = row("?at=2024-06-01, later calls", args.runs, "2024-06-01")
        again_s, _ = timed(args.runs, lambda: registry.store.select(AGGREGATE))
        print(f"| SPARQL aggregate again, after the baselines (load check) | {again_s:.3f} | "
              f"{again_s / aggregate_s:.1f}x |", flush=True)
        mass = sum(float(r["mass"].value) for r in rows)  # type: ignore[union-attr]
        primary = sum(float(r["primary"].value) for r in rows)  # type: ignore[union-attr]
        figures = ours.figures  # type: ignore[attr-defined]
        assert abs(figures.total_mass_kg - mass) < 1e-6 * mass, (figures.total_mass_kg, mass)
        assert abs(figures.primary_kg - primary) < 1e-6 * primary, (figures.primary_kg, primary)
        assert len(then.figures.passports) == args.passports  # type: ignore[attr-defined]
        if args.small:
            small_organisation(registry, args.small, args.runs)
        print(f"peak RSS {rss_mib():.0f} MiB; runs {args.runs}; rng {rng.random():.3f}; load average "
              + " ".join(f"{x:.1f}" for x in os.getloadavg()))
        registry.close()


if __name__ == "__main__":
    main()
