"""Ingest throughput: registry (service and HTTP) against raw pyoxigraph and plain rdflib + pySHACL.

    python bench/ingest.py --sizes 10000 100000

Prints triples/s for each pipeline on the same generated passport, and the ratios the targets are
stated in (registry >= 50 % of raw Oxigraph load, >= 10x rdflib + pySHACL).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import httpx
import pyshacl
import rdflib
from pyoxigraph import RdfFormat, Store

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate import building
from registry.core import LOADER, build_registry
from registry.settings import Settings
from tests.conftest import AUTH, Server


def timed(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def raw_oxigraph(data: bytes, folder: Path) -> float:
    store = Store(str(folder))
    return timed(lambda: store.load(data, RdfFormat.TURTLE, base_iri="http://bench/passports/raw"))


def rdflib_pyshacl(data: bytes, settings: Settings) -> float:
    shapes = rdflib.Graph()
    for path in settings.shapes_dir.glob("*.ttl"):
        shapes.parse(path)
    ontology = rdflib.Graph()
    for path in settings.ontology_dir.glob("*.ttl"):
        ontology.parse(path)

    def work() -> None:
        graph = rdflib.Graph().parse(data=data, format="turtle", publicID="http://bench/passports/plain")
        pyshacl.validate(graph, shacl_graph=shapes, ont_graph=ontology, inference="none", allow_warnings=True)

    return timed(work)


def registry_service(data: bytes, folder: Path) -> tuple[float, int]:
    registry = build_registry(Settings(data=folder, load_examples=False, base_url="http://bench"))
    try:
        result = {}
        seconds = timed(lambda: result.setdefault(
            "r", registry.passports.create(data, RdfFormat.TURTLE, LOADER, passport_id="bench")))
        return seconds, result["r"].triples
    finally:
        registry.close()


def registry_http(data: bytes, folder: Path) -> float:
    server = Server(folder, "--no-examples").start()
    try:
        with httpx.Client(timeout=3600) as client:
            def work() -> None:
                response = client.post(f"{server.url}/passports", content=data,
                                       headers={"Content-Type": "text/turtle", "Slug": "bench", **AUTH})
                response.raise_for_status()
            return timed(work)
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    settings = Settings()
    print("| triples | raw pyoxigraph load | rdflib + pySHACL | registry service | registry HTTP "
          "| service / raw | service / (rdflib+pySHACL) | HTTP / raw |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        data = building(size).encode()
        with tempfile.TemporaryDirectory() as tmp:
            tmp_path = Path(tmp)
            service_s, triples = registry_service(data, tmp_path / "service")
            raw_s = raw_oxigraph(data, tmp_path / "raw")
            plain_s = rdflib_pyshacl(data, settings)
            http_s = registry_http(data, tmp_path / "http")
        rate = {name: triples / s for name, s in
                (("raw", raw_s), ("plain", plain_s), ("service", service_s), ("http", http_s))}
        print(f"| {triples:,} | {rate['raw']:,.0f}/s | {rate['plain']:,.0f}/s | {rate['service']:,.0f}/s "
              f"| {rate['http']:,.0f}/s | {rate['service'] / rate['raw']:.2f} "
              f"| {rate['service'] / rate['plain']:.2f} | {rate['http'] / rate['raw']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
