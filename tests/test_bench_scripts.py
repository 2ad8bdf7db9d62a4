"""The benchmark scripts of bench/ run, at the smallest sizes that still pass through every phase they have.

They are run by hand to measure; here they only have to run: an import renamed or an argument changed in the
registry breaks them without anyone noticing otherwise. Several also assert that our answer agrees with the
baseline they measure against (the same masses, the same search results), which makes them correctness checks
too. Each runs as a user runs it, `python bench/X.py ...` from the project root; timings are never checked.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bench(script: str, *arguments: str) -> str:
    """What the script prints, once it has ended well; its errors in the failure message otherwise."""
    # The interpreter's own bin/ first: the `oxigraph` server that pip installs with the [test] extras lives there.
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    done = subprocess.run([sys.executable, f"bench/{script}", *arguments], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=240)
    assert done.returncode == 0, f"bench/{script} exited with {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_baseline_bench_runs_small_and_its_answers_agree_with_the_aggregate() -> None:
    printed = bench("baseline.py", "--passports", "20", "--elements", "2", "--runs", "1", "--at-write", "--small", "2")

    assert "20 passports x 2 elements, half updated" in printed
    assert "| SPARQL aggregate (mass, primary by material) |" in printed
    assert "| baseline now, first call |" in printed
    assert "| baseline ?at=2024-06-01, later calls |" in printed
    assert "| SPARQL aggregate, 2 passports of small-org |" in printed
    assert "| small-org baseline ?at=2024-06-01, first call |" in printed


def test_the_summary_reads_bench_reads_a_kept_store_both_ways_with_one_answer(tmp_path: Path) -> None:
    bench("baseline.py", "--passports", "12", "--elements", "2", "--runs", "0", "--at-write", "--keep", str(tmp_path))
    printed = bench("summary_reads.py", "--keep", str(tmp_path), "--sizes", "5,12", "--runs", "1")

    assert "| oxigraph serve | 5 of 12 |" in printed and "| embedded | 12 of 12 |" in printed  # answers checked
    assert "FEW_PASSPORTS in the code" in printed


def test_the_credentials_bench_issues_and_verifies_a_small_passport() -> None:
    printed = bench("credentials.py", "--triples", "200", "--runs", "1")

    header, row = printed.splitlines()[:2]
    assert header.split()[:4] == ["triples", "JSON-LD", "s", "issue"]
    assert row.split()[0].isdigit() and row.split()[4].endswith("x")
    assert "peak RSS" in printed


def test_the_formats_bench_writes_a_small_graph_with_both_writers() -> None:
    printed = bench("formats.py", "--sizes", "200")

    for writer in ("JSON-LD pyoxigraph (baseline)", "JSON-LD registry", "Turtle pyoxigraph (baseline)",
                   "Turtle registry"):
        assert f"| {writer} |" in printed


def test_the_ifc_bench_imports_authored_and_real_models_and_maps_the_authored_walls() -> None:
    printed = bench("import_ifc.py", "--sizes", "2", "--geometry-sizes", "2",
                    "--real", "380--wall--missing-subtraction--2--augmented.ifc")

    rows = {line.split(" | ")[0].lstrip("| "): line for line in printed.splitlines() if line.startswith("| ")}
    assert rows["qto"].endswith("| 100.0% |") and rows["geometry"].endswith("| 100.0% |")
    assert "380--wall--missing-subtraction--2--augmented.ifc" in rows
    assert "\n380--wall--missing-subtraction--2--augmented.ifc:\n- " in printed  # the names for the hand check


def test_the_indicators_bench_runs_small_and_its_total_mass_agrees_with_the_aggregate() -> None:
    printed = bench("indicators.py", "--elements", "5", "--runs", "1")

    header, row = printed.splitlines()[:2]
    assert header.split()[:3] == ["elements", "triples", "baseline"]
    assert row.split()[0] == "5"


def test_the_ingest_bench_runs_every_phase_and_the_steps_of_a_small_create() -> None:
    printed = bench("ingest.py", "--sizes", "300", "--steps")

    for phase in ("limit (pyoxigraph load, 1 txn)", "rdflib + pySHACL", "pySHACL engine", "shacl engine",
                  "registry service", "registry HTTP (POST /passports)"):
        assert f"| {phase} |" in printed
    assert "shacl engine vs pySHACL engine:" in printed
    assert "| validation |" in printed and "| full-store write |" in printed


def test_the_matching_bench_runs_small_and_its_answers_agree_with_the_naive_search() -> None:
    # 200 passports: enough that some of the compared searches and top-20 lists are not empty.
    printed = bench("matching.py", "--passports", "200", "--items", "3", "--queries", "3", "--baseline-runs", "3",
                    "--demands", "20", "--supplies", "200")

    assert "| /materials filtered | 600 | 3 / 3 |" in printed
    assert "| top-20 matches | 600 | 3 / 3 |" in printed
    assert "| /materials, first search after a write | 600 |" in printed
    assert "| 20 x 200 |" in printed


def test_the_sparql_overhead_bench_queries_oxigraph_directly_and_through_the_registry() -> None:
    printed = bench("sparql_overhead.py", "--passports", "4", "--requests", "4", "--clients", "2")

    assert "4 passports (" in printed
    for query in ("point lookup", "filtered SELECT", "aggregate", "CONSTRUCT passport"):
        assert f"| {query} |" in printed
    assert "| 1 worker |" in printed and "| 2 workers |" in printed
