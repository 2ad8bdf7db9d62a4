"""Supply search, top-20 matches and portfolio matching on generated supply across the Netherlands.

    python bench/matching.py --passports 10000 --items 100 --queries 30 --baseline-runs 3

Generator: N building passports at random points in the Netherlands (lon 3.4-7.2, lat 50.8-53.5),
each with an availability date on the building and K elements of one random material, written
straight into the store through the store interface (content graph + record graph), without SHACL
(validation is measured by bench/ingest.py).

Measured in the same run, on the service layer (no HTTP):
- building the in-memory supply index from the store (once, at the first search) and its memory;
- /materials: a material (with narrower concepts) within 25 km of a random point, first 50 by distance;
- top-20 matches of a random demand (material, 1000 kg, 25 km, needed by 2031);
- the first search after a passport write (the index re-reads only that passport);
- baseline for both: read every item from the store with SPARQL (no material or place restriction),
  then filter and score in Python; its answers are checked equal to ours;
- portfolio: the HiGHS optimiser and greedy on D demands x S synthetic supplies (arcs within 15 km
  and of a compatible material), timed separately from the store.
"""

from __future__ import annotations

import argparse
import math
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from registry.core import LOADER, build_registry
from registry.matching.demand import Demand, Range
from registry.matching.geo import haversine_km
from registry.matching.portfolio import Arc, greedy, optimise
from registry.matching.scoring import Weights, score
from registry.matching.supply import SupplyFilter, SupplyItem
from registry.settings import Settings
from registry.store.base import Changeset, GraphChange
from tests.matching_data import passport

BASE = "http://bench.example"
MPR, BOT, QUDT, UNIT = "https://w3id.org/mpr#", "https://w3id.org/bot#", "http://qudt.org/schema/qudt/", \
    "http://qudt.org/vocab/unit/"
GEO, XSD, RDF, MAT = "http://www.opengis.net/ont/geosparql#", "http://www.w3.org/2001/XMLSchema#", \
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "https://w3id.org/mpr/materials/"
MATERIALS = ["concrete", "reinforced-concrete", "precast-concrete", "brick", "calcium-silicate", "softwood",
             "glulam", "hardwood", "steel", "structural-steel", "aluminium", "float-glass", "plasterboard",
             "mineral-wool", "pvc"]
DCTERMS = "http://purl.org/dc/terms/"
CREATED = "2026-01-01T00:00:00Z"
QUERY_CONCEPTS = ["concrete", "timber", "metal", "masonry", "glass"]


def n(iri: str) -> NamedNode:
    return NamedNode(iri)


def generate(core: object, passports: int, items: int, rng: random.Random) -> int:
    """Write the passports, 100 per atomic changeset. Returns the number of quads."""
    written = 0
    for start in range(0, passports, 100):
        quads = _quads(range(start, min(passports, start + 100)), items, rng)
        graphs: dict[NamedNode, list] = {}
        for q in quads:
            graphs.setdefault(q.graph_name, []).append(q.triple)
        core.store.apply(Changeset([GraphChange(g, add=ts) for g, ts in graphs.items()]))  # type: ignore[attr-defined]
        written += len(quads)
    return written


def _quads(numbers: range, items: int, rng: random.Random) -> list[Quad]:
    quads: list[Quad] = []
    for p in numbers:
        iri = f"{BASE}/passports/b{p:05d}"
        g, rec = n(iri), n(iri + "/record")
        building = n(iri + "#building")
        lon, lat = rng.uniform(3.4, 7.2), rng.uniform(50.8, 53.5)
        year = rng.randint(2025, 2035)
        geom = n(iri + "#geom")
        quads += [
            Quad(g, n(RDF), n(MPR + "Passport"), g), Quad(g, n(MPR + "describes"), building, g),
            Quad(building, n(RDF), n(BOT + "Building"), g),
            Quad(building, n(GEO + "hasGeometry"), geom, g),
            Quad(geom, n(GEO + "asWKT"), Literal(f"POINT({lon:.5f} {lat:.5f})", datatype=n(GEO + "wktLiteral")), g),
            Quad(building, n(MPR + "availableFrom"),
                 Literal(f"{year}-0{rng.randint(1, 9)}-01", datatype=n(XSD + "date")), g),
            Quad(g, n(MPR + "status"), n(MPR + "StatusActive"), rec),
            Quad(g, n(MPR + "currentVersion"), Literal("1", datatype=n(XSD + "integer")), rec),
            # a complete record, as PassportService writes it: without its dates it cannot be read back
            Quad(g, n(DCTERMS + "created"), Literal(CREATED, datatype=n(XSD + "dateTime")), rec),
            Quad(g, n(DCTERMS + "modified"), Literal(CREATED, datatype=n(XSD + "dateTime")), rec),
        ]
        for e in range(items):
            part, comp, mass = n(f"{iri}#e{e}"), n(f"{iri}#c{e}"), n(f"{iri}#m{e}")
            quads += [
                Quad(building, n(BOT + "hasElement"), part, g),
                Quad(part, n(MPR + "composedOf"), comp, g),
                Quad(comp, n(MPR + "material"), n(MAT + rng.choice(MATERIALS)), g),
                Quad(comp, n(MPR + "mass"), mass, g),
                Quad(mass, n(QUDT + "numericValue"),
                     Literal(f"{rng.uniform(50, 5000):.1f}", datatype=n(XSD + "decimal")), g),
                Quad(mass, n(QUDT + "unit"), n(UNIT + "KiloGM"), g),
            ]
    return quads


def timed(work) -> tuple[float, object]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def summary(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def naive_items(core: object, lon: float, lat: float) -> list[SupplyItem]:
    """The baseline's read: every item of every active passport straight from the store, no index."""
    reader = core.domain.matching.supply.reader  # type: ignore[attr-defined]
    items = reader.read(reader.passports())
    for item in items:
        if item.lon is not None and item.lat is not None:
            item.distance_km = haversine_km(lon, lat, item.lon, item.lat)
    return items


def bench_store(passports: int, items: int, queries: int, baseline_runs: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    # RocksDB may still be writing files when the directory is removed: never lose the figures to that.
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as folder:
        core = build_registry(Settings(data=Path(folder) / "data", load_examples=False, base_url=BASE))
        try:
            t_gen, count = timed(lambda: generate(core, passports, items, rng))
            matching = core.domain.matching
            vocab = matching.concepts
            rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            t_build, _ = timed(matching.supply.refresh)
            rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            lines = [f"generated {passports} passports x {items} items = {passports * items} items, "
                     f"{count} quads in {t_gen:.1f} s; index built in {t_build:.1f} s, "
                     f"peak RSS {rss_before / 1024:.0f} -> {rss_after / 1024:.0f} MiB"]
            print(lines[0], flush=True)
            ours_search, base_search, ours_match, base_match, after_write = [], [], [], [], []
            for q in range(queries):
                lon, lat = rng.uniform(3.8, 6.8), rng.uniform(51.2, 53.1)
                concept = MAT + rng.choice(QUERY_CONCEPTS)
                flt = matching.materials_filter([concept], lon=lon, lat=lat, radius_km=25.0)
                t, page = timed(lambda flt=flt: matching.search(flt, LOADER, "distance", 0, 50))
                ours_search.append(t)
                want = MAT + rng.choice(MATERIALS)
                demand = Demand(iri="bench", wants=[want], quantity=Range(1000.0, "KiloGM"), radius_km=25.0,
                                lon=lon, lat=lat, needed_by=date(2031, 12, 31))
                t, top = timed(lambda d=demand: matching.matches(d, LOADER, 20))
                ours_match.append(t)
                if q < baseline_runs:
                    def naive_search(flt: SupplyFilter = flt) -> list:
                        everything = naive_items(core, flt.lon, flt.lat)
                        kept = [i for i in everything if i.material in flt.materials and i.distance_km is not None
                                and i.distance_km <= 25.0]
                        return sorted(kept, key=lambda i: (i.distance_km, i.part, i.material))[:50]

                    t, naive = timed(naive_search)
                    base_search.append(t)
                    assert [i.composition for i in naive] == [i.composition for i in page.items]

                    def naive_match(d: Demand = demand) -> list:
                        scored = [m for i in naive_items(core, d.lon, d.lat)
                                  if (m := score(d, i, vocab, matching.supply.factors, Weights())) is not None]
                        return sorted(scored, key=lambda m: (-m.score, m.item.part, m.item.material))[:20]

                    t, naive_top = timed(naive_match)
                    base_match.append(t)
                    assert [m.item.composition for m in naive_top] == [m.item.composition for m in top]
                # a write, then the next search: the index re-reads the one changed passport
                core.domain.passports.create(passport(f"New {q}", lon, lat), RdfFormat.TURTLE, LOADER,
                                      passport_id=f"new-{q}")
                t, page = timed(lambda flt=flt: matching.search(flt, LOADER, "distance", 0, 50))
                after_write.append(t)
            for name, ours, base in (("/materials filtered", ours_search, base_search),
                                     ("top-20 matches", ours_match, base_match),
                                     ("/materials, first search after a write", after_write, base_search)):
                (om, op), (bm, bp) = summary(ours), summary(base)
                lines.append(f"| {name} | {passports * items} | {len(ours)} / {len(base)} | {om * 1000:.1f} | "
                             f"{op * 1000:.1f} | {bm * 1000:.1f} | {bp * 1000:.1f} | {bm / om:.0f}x |")
            return lines
        finally:
            core.close()


def bench_portfolio(demands: int, supplies: int, seed: int) -> str:
    rng = np.random.default_rng(seed)
    s_lon, s_lat = rng.uniform(3.4, 7.2, supplies), rng.uniform(50.8, 53.5, supplies)
    s_mat, s_mass = rng.integers(0, 5, supplies), rng.uniform(50, 5000, supplies)
    d_lon, d_lat = rng.uniform(3.8, 6.8, demands), rng.uniform(51.2, 53.1, demands)
    d_mat, d_need = rng.integers(0, 5, demands), rng.uniform(1000, 20000, demands)
    factor = np.array([0.09, 0.24, 0.5, 1.5, 8.0])  # kg CO2e/kg per material group, illustrative spread
    arcs: list[Arc] = []
    for j in range(demands):
        la1, la2 = np.radians(d_lat[j]), np.radians(s_lat)
        h = np.sin((la2 - la1) / 2) ** 2 + np.cos(la1) * np.cos(la2) * np.sin(np.radians(s_lon - d_lon[j]) / 2) ** 2
        dist = 2 * 6371.0088 * np.arcsin(np.sqrt(h))
        for i in np.nonzero((dist <= 15.0) & (s_mat == d_mat[j]))[0]:
            transport = dist[i] * s_mass[i] / 1000 * 0.1
            arcs.append(Arc(int(i), j, float(s_mass[i]), float(s_mass[i] * factor[s_mat[i]] - transport),
                            float(transport)))
    t_opt, plan = timed(lambda: optimise(arcs, list(d_need), supplies))
    t_greedy, base = timed(lambda: greedy(arcs, list(d_need), supplies))
    return (f"| {demands} x {supplies} | {len(arcs)} | {t_opt:.2f} | {t_greedy:.2f} | {plan.saved_kg:,.0f} | "
            f"{base.saved_kg:,.0f} | {(plan.saved_kg / base.saved_kg - 1) * 100:.2f} % |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passports", type=int, default=1000)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--baseline-runs", type=int, default=3, help="the baseline reads every item: slow")
    parser.add_argument("--demands", type=int, default=1000)
    parser.add_argument("--supplies", type=int, default=100000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-store", action="store_true")
    parser.add_argument("--skip-portfolio", action="store_true")
    args = parser.parse_args()
    if not args.skip_store:
        lines = bench_store(args.passports, args.items, args.queries, args.baseline_runs, args.seed)
        print("| query | items | runs (ours / baseline) | median ms | p95 ms | baseline median ms | baseline p95 ms "
              "| speed-up |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        print("\n".join(lines[1:]))
    if args.skip_portfolio:
        return
    print("| demands x supplies | arcs | optimiser s | greedy s | optimiser kg CO2e saved | greedy kg CO2e saved "
          "| gain |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    print(bench_portfolio(args.demands, args.supplies, args.seed))


if __name__ == "__main__":
    main()
