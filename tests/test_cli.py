"""`mpr` as a user runs it: real processes, real files, a real store folder."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import DATA, EXAMPLES


def mpr(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "registry.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def test_validate_accepts_a_conforming_passport():
    result = mpr("validate", str(DATA / "minimal-passport.ttl"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "conforms" in result.stdout


def test_validate_fails_with_exit_code_1_and_a_readable_report(tmp_path):
    broken = tmp_path / "broken.ttl"
    broken.write_bytes((DATA / "minimal-passport.ttl").read_bytes().replace(b"675.0", b"-675.0"))
    result = mpr("validate", str(broken))
    assert result.returncode == 1
    assert "does not conform" in result.stdout and "Violation" in result.stdout


def test_validate_with_the_reference_engine_reports_the_same_violation(tmp_path):
    broken = tmp_path / "broken.ttl"
    broken.write_bytes((DATA / "minimal-passport.ttl").read_bytes().replace(b"675.0", b"-675.0"))
    fast, reference = mpr("validate", str(broken)), mpr("validate", "--engine", "pyshacl", str(broken))
    assert reference.returncode == fast.returncode == 1

    def plain(out: str) -> str:  # each run names blank nodes with its own key (nothing is stored)
        return re.sub(r"genid/[0-9a-f]+", "genid/…", out.replace(str(broken), ""))

    assert plain(reference.stdout) == plain(fast.stdout)


def test_validate_with_an_unknown_engine_exits_2_naming_the_engines():
    result = mpr("validate", "--engine", "jena", str(DATA / "minimal-passport.ttl"))
    assert result.returncode == 2
    assert "shacl, pyshacl" in result.stderr


def test_validate_reports_malformed_files(tmp_path):
    broken = tmp_path / "broken.ttl"
    broken.write_text("<> a <x> ;")
    result = mpr("validate", str(broken))
    assert result.returncode == 1
    assert "malformed" in result.stderr


def test_load_then_query_the_store(tmp_path):
    data = tmp_path / "data"
    loaded = mpr("load", "--data", str(data), str(DATA / "minimal-passport.ttl"))
    assert loaded.returncode == 0, loaded.stderr
    assert "minimal-passport" in loaded.stdout
    result = mpr("query", "--data", str(data), "-f", "text/csv",
                 "SELECT ?t WHERE { ?p a <https://w3id.org/mpr#Passport> ; <http://purl.org/dc/terms/title> ?t }")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["t", "Test pavilion"]


def test_load_refuses_an_invalid_passport_and_stores_nothing(tmp_path):
    data = tmp_path / "data"
    broken = tmp_path / "broken.ttl"
    broken.write_bytes((DATA / "minimal-passport.ttl").read_bytes().replace(b"675.0", b"-675.0"))
    assert mpr("load", "--data", str(data), str(broken)).returncode == 1
    # The registry's own key (made at first start, in an admin graph) is there; no passport data is.
    count = mpr("query", "--data", str(data), "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                "FILTER(!CONTAINS(STR(?g), '/admin/')) }")
    assert count.stdout.splitlines() == ["n", "0"]


def test_query_refuses_service():
    result = mpr("query", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    assert result.returncode == 1
    assert "SERVICE" in result.stderr


def test_serve_refuses_several_workers_on_the_embedded_store(tmp_path):
    result = mpr("serve", "--data", str(tmp_path / "d"), "--workers", "2")
    assert result.returncode == 2
    assert "remote store" in result.stderr


def test_every_example_passport_validates():
    files = sorted(str(p) for p in (EXAMPLES / "passports").glob("*.ttl"))
    assert len(files) >= 3
    result = mpr("validate", "--no-warnings", *files)
    assert result.returncode == 0, result.stdout


def test_token_create_list_and_revoke(tmp_path):
    data = str(tmp_path / "data")
    created = mpr("token", "create", "--org", "acme-bouw", "--role", "builder", "--label", "site office",
                  "--data", data)
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert secret.startswith("mpr_")
    listed = mpr("token", "list", "--data", data)
    token_id = secret.split("_")[1]
    assert token_id in listed.stdout and "acme-bouw" in listed.stdout and secret not in listed.stdout
    assert mpr("token", "revoke", token_id, "--data", data).returncode == 0
    assert mpr("token", "revoke", "000000000000", "--data", data).returncode == 1


def test_token_with_an_unknown_role_is_refused(tmp_path):
    result = mpr("token", "create", "--org", "acme", "--role", "emperor", "--data", str(tmp_path / "d"))
    assert result.returncode == 1 and "unknown role" in result.stderr


def test_validate_names_the_part_not_the_blank_node_hash(tmp_path):
    broken = tmp_path / "broken.ttl"
    broken.write_bytes((DATA / "minimal-passport.ttl").read_bytes().replace(b"675.0", b"-675.0"))
    result = subprocess.run([sys.executable, "-m", "registry.cli", "validate", str(broken)], capture_output=True,
                            text=True, timeout=300, env={**os.environ, "COLUMNS": "300"})  # no wrapped cells
    assert "Column C1 > composedOf (reinforced-concrete) > mass" in result.stdout
