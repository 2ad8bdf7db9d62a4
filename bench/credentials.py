"""Issuing and verifying a passport credential against serialising the same passport to JSON-LD.

    python bench/credentials.py --triples 10000 --runs 5

The baseline is what `GET /passports/{id}` with `Accept: application/ld+json` does below HTTP: read
the passport as the caller may see it and serialise it to JSON-LD. Issuing a credential does that
too, then builds the credential, claims its status index (a store lookup) and signs it (Ed25519,
joserfc); verifying decodes and checks the signature, parses the credential's graph back from
JSON-LD (with every upload guard), reads the stored version and compares. Target: issue and verify
each within 3x of the baseline, measured in the same run: each run times the three back to back,
and the ratios are medians of the per-run ratios. Prints peak RSS (ru_maxrss) at the end.
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pyoxigraph import RdfFormat

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import building
from registry.core import LOADER, build_registry
from registry.passports.model import Agent
from registry.rdf import serialize_triples
from registry.settings import Settings

BASE = "http://bench.example"
READER = Agent(name="bench", organisation="bench", role="auditor")


def timed(work: Callable[[], object]) -> float:
    gc.collect()  # garbage of the previous step is not charged to this one
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def paired(runs: int, baseline: Callable[[], object], *works: Callable[[], object]) -> list[list[float]]:
    """Per run: the baseline, then each work, back to back; the shared machine's load drifts between
    runs more than within one, so ratios are taken within a run and their median reported."""
    return [[timed(baseline), *(timed(w) for w in works)] for _ in range(runs)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--triples", type=int, nargs="+", default=[10_000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"{'triples':>8} {'JSON-LD s':>10} {'issue s':>8} {'verify s':>9} {'issue x':>8} {'verify x':>9} "
          f"{'both x':>7} {'JWS MB':>7}")
    for target in args.triples:
        with tempfile.TemporaryDirectory() as tmp:
            registry = build_registry(Settings(data=Path(tmp), base_url=BASE, load_examples=False))
            written = registry.domain.passports.create(building(target).encode(), RdfFormat.TURTLE, LOADER,
                                                       passport_id="bench")

            def baseline(r=registry) -> bytes:
                view = r.passports.content(READER, "bench")
                return serialize_triples(view.triples, RdfFormat.JSON_LD)

            token = registry.credentials.issue(READER, "bench")
            assert registry.credentials.verify(READER, token.encode()).verified
            rows = paired(args.runs, baseline, lambda r=registry: r.credentials.issue(READER, "bench"),
                          lambda r=registry, t=token.encode(): r.credentials.verify(READER, t))
            plain, issue, verify = (statistics.median(row[i] for row in rows) for i in range(3))
            ratio = [statistics.median(row[i] / row[0] for row in rows) for i in (1, 2)]
            both = statistics.median((row[1] + row[2]) / row[0] for row in rows)
            print(f"{written.triples:>8} {plain:>10.3f} {issue:>8.3f} {verify:>9.3f} {ratio[0]:>7.2f}x "
                  f"{ratio[1]:>8.2f}x {both:>6.2f}x {len(token) / 1e6:>7.2f}", flush=True)
            registry.close()
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
