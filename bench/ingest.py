"""Ingest of one passport: the registry against the limit, and the two SHACL engines alone.

    python bench/ingest.py --sizes 100000

Phases, each in a fresh process so that its peak RSS (ru_maxrss) is its own, on the same generated
passport (bench/generate.py):
- limit: pyoxigraph parses the Turtle and writes it into one named graph of an on-disk store, in one
  transaction (`Store.load(..., to_graph=)`). Nothing the registry does can be faster.
- rdflib + pySHACL: the old baseline, rdflib parses the Turtle and pySHACL validates it with the
  registry's shapes (ontology mixed in).
- pySHACL engine, shacl engine: validation alone, as the registry runs it (`Validator.validate` on the
  triples pyoxigraph already parsed and the registry prepared; the time of that parse is not counted).
- registry service: `PassportService.create` on an on-disk store (parse, prepare, validate with the
  default engine, one atomic write, the public projection).
- registry HTTP: `POST /passports` to `mpr serve` (uvicorn on 127.0.0.1, embedded store, no examples), timed
  at the client from the first byte sent to the 201; peak RSS is the server process's VmHWM, read before it stops.
Peak RSS includes the interpreter and its imports (~100 MB with rdflib, pySHACL and FastAPI loaded); MB here
is MiB (VmHWM and ru_maxrss / 1024). The target at 1M triples: the HTTP create within 1 GiB (printed verdict).
- `--steps`: one more fresh process runs the steps of `PassportService.create` one by one (parse, canonical
  literals + skolemisation, validation, changeset, full-store write, public projection) and prints each step's
  own peak RSS (VmHWM, reset between steps through /proc/self/clear_refs) and its resident size after it.
CPU s is the process's user + system time over the phase (every thread): on a shared machine it moves less
than the wall clock, so its ratio to the limit's is the steadier reading.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PHASES = {"limit": "limit (pyoxigraph load, 1 txn)", "rdflib-pyshacl": "rdflib + pySHACL",
          "pyshacl": "pySHACL engine", "shacl": "shacl engine", "service": "registry service",
          "http": "registry HTTP (POST /passports)"}
TOKEN = "bench-admin-token"
Timing = tuple[float, float]  # wall clock s, CPU s
T = TypeVar("T")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(work: Callable[[], object]) -> Timing:
    start, cpu = time.perf_counter(), _cpu()
    work()
    return time.perf_counter() - start, _cpu() - cpu


def limit(data: bytes, folder: Path) -> Timing:
    from pyoxigraph import NamedNode, RdfFormat, Store

    store = Store(str(folder))
    graph = NamedNode("http://bench/passports/raw")
    return timed(lambda: store.load(data, RdfFormat.TURTLE, base_iri=graph.value, to_graph=graph))


def rdflib_pyshacl(data: bytes) -> Timing:
    import pyshacl
    import rdflib

    from registry.settings import Settings

    settings, shapes, ontology = Settings(), rdflib.Graph(), rdflib.Graph()
    for path in settings.shapes_dir.glob("*.ttl"):
        shapes.parse(path)
    for path in settings.ontology_dir.glob("*.ttl"):
        ontology.parse(path)

    def work() -> None:
        graph = rdflib.Graph().parse(data=data, format="turtle", publicID="http://bench/passports/plain")
        graph += ontology
        pyshacl.validate(graph, shacl_graph=shapes, inference="none", allow_warnings=True, inplace=True)

    return timed(work)


def engine_alone(data: bytes, engine: str) -> Timing:
    from pyoxigraph import RdfFormat

    from registry.passports import PassportService
    from registry.passports.naming import PassportNames
    from registry.settings import Settings
    from registry.store.oxigraph import OxigraphStore
    from registry.validation import Validator

    settings = Settings()
    validator = Validator(settings.shapes_dir, settings.ontology_dir, engine)
    service = PassportService(OxigraphStore(None), validator, "http://bench", skolem_key=b"bench" * 4)
    triples = service.prepare(data, RdfFormat.TURTLE, PassportNames("http://bench", "bench"))
    report = {}
    seconds = timed(lambda: report.setdefault("r", validator.validate(triples)))
    assert report["r"].conforms, report["r"].violations[:3]
    return seconds


def service(data: bytes, folder: Path) -> Timing:
    from pyoxigraph import RdfFormat

    from registry.core import LOADER, build_registry
    from registry.settings import Settings

    registry = build_registry(Settings(data=folder, load_examples=False, base_url="http://bench"))
    try:
        return timed(lambda: registry.domain.passports.create(data, RdfFormat.TURTLE, LOADER, passport_id="bench"))
    finally:
        registry.close()


def _vm(field: str, pid: int | str = "self") -> float:
    """A /proc/PID/status size in MiB (VmHWM: peak resident size, VmRSS: resident size now)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc")


def steps(data: bytes, folder: Path) -> list[dict[str, object]]:
    """The steps of one create, each with its own peak RSS: where the memory of a large write goes."""
    from pyoxigraph import RdfFormat

    from registry.core import LOADER, build_registry
    from registry.rdf import parse_triples, skolemize
    from registry.settings import Settings

    registry = build_registry(Settings(data=folder, load_examples=False, base_url="http://bench"))
    service = registry.domain.passports
    names = service.names("bench")
    found: list[dict[str, object]] = []

    def step(name: str, work: Callable[[], T]) -> T:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the resident size now
        start = time.perf_counter()
        result = work()
        found.append({"step": name, "seconds": time.perf_counter() - start, "peak_rss_mb": _vm("VmHWM"),
                      "rss_after_mb": _vm("VmRSS")})
        return result

    try:
        found.append({"step": "start (imports, shapes, vocabularies, the upload read)", "seconds": 0.0,
                      "peak_rss_mb": _vm("VmHWM"), "rss_after_mb": _vm("VmRSS")})
        parsed = [step("parse", lambda: parse_triples(data, RdfFormat.TURTLE, names.iri))]  # popped: not kept
        triples = step("canonical literals + skolemisation",
                       lambda: skolemize(parsed.pop(), names.genid_base, service.skolem_key, canonicalize=True))
        step("validation", lambda: service.validator.validate(triples))
        changeset = step("changeset", lambda: service._changeset(names, None, set(), triples, "created", LOADER, None))
        step("full-store write", lambda: service.store.apply(changeset))
        step("public projection", lambda: service._changed(names.id, 1, triples))
    finally:
        registry.close()
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def http(path: Path, folder: Path) -> dict[str, float]:
    """POST the file to a fresh `mpr serve`; the body streams from the file, as a client would send it."""
    import httpx

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "registry.cli", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-examples",
         "--data", str(folder), "--base-url", "http://bench"],
        env={**os.environ, "MPR_ADMIN_TOKEN": TOKEN}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:  # the server's own start-up is not timed
            try:
                if httpx.get(f"{url}/health").status_code == 200:
                    break
            except httpx.TransportError:
                if server.poll() is not None:
                    raise RuntimeError("mpr serve exited") from None
                time.sleep(0.2)
        cpu = _proc_cpu(server.pid)
        with path.open("rb") as body:
            start = time.perf_counter()
            answer = httpx.post(f"{url}/passports", content=body, timeout=3600,
                                headers={"Content-Type": "text/turtle", "Slug": "bench",
                                         "Authorization": f"Bearer {TOKEN}"})
            seconds = time.perf_counter() - start
        assert answer.status_code == 201, answer.text[:500]
        return {"seconds": seconds, "cpu": _proc_cpu(server.pid) - cpu, "peak_rss_mb": _vm("VmHWM", server.pid)}
    finally:
        server.terminate()
        server.wait(60)


def phase(name: str, path: Path, folder: Path) -> dict[str, float] | list[dict[str, object]]:
    if name == "http":
        return http(path, folder)
    data = path.read_bytes()
    if name == "steps":
        return steps(data, folder)
    if name == "limit":
        seconds, cpu = limit(data, folder)
    elif name == "rdflib-pyshacl":
        seconds, cpu = rdflib_pyshacl(data)
    elif name == "service":
        seconds, cpu = service(data, folder)
    else:
        seconds, cpu = engine_alone(data, name)
    return {"seconds": seconds, "cpu": cpu, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run(name: str, path: Path, folder: Path) -> Any:
    output = subprocess.run([sys.executable, __file__, "--phase", name, str(path), str(folder)],
                            capture_output=True, text=True, check=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def verdict(triples: int, results: dict[str, dict[str, float]]) -> None:
    """Issue 13's targets against what this run measured."""
    base = results.get("limit")
    for name in ("service", "http"):
        if name in results and base:
            line = f"{PHASES[name]}: {base['seconds'] / results[name]['seconds']:.2f}x the limit's speed"
            if "rdflib-pyshacl" in results:
                line += f", {results['rdflib-pyshacl']['seconds'] / results[name]['seconds']:.2f}x rdflib + pySHACL's"
            print(line)
    if "http" in results and triples >= 1_000_000:
        peak = results["http"]["peak_rss_mb"]
        print(f"{triples:,} triples through POST /passports: server peak RSS {peak:.0f} MiB, "
              f"{'within' if peak <= 1024 else 'over'} 1 GiB (1024 MiB)")


def print_steps(triples: int, found: list[dict[str, Any]]) -> None:
    print(f"\nSteps of one create of {triples:,} triples (`PassportService.create`, one process):\n")
    print("| step | s | peak RSS MB (the step's own) | RSS after MB |")
    print("|---|---:|---:|---:|")
    for row in found:
        print(f"| {row['step']} | {row['seconds']:.2f} | {row['peak_rss_mb']:.0f} | {row['rss_after_mb']:.0f} |")


def generate(size: int, path: Path) -> None:
    from pyoxigraph import RdfFormat, parse

    from bench.generate import building

    data = building(size).encode()
    path.write_bytes(data)
    print(sum(1 for _ in parse(data, RdfFormat.TURTLE, base_iri="http://bench/passports/g")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--phases", nargs="+", choices=list(PHASES), default=list(PHASES),
                        help="which phases to run (default: all; the ratios need limit)")
    parser.add_argument("--steps", action="store_true",
                        help="also print the peak RSS of each step of one create (a fresh process)")
    parser.add_argument("--phase", nargs=3, metavar=("NAME", "FILE", "FOLDER"), help=argparse.SUPPRESS)
    parser.add_argument("--generate", nargs=2, metavar=("SIZE", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        generate(int(args.generate[0]), Path(args.generate[1]))
        return
    if args.phase:
        print(json.dumps(phase(args.phase[0], Path(args.phase[1]), Path(args.phase[2]))))
        return
    print("| triples | phase | s | triples/s | x limit time | CPU s | x limit CPU | peak RSS MB |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "passport.ttl"
            # in a child process: Linux keeps ru_maxrss across fork+exec, so a big parent would inflate every figure
            triples = int(subprocess.run([sys.executable, __file__, "--generate", str(size), str(path)], check=True,
                                         capture_output=True, text=True).stdout.strip())
            results = {name: run(name, path, Path(tmp) / name) for name in args.phases}
            found = run("steps", path, Path(tmp) / "steps") if args.steps else None
        base = results.get("limit", {"seconds": float("nan"), "cpu": float("nan")})
        for name in args.phases:
            seconds, cpu, rss = results[name]["seconds"], results[name]["cpu"], results[name]["peak_rss_mb"]
            print(f"| {triples:,} | {PHASES[name]} | {seconds:.2f} | {triples / seconds:,.0f} "
                  f"| {seconds / base['seconds']:.2f} | {cpu:.2f} | {cpu / base['cpu']:.2f} | {rss:.0f} |", flush=True)
        if "pyshacl" in results and "shacl" in results:
            speedup = results["pyshacl"]["seconds"] / results["shacl"]["seconds"]
            print(f"\nshacl engine vs pySHACL engine: {speedup:.1f}x")
        verdict(triples, results)
        if found is not None:
            print_steps(triples, found)

if __name__ == "__main__":
    main()
