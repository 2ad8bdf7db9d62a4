"""`mpr` as a user runs it: real processes, real files, a real store folder."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN, AUTH, DATA, EXAMPLES, Server

TITLES = "SELECT ?t WHERE { ?p a <https://w3id.org/mpr#Passport> ; <http://purl.org/dc/terms/title> ?t }"
PAVILION_TITLE = ("SELECT ?t WHERE { ?p a <https://w3id.org/mpr#Passport> ; <http://purl.org/dc/terms/title> ?t "
                  "FILTER(STRENDS(STR(?p), '/passports/pavilion')) }")


def mpr(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "registry.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=300, env={**os.environ, **(env or {})})


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
def test_version_prints_the_package_version():
    from registry import __version__

    result = mpr("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"mpr {__version__}"


def test_token_created_already_expired_gets_a_warning(tmp_path):
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    result = mpr("token", "create", "--org", "acme", "--role", "builder", "--expires", yesterday,
                 "--data", str(tmp_path / "d"))
    assert result.returncode == 0, result.stderr
    assert f"warning: {yesterday} is past" in result.stderr


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("loaded") / "data"
    assert mpr("load", "--data", str(data), str(DATA / "minimal-passport.ttl")).returncode == 0
    return data


@pytest.mark.parametrize("name", ["json", "JSON"])
def test_query_short_name_json_gives_sparql_results_json(loaded, name):
    result = mpr("query", "--data", str(loaded), "-f", name, TITLES)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["results"]["bindings"][0]["t"]["value"] == "Test pavilion"


def test_query_short_name_tsv_gives_tab_separated_values(loaded):
    result = mpr("query", "--data", str(loaded), "-f", "tsv", TITLES)
    assert result.stdout.splitlines() == ["?t", '"Test pavilion"@en']


def test_query_short_name_json_gives_json_ld_for_a_graph(loaded):
    result = mpr("query", "--data", str(loaded), "-f", "json",
                 "CONSTRUCT { ?p <urn:title> ?t } WHERE { ?p <http://purl.org/dc/terms/title> ?t }")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["urn:title"][0]["@value"] == "Test pavilion"


def test_query_refuses_a_format_that_does_not_fit_the_query_form(loaded):
    result = mpr("query", "--data", str(loaded), "-f", "turtle", TITLES)
    assert result.returncode == 2 and "-f turtle does not fit a SELECT query" in result.stderr


def test_query_refuses_an_unknown_format_naming_the_short_names(loaded):
    result = mpr("query", "--data", str(loaded), "-f", "yaml", TITLES)
    assert result.returncode == 2 and "json, xml, csv, tsv, turtle, jsonld" in result.stderr


@pytest.fixture(scope="module")
def serving(tmp_path_factory) -> Iterator[Server]:
    """`mpr serve` holding its store, with one passport in it."""
    running = Server(tmp_path_factory.mktemp("serving") / "data", "--no-examples").start()
    put = httpx.put(f"{running.url}/passports/pavilion", content=(DATA / "minimal-passport.ttl").read_bytes(),
                    headers={**AUTH, "Content-Type": "text/turtle"}, timeout=120)
    assert put.status_code == 201, put.text
    yield running
    running.stop()


def beside(server: Server, *args: str, token: str | None = ADMIN) -> subprocess.CompletedProcess[str]:
    """`mpr` run on the server's data folder while the server holds it."""
    return mpr(*args, "--data", str(server.data), env={"MPR_ADMIN_TOKEN": token or "", "MPR_TOKEN": ""})


def test_query_beside_a_running_server_asks_the_server(serving):
    result = beside(serving, "query", PAVILION_TITLE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["t", "Test pavilion"]
    assert f"asking it at {serving.url}" in result.stderr


def test_indicators_beside_a_running_server_asks_the_server(serving):
    result = beside(serving, "indicators", "pavilion")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["passport"] == "pavilion"


def test_token_made_beside_a_running_server_works_against_it_at_once(serving):
    created = beside(serving, "token", "create", "--org", "acme-bouw", "--role", "builder")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    put = httpx.put(f"{serving.url}/passports/acme-shed", content=(DATA / "minimal-passport.ttl").read_bytes(),
                    headers={"Authorization": f"Bearer {secret}", "Content-Type": "text/turtle"}, timeout=120)
    assert put.status_code == 201, put.text


def test_token_list_and_revoke_beside_a_running_server(serving):
    secret = beside(serving, "token", "create", "--org", "acme-bouw", "--role", "auditor",
                    "--label", "audit 2027").stdout.strip()
    token_id = secret.split("_")[1]
    listed = beside(serving, "token", "list")
    assert token_id in listed.stdout and "audit 2027" in listed.stdout
    assert beside(serving, "token", "revoke", token_id).returncode == 0
    assert httpx.get(f"{serving.url}/health", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_token_create_beside_a_running_server_without_the_admin_token_is_refused(serving):
    result = beside(serving, "token", "create", "--org", "acme", "--role", "admin", token=None)
    assert result.returncode == 1
    assert "401" in result.stderr and "needs an admin token" in result.stderr
    assert "give --token, or set MPR_TOKEN or MPR_ADMIN_TOKEN" in result.stderr  # what to do, in CLI terms


def test_query_with_url_asks_that_server(serving, tmp_path):
    result = mpr("query", "--url", serving.url, "-f", "csv", PAVILION_TITLE, cwd=tmp_path)
    assert result.stdout.splitlines() == ["t", "Test pavilion"]


def test_load_beside_a_running_server_stores_through_it(serving, tmp_path):
    shed = tmp_path / "garden-shed.ttl"
    shed.write_bytes((DATA / "minimal-passport.ttl").read_bytes())
    result = beside(serving, "load", str(shed))
    assert result.returncode == 0, result.stderr
    assert httpx.get(f"{serving.url}/passports/garden-shed", timeout=120).status_code == 200


def test_load_beside_a_running_server_lists_the_violations_it_refused(serving, tmp_path):
    broken = tmp_path / "broken-shed.ttl"
    broken.write_bytes((DATA / "minimal-passport.ttl").read_bytes().replace(b"675.0", b"-675.0"))
    result = beside(serving, "load", str(broken))
    assert result.returncode == 1
    assert "422" in result.stderr and "10^9 kg" in result.stderr  # the violation, listed: negative mass
    assert httpx.get(f"{serving.url}/passports/broken-shed", timeout=120).status_code == 404


def test_match_beside_a_running_server_asks_the_server(serving):
    result = beside(serving, "match", "--json", str(EXAMPLES / "demands" / "timber-beams-amsterdam.ttl"))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["demand"]["wants"]


def test_urban_mine_report_beside_a_running_server_asks_the_server(serving):
    result = beside(serving, "report", "urban-mine", "-f", "csv")
    assert result.returncode == 0, result.stderr
    header, *rows = result.stdout.splitlines()
    assert header.startswith("passport,municipality,province,year,material,mass_kg")
    assert any(row.startswith("pavilion,") and row.split(",")[5] in ("675", "675.0") for row in rows), rows


def test_import_ifc_beside_a_running_server_stores_through_it(serving, tmp_path):
    model = tmp_path / "roof-slab.ifc"
    model.write_bytes((DATA / "ifc" / "slab-standard-case.ifc").read_bytes())
    result = beside(serving, "import-ifc", str(model))
    assert result.returncode == 0, result.stderr
    assert "imported roof-slab.ifc as passport roof-slab" in result.stdout
    report = json.loads(result.stderr[result.stderr.index("{"):])  # after the "asking it at" line
    assert report["source"] == "roof-slab.ifc"  # the file's name travels with it
    assert report["totals_by_material"]["concrete"]["volume_m3"] == 1.229533
    stored = httpx.get(f"{serving.url}/passports/roof-slab/indicators", timeout=120).json()
    # the report rounds to 10 g; the stored passport keeps the geometry's volume unrounded
    assert stored["total_mass_kg"] == pytest.approx(report["totals_by_material"]["concrete"]["mass_kg"], abs=0.01)


def test_import_sheet_beside_a_running_server_dry_run_prints_the_passport_and_stores_nothing(serving, tmp_path):
    from tests.test_import_spreadsheet import GOOD_CSV

    sheet = tmp_path / "dry-pavilion.csv"
    sheet.write_text(GOOD_CSV)
    result = beside(serving, "import-sheet", str(sheet), "--dry-run", token=None)  # a dry run needs no token
    assert result.returncode == 0, result.stderr
    assert "mpr:Passport" in result.stdout and '"source": "dry-pavilion.csv"' in result.stderr
    assert httpx.get(f"{serving.url}/passports/dry-pavilion", timeout=120).status_code == 404


def test_import_sheet_beside_a_running_server_lists_the_rows_it_refused(serving, tmp_path):
    from tests.test_import_spreadsheet import GOOD_CSV

    sheet = tmp_path / "bad-pavilion.csv"
    sheet.write_text(GOOD_CSV.replace("675", "lots"))
    result = beside(serving, "import-sheet", str(sheet))
    assert result.returncode == 1
    assert "422" in result.stderr and "csv row 4 column F (mass_kg)" in result.stderr
    assert httpx.get(f"{serving.url}/passports/bad-pavilion", timeout=120).status_code == 404


def test_import_epd_beside_a_running_server_stores_through_it(serving):
    result = beside(serving, "import-epd", str(DATA / "epd" / "calcium-silicate-block.ilcd.xml"))
    assert result.returncode == 0, result.stderr
    assert "as passport calcium-silicate-block" in result.stdout
    assert httpx.get(f"{serving.url}/passports/calcium-silicate-block", timeout=120).status_code == 200


def test_import_beside_a_running_server_without_a_token_is_refused(serving):
    result = beside(serving, "import-ifc", str(DATA / "ifc" / "slab-standard-case.ifc"), token=None)
    assert result.returncode == 1
    assert "401" in result.stderr
    assert httpx.get(f"{serving.url}/passports/slab-standard-case", timeout=120).status_code == 404


def test_tender_check_beside_a_running_server_asks_the_server(serving):
    table = beside(serving, "tender", "check", "eu-gpp-computers-monitors", "pavilion")
    assert table.returncode == 0, table.stderr
    assert "pavilion v1" in table.stdout and f"asking it at {serving.url}" in table.stderr
    answer = json.loads(beside(serving, "tender", "check", "eu-gpp-computers-monitors", "pavilion", "-f",
                               "json").stdout)
    assert answer["profile"].endswith("eu-gpp-computers-monitors") and len(answer["offers"]) == 1
    csv = beside(serving, "tender", "check", "eu-gpp-computers-monitors", "pavilion", "-f", "csv").stdout
    assert csv.startswith("rank,passport,version,admissible,score,criterion")


def test_tender_check_beside_a_running_server_passes_on_its_refusal(serving):
    result = beside(serving, "tender", "check", "no-such-profile", "pavilion")
    assert result.returncode == 1 and "404" in result.stderr and "holds this store" not in result.stderr


def test_mappings_beside_a_running_server_set_and_show_through_it(serving, tmp_path):
    table = tmp_path / "acme.csv"
    table.write_text("name,concept\nAquapanel,fibre-cement\nVloer kanaalplaat 200,hollow-core-slab,close\n")
    stored = beside(serving, "mappings", "set", "acme", str(table))
    assert stored.returncode == 0, stored.stderr
    assert "version 1, 2 names" in stored.stdout
    served = httpx.get(f"{serving.url}/organisations/acme/material-mappings", headers=AUTH, timeout=120).json()
    assert {m["name"] for m in served["mappings"]} == {"Aquapanel", "Vloer kanaalplaat 200"}
    shown = beside(serving, "mappings", "show", "acme", "--turtle")
    assert shown.returncode == 0, shown.stderr
    assert "skos:closeMatch <https://w3id.org/mpr/materials/hollow-core-slab>" in shown.stdout
    assert json.loads(beside(serving, "mappings", "show", "acme").stdout)["version"] == 1


def test_mappings_set_beside_a_running_server_refuses_an_unknown_concept_and_stores_nothing(serving, tmp_path):
    table = tmp_path / "bad.csv"
    table.write_text("Aquapanel,no-such-material\n")
    result = beside(serving, "mappings", "set", "bad-org", str(table))
    assert result.returncode == 1 and "400" in result.stderr and "no-such-material" in result.stderr
    assert httpx.get(f"{serving.url}/organisations/bad-org/material-mappings", headers=AUTH,
                     timeout=120).json()["version"] == 0


def test_verify_beside_a_running_server_asks_the_server(serving, tmp_path):
    credential = httpx.get(f"{serving.url}/passports/pavilion/credential", headers=AUTH, timeout=120)
    assert credential.status_code == 200, credential.text
    path = tmp_path / "pavilion.jwt"
    path.write_bytes(credential.content)
    result = beside(serving, "verify", str(path), token=None)  # verifying needs no token
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["verified"] is True
    path.write_bytes(credential.content[:-4] + b"AAAA")  # a forged signature
    forged = beside(serving, "verify", str(path), token=None)
    assert forged.returncode == 1 and "holds this store" not in forged.stderr


def test_tender_profiles_beside_a_running_server_lists_them_through_it(serving):
    result = beside(serving, "tender", "profiles")
    assert result.returncode == 0, result.stderr
    assert f"asking it at {serving.url}" in result.stderr
    assert "eu-gpp-computers-monitors (shipped)" in result.stdout


def test_factors_beside_a_running_server_set_and_show_through_it(serving):
    table = EXAMPLES / "tour" / "concrete-epds.csv"
    stored = beside(serving, "factors", "set", "acme", "concrete-epds", str(table), "--visibility", "public")
    assert stored.returncode == 0, stored.stderr
    assert "carbon factor set acme/concrete-epds: version 1," in stored.stdout and stored.stdout.strip().endswith(
        "public")
    served = httpx.get(f"{serving.url}/organisations/acme/carbon-factors/concrete-epds", timeout=120).json()
    assert served["version"] == 1 and served["visibility"] == "public"
    shown = json.loads(beside(serving, "factors", "show", "acme", "concrete-epds", "--version", "1").stdout)
    assert shown["factors"] == served["factors"]
    assert "@prefix" in beside(serving, "factors", "show", "acme", "concrete-epds", "--turtle").stdout


def test_factors_set_beside_a_running_server_passes_on_its_refusal_and_stores_nothing(serving, tmp_path):
    table = tmp_path / "bad.csv"
    table.write_text("material,module,value\nconcrete,A1-A3,not-a-number\n")
    result = beside(serving, "factors", "set", "bad-org", "bad-set", str(table))
    assert result.returncode == 1 and "holds this store" not in result.stderr
    assert "4" in result.stderr.split("answered ", 1)[1][:3]  # a 4xx, passed on
    assert httpx.get(f"{serving.url}/organisations/bad-org/carbon-factors/bad-set", headers=AUTH,
                     timeout=120).status_code == 404


def test_the_locked_store_hint_names_the_announced_server(tmp_path):
    from registry.cli import _locked_hint
    from registry.client import SERVER_FILE

    (tmp_path / SERVER_FILE).write_text(json.dumps({"url": "http://127.0.0.1:8009", "pid": os.getpid()}))
    hint = _locked_hint("IO error: While lock file: data/full/LOCK", tmp_path)
    assert "`mpr serve` at http://127.0.0.1:8009 holds this store" in hint


def test_urban_mine_report_beside_a_running_server_keeps_its_filters(serving):
    # the pavilion (tests/data/minimal-passport.ttl) lies in Utrecht; the filters went unsent before
    utrecht = beside(serving, "report", "urban-mine", "-f", "csv", "--province", "Utrecht")
    elsewhere = beside(serving, "report", "urban-mine", "-f", "csv", "--province", "Groningen")
    assert any(row.startswith("pavilion,") for row in utrecht.stdout.splitlines())
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert not any(row.startswith("pavilion,") for row in elsewhere.stdout.splitlines())
    before = beside(serving, "report", "urban-mine", "-f", "json", "--at", "2000-01-01")
    assert json.loads(before.stdout)["passports"] == []  # nothing was stored in 2000


def test_baseline_beside_a_running_server_asks_the_server(serving):
    result = beside(serving, "report", "baseline", "registry", "-f", "csv")
    assert result.returncode == 0, result.stderr
    assert f"asking it at {serving.url}" in result.stderr and result.stdout.strip()


def test_a_store_held_by_another_process_is_refused_with_a_pointer_to_url(tmp_path):
    from registry.store.oxigraph import OxigraphStore

    holder = OxigraphStore(tmp_path / "data" / "full")  # a process that announced no server
    try:
        result = mpr("query", "--data", str(tmp_path / "data"), TITLES)
    finally:
        holder.close()
    assert result.returncode == 2
    assert "another process holds this store" in result.stderr and "--url" in result.stderr


def test_a_second_server_on_the_same_store_leaves_the_first_one_announced(tmp_path):
    from registry.client import SERVER_FILE, announce, running_server

    first = json.dumps({"url": "http://127.0.0.1:8001", "pid": os.getpid()})  # a live process
    (tmp_path / SERVER_FILE).write_text(first)
    assert announce(tmp_path, "http://127.0.0.1:8002") is None
    assert running_server(tmp_path) == "http://127.0.0.1:8001"


def test_an_announcement_of_an_ended_process_is_ignored(tmp_path):
    from registry.client import SERVER_FILE, running_server

    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / SERVER_FILE).write_text(json.dumps({"url": "http://127.0.0.1:8001", "pid": int(ended.stdout)}))
    assert running_server(tmp_path) is None


def test_commands_on_a_store_made_under_another_base_url_keep_its_iris(tmp_path):
    data = str(tmp_path / "data")
    made = mpr("load", "--data", data, str(DATA / "minimal-passport.ttl"), env={"MPR_BASE_URL": "http://127.0.0.1:9000"})
    assert made.returncode == 0, made.stderr
    result = mpr("query", "--data", data, "SELECT ?p WHERE { ?p a <https://w3id.org/mpr#Passport> }")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["p", "http://127.0.0.1:9000/passports/minimal-passport"]
    assert "using the store's base URL http://127.0.0.1:9000" in result.stderr


def test_progress_stays_out_of_output_that_is_not_a_terminal(tmp_path):
    result = mpr("load", "--data", str(tmp_path / "data"), str(DATA / "minimal-passport.ttl"))
    assert result.returncode == 0, result.stderr
    assert "loading" not in result.stderr and "━" not in result.stderr


def test_progress_shows_on_a_terminal(tmp_path):
    import pty

    leader, follower = pty.openpty()
    files = [str(p) for p in sorted((EXAMPLES / "passports").glob("*.ttl"))]
    with subprocess.Popen([sys.executable, "-m", "registry.cli", "validate", "--no-warnings", *files],
                          stdout=subprocess.DEVNULL, stderr=follower, env={**os.environ, "TERM": "xterm"}) as run:
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closes when the process ends
                break
            if not chunk:
                break
            shown += chunk
        assert run.wait(300) == 0
    os.close(leader)
    assert b"validating" in shown and f"{len(files)}/{len(files)}".encode() in shown


def test_serve_keeps_the_base_url_its_store_was_made_under(tmp_path):
    data = tmp_path / "data"
    made = mpr("load", "--data", str(data), str(DATA / "minimal-passport.ttl"), env={"MPR_BASE_URL": "http://127.0.0.1:9"})
    assert made.returncode == 0, made.stderr
    server = Server(data, "--no-examples", env={"MPR_BASE_URL": ""}).start()
    try:
        listed = httpx.get(f"{server.url}/passports", headers={"Accept": "application/json"}, timeout=120).json()
    finally:
        server.stop()
    assert "http://127.0.0.1:9/passports/minimal-passport" in json.dumps(listed)
    assert any("serving under the store's base URL http://127.0.0.1:9" in line for line in server.log)


def test_serve_refuses_an_explicit_base_url_other_than_its_stores(tmp_path):
    data = tmp_path / "data"
    assert mpr("load", "--data", str(data), str(DATA / "minimal-passport.ttl"),
               env={"MPR_BASE_URL": "http://127.0.0.1:9"}).returncode == 0
    result = mpr("serve", "--data", str(data), "--base-url", "https://elsewhere.example")
    assert result.returncode == 2
    assert "minted under http://127.0.0.1:9" in result.stderr and "--base-url http://127.0.0.1:9" in result.stderr
