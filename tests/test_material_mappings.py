"""Organisation material-mapping tables: SKOS, versioned, written only by the organisation, applied on import."""

from __future__ import annotations

import pytest
from pyoxigraph import RdfFormat, Store

from tests import ifc_authoring as authoring
from tests.conftest import AUTH

MAT = "https://w3id.org/mpr/materials/"
JSON = {"Content-Type": "application/json"}
STEP = {"Content-Type": "application/x-step"}
PATH = "/organisations/acme/material-mappings"
TABLE = {"mappings": [{"name": "Aquapanel", "concept": "fibre-cement"},
                      {"name": "Vloer kanaalplaat 200", "concept": MAT + "hollow-core-slab", "relation": "close"}]}


def token(client, organisation: str, role: str = "builder") -> dict[str, str]:
    _info, secret = client.app.state.registry.tokens.create(organisation, role)
    return {"Authorization": f"Bearer {secret}"}


def test_member_writes_a_version_and_reads_it_back(client):
    acme = token(client, "acme")
    response = client.put(PATH, json=TABLE, headers=acme)
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == '"acme-material-mappings-v1"'
    body = client.get(PATH, headers=acme).json()
    assert body["version"] == 1
    assert body["mappings"] == [
        {"name": "Aquapanel", "concept": MAT + "fibre-cement", "relation": "exact"},
        {"name": "Vloer kanaalplaat 200", "concept": MAT + "hollow-core-slab", "relation": "close"}]


def test_table_is_skos_with_mapping_properties(client):
    acme = token(client, "acme")
    client.put(PATH, json=TABLE, headers=acme)
    turtle = client.get(PATH, headers={**acme, "Accept": "text/turtle"}).content
    store = Store()
    store.load(turtle, RdfFormat.TURTLE)
    assert store.query("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> ASK { ?c skos:prefLabel "
                       f"\"Vloer kanaalplaat 200\" ; skos:closeMatch <{MAT}hollow-core-slab> ; skos:inScheme ?s . "
                       "?s a skos:ConceptScheme }")


def test_stale_version_is_refused_and_the_table_unchanged(client):
    acme = token(client, "acme")
    client.put(PATH, json=TABLE, headers=acme)
    client.put(PATH, json={"mappings": []}, headers={**acme, "If-Match": '"acme-material-mappings-v1"'})
    stale = client.put(PATH, json=TABLE, headers={**acme, "If-Match": '"acme-material-mappings-v1"'})
    assert stale.status_code == 412
    assert client.get(PATH, headers=acme).json() | {"modified": None} == {
        "organisation": "acme", "version": 2, "modified": None, "modified_by": "token " + _token_id(client, "acme"),
        "mappings": []}


def _token_id(client, organisation: str) -> str:
    tokens = client.app.state.registry.tokens
    return next(t.id for t in tokens.list() if t.organisation == organisation)


def test_other_organisations_may_neither_write_nor_read(client):
    client.put(PATH, json=TABLE, headers=token(client, "acme"))
    other = token(client, "rival")
    assert client.put(PATH, json={"mappings": []}, headers=other).status_code == 403
    read = client.get(PATH, headers=other)
    assert read.status_code == 404 and "Aquapanel" not in read.text
    assert client.get(PATH).status_code == 404
    assert client.get(PATH, headers=AUTH).json()["version"] == 1  # admin reads, the table is unchanged


def test_unknown_concept_is_a_400_naming_the_entry(client):
    response = client.put(PATH, json={"mappings": [{"name": "Aquapanel", "concept": "cement board"}]},
                          headers=token(client, "acme"))
    assert response.status_code == 400
    assert "unknown material concept 'cement board'" in response.json()["detail"]
    assert client.get(PATH, headers=AUTH).json()["version"] == 0


def test_body_that_is_not_a_table_is_a_400(client):
    acme = token(client, "acme")
    assert client.put(PATH, content=b"[1, 2", headers={**acme, **JSON}).status_code == 400
    assert client.put(PATH, json={"mappings": [{"name": ""}]}, headers=acme).status_code == 400
    odd = {"mappings": [{"name": "Aquapanel", "concept": "fibre-cement", "relation": ["exact"]}]}
    assert client.put(PATH, json=odd, headers=acme).status_code == 400
    assert client.put(PATH, json={"mappings": "Aquapanel"}, headers=acme).status_code == 400
    assert client.put(PATH, content=b"a,b", headers={**acme, "Content-Type": "text/csv"}).status_code == 415


def aquapanel_wall() -> bytes:
    model, storey, _body = authoring.new_model("IFC4")
    layers = authoring.layer_set(model, [("Aquapanel", 12.5), ("Kalkzandsteen", 87.5)])
    authoring.add_wall(model, storey, layers, "W", net_volume_m3=2.0)
    return authoring.to_bytes(model)


def test_import_applies_the_table_and_reports_the_share_before_and_after(client):
    acme = token(client, "acme")
    client.put(PATH, json=TABLE, headers=acme)
    response = client.post("/imports/ifc?dry_run=true&mappings=acme", content=aquapanel_wall(),
                           headers={**acme, **STEP})
    assert response.status_code == 200, response.text
    share = response.json()["report"]["mapped_share"]
    # 2.0 m3 wall, layers 12.5 + 87.5 mm: Aquapanel 0.25 m3, calcium silicate 1.75 m3.
    # Rules alone: 1.75 / 2.0 = 0.875; with the table Aquapanel -> fibre cement: 2.0 / 2.0 = 1.0.
    assert share["share_before_organisation_mappings"] == 0.875
    assert share["share"] == 1.0
    assert "organisation mapping" in response.json()["passport"]


def test_import_with_another_organisations_table_is_refused(client):
    client.put(PATH, json=TABLE, headers=token(client, "acme"))
    response = client.post("/imports/ifc?dry_run=true&mappings=acme", content=aquapanel_wall(),
                           headers={**token(client, "rival"), **STEP})
    assert response.status_code == 404


def test_cli_sets_and_shows_a_table(tmp_path):
    import subprocess
    import sys

    table = tmp_path / "acme.csv"
    table.write_text("name,concept\nAquapanel,fibre-cement\nVloer kanaalplaat 200,hollow-core-slab,close\n")
    data = tmp_path / "data"
    done = subprocess.run([sys.executable, "-m", "registry.cli", "mappings", "set", "acme", str(table), "--data",
                           str(data)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "version 1, 2 names" in done.stdout
    shown = subprocess.run([sys.executable, "-m", "registry.cli", "mappings", "show", "acme", "--turtle", "--data",
                            str(data)], capture_output=True, text=True, timeout=300)
    assert shown.returncode == 0, shown.stderr
    assert "skos:closeMatch <https://w3id.org/mpr/materials/hollow-core-slab>" in shown.stdout


def test_cli_import_applies_the_local_table(tmp_path):
    import subprocess
    import sys

    data, table, model = tmp_path / "data", tmp_path / "acme.csv", tmp_path / "wall.ifc"
    table.write_text("name,concept\nAquapanel,fibre-cement\n")
    model.write_bytes(aquapanel_wall())
    subprocess.run([sys.executable, "-m", "registry.cli", "mappings", "set", "acme", str(table), "--data", str(data)],
                   check=True, capture_output=True, timeout=300)
    done = subprocess.run([sys.executable, "-m", "registry.cli", "import-ifc", str(model), "--dry-run", "--mappings",
                           "acme", "--data", str(data)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert '"share_before_organisation_mappings": 0.875' in done.stderr
    assert "fibre-cement" in done.stdout


def test_spreadsheet_import_applies_the_table(client):
    from registry.importers.spreadsheet import HEADERS

    acme = token(client, "acme")
    client.put(PATH, json=TABLE, headers=acme)
    sheet = ",".join(HEADERS) + "\nB-1,Pavilion,,building\nP-1,Panel,B-1,element,Aquapanel,,0.5\n"
    refused = client.post("/imports/spreadsheet?dry_run=true", content=sheet.encode(),
                          headers={**acme, "Content-Type": "text/csv"})
    assert refused.status_code == 422  # the vocabulary does not know 'Aquapanel'
    mapped = client.post("/imports/spreadsheet?dry_run=true&mappings=acme", content=sheet.encode(),
                         headers={**acme, "Content-Type": "text/csv"})
    assert mapped.status_code == 200, mapped.text
    totals = mapped.json()["report"]["totals_by_material"]
    assert totals == {"fibre-cement": {"mass_kg": pytest.approx(0.5 * 1600), "volume_m3": 0.5}}  # 800 kg


HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def test_page_shows_the_members_table_with_concept_labels(client):
    acme = token(client, "acme")
    client.put(PATH, json=TABLE, headers=acme)
    page = client.get(PATH, headers={**acme, **HTML})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Aquapanel" in page.text and "Vloer kanaalplaat 200" in page.text
    assert f'href="{MAT}hollow-core-slab"' in page.text and "Version 1" in page.text


def test_page_is_a_404_to_another_organisation_and_reveals_no_name(client):
    client.put(PATH, json=TABLE, headers=token(client, "acme"))
    for headers in ({**token(client, "rival"), **HTML}, HTML):
        page = client.get(PATH, headers=headers)
        assert page.status_code == 404 and "Aquapanel" not in page.text


def test_page_keeps_a_name_that_could_end_its_script_inside_it(client):
    acme = token(client, "acme")
    client.put(PATH, json={"mappings": [{"name": "</script><b>x", "concept": "fibre-cement"}]}, headers=acme)
    page = client.get(PATH, headers={**acme, **HTML}).text
    assert "</script><b>" not in page and "\\u003c/script\\u003e\\u003cb\\u003ex" in page


def test_page_and_json_vary_by_accept_and_only_the_json_carries_the_etag(client):
    acme = token(client, "acme")
    client.put(PATH, json=TABLE, headers=acme)
    page, table = client.get(PATH, headers={**acme, **HTML}), client.get(PATH, headers=acme)
    assert "ETag" not in page.headers and table.headers["ETag"] == '"acme-material-mappings-v1"'
    for response in (page, table):
        assert {"Accept", "Authorization"} <= {v.strip() for v in response.headers["Vary"].split(",")}
