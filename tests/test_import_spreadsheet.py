"""Spreadsheet import: the XLSX template and CSV, every problem located by sheet/row/column, all or nothing."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile

import openpyxl
import pytest

from registry.concepts import ConceptScheme
from registry.importers.spreadsheet import HEADERS, SheetImporter, template_bytes
from registry.settings import PROJECT_ROOT
from tests.conftest import AUTH, BASE, draft_store

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = {"Content-Type": "text/csv"}
P = "PREFIX mpr: <https://w3id.org/mpr#> PREFIX qudt: <http://qudt.org/schema/qudt/> PREFIX bot: <https://w3id.org/bot#>\n"

GOOD_CSV = ",".join(HEADERS) + """
B-1,Pavilion,,building,,,,,,2030-01-01,5.1214 52.0907,
S-0,Ground floor,B-1,storey,,,,,,,,
C-1,Column C1,S-0,element,gewapend beton,675,,10%,bolted,2030-01-01,,
W-1,Wall,S-0,element,Kalkzandsteen,,2.0,0.2,mortared,,,
"""


@pytest.fixture(scope="module")
def importer() -> SheetImporter:
    return SheetImporter(ConceptScheme.load(PROJECT_ROOT / "ontology"), BASE)


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "elements"
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def problems_of(response) -> list[dict]:
    return response.json()["problems"]


def test_csv_becomes_topology_and_compositions(importer):
    result = importer.import_bytes(GOOD_CSV.encode(), "sheet.csv", "csv")
    store = draft_store(result)
    assert store.query(P + "ASK { ?p a mpr:Passport ; mpr:describes ?b . ?b a bot:Building ; bot:hasStorey ?s . "
                       "?s bot:hasElement ?c . ?c mpr:composedOf [ mpr:recycledContent 0.1 ; "
                       "mpr:material <https://w3id.org/mpr/materials/reinforced-concrete> ] }")


def test_mass_is_estimated_from_volume(importer):
    result = importer.import_bytes(GOOD_CSV.encode(), "sheet.csv", "csv")
    assert result.report.totals_by_material["calcium-silicate"]["mass_kg"] == pytest.approx(3600.0)
    assert result.report.estimated_masses == 1


def test_semicolon_csv_with_decimal_commas(importer):
    text = GOOD_CSV.replace(",", ";").replace("5.1214 52.0907", "5,1214 52,0907").replace("2.0", "2,0")
    result = importer.import_bytes(text.encode(), "nl.csv", "csv")
    assert result.report.totals_by_material["calcium-silicate"]["volume_m3"] == pytest.approx(2.0)


def test_template_has_the_documented_columns(client):
    response = client.get("/imports/spreadsheet/template")
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["elements"]
    assert tuple(c.value for c in sheet[1]) == HEADERS


def test_the_template_itself_imports(client):
    response = client.post("/imports/spreadsheet", content=template_bytes(),
                           headers={**AUTH, "Content-Type": XLSX, "Slug": "from-template"})
    assert response.status_code == 201, response.text
    assert response.json()["report"]["elements_imported"] == 1


def test_xlsx_multipart_upload_stores_a_passport(client):
    rows = [list(HEADERS), ["B", "Shed", None, "building"] + [None] * 8,
            ["E", "Beam", "B", "element", "S355", 120.5] + [None] * 6]
    files = {"file": ("shed.xlsx", xlsx(rows), XLSX)}
    response = client.post("/imports/spreadsheet", files=files, headers=AUTH)
    assert response.status_code == 201, response.text
    assert client.get("/passports").json()["total"] == 1


def test_every_problem_has_sheet_row_and_column_and_nothing_is_stored(client):
    rows = [list(HEADERS),
            ["B", "Shed", None, "building"] + [None] * 8,
            ["E1", "Beam", "B", "element", "S355", "heavy"] + [None] * 6,
            ["E2", "Panel", "B", "element", "unobtainium", None, None, "150%"] + [None] * 4,
            ["E3", "Door", "X", "element", None, None, None, None, "duct tape", "next year", "52.09", None]]
    response = client.post("/imports/spreadsheet", content=xlsx(rows), headers={**AUTH, "Content-Type": XLSX})
    assert response.status_code == 422
    found = {(p["sheet"], p["row"], p["column"]) for p in problems_of(response)}
    assert found == {
        ("elements", 3, "F (mass_kg)"),
        ("elements", 4, "E (material)"),
        ("elements", 4, "H (recycled_content)"),
        ("elements", 5, "C (parent)"),
        ("elements", 5, "I (connection_type)"),
        ("elements", 5, "J (available_from)"),
        ("elements", 5, "K (location)"),
    }
    assert client.get("/passports").json()["total"] == 0


def test_text_where_a_number_belongs_reads_like_advice(client):
    text = GOOD_CSV.replace("675", "675 kg")
    response = client.post("/imports/spreadsheet", content=text.encode(), headers={**AUTH, **CSV})
    assert response.status_code == 422
    (problem,) = problems_of(response)
    assert problem["row"] == 4
    assert "'675 kg' is not a number of kg" in problem["message"]


def test_wrong_headers_are_named(client):
    text = GOOD_CSV.replace("mass_kg", "weight")
    response = client.post("/imports/spreadsheet", content=text.encode(), headers={**AUTH, **CSV})
    assert response.status_code == 422
    messages = " ".join(p["message"] for p in problems_of(response))
    assert "'weight' is not in the template" in messages


def test_unknown_material_suggests_names(client):
    text = GOOD_CSV.replace("Kalkzandsteen", "Kalkzandsteen blokken CS12")
    response = client.post("/imports/spreadsheet", content=text.encode(), headers={**AUTH, **CSV})
    assert response.status_code == 201, response.text  # the fuzzy matcher finds kalkzandsteen
    text = GOOD_CSV.replace("Kalkzandsteen", "Wibble")
    response = client.post("/imports/spreadsheet", content=text.encode(), headers={**AUTH, **CSV})
    assert "did you mean" in problems_of(response)[0]["message"]


def test_zip_bomb_is_refused_before_opening(client):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (300 * 1024 * 1024))
    body = out.getvalue()
    assert len(body) < 1024 * 1024
    response = client.post("/imports/spreadsheet", content=body, headers={**AUTH, "Content-Type": XLSX})
    assert response.status_code == 413
    assert "unpacks to" in response.json()["detail"]


def test_not_a_workbook_is_a_400(client):
    response = client.post("/imports/spreadsheet", content=b"hello", headers={**AUTH, "Content-Type": XLSX})
    assert response.status_code == 400


def test_unsupported_media_type(client):
    response = client.post("/imports/spreadsheet", content=b"{}", headers={**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 415


def test_cli_import_sheet(tmp_path):
    sheet = tmp_path / "pavilion.csv"
    sheet.write_text(GOOD_CSV)
    result = subprocess.run([sys.executable, "-m", "registry.cli", "import-sheet", str(sheet),
                             "--data", str(tmp_path / "data")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "as passport pavilion" in result.stdout


def test_cli_import_sheet_lists_problems(tmp_path):
    sheet = tmp_path / "bad.csv"
    sheet.write_text(GOOD_CSV.replace("675", "lots"))
    result = subprocess.run([sys.executable, "-m", "registry.cli", "import-sheet", str(sheet),
                             "--data", str(tmp_path / "data")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "csv row 4 column F (mass_kg)" in result.stderr


def test_classification_and_layer_columns(importer):
    text = ",".join(HEADERS) + """
B-1,Pavilion,,building,,,,,,2030-01-01,5.1214 52.0907,,,
S-0,Ground floor,B-1,storey,,,,,,,,,,
W-1,Facade,S-0,element,Kalkzandsteen,,2.0,,,,,,NL-SfB 21.12,
W-2,Partition,S-0,element,Kalkzandsteen,,1.0,,,,,,NL-SfB 22.11,structure
"""
    result = importer.import_bytes(text.encode(), "s.csv", "csv")
    store = draft_store(result)
    layer = "https://w3id.org/mpr/layers/"
    query = ("PREFIX mpr: <https://w3id.org/mpr#> PREFIX dcterms: <http://purl.org/dc/terms/> "
             "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT ?id ?code ?layer WHERE { "
             "?e dcterms:identifier ?id ; dcterms:subject [ skos:notation ?code ] ; mpr:shearingLayer ?layer }")
    rows = {r["id"].value: (r["code"].value, r["layer"].value) for r in store.query(query)}
    # NL-SfB 21 (external walls) -> skin; a stated layer wins over the classification's.
    assert rows == {"W-1": ("21.12", layer + "skin"), "W-2": ("22.11", layer + "structure")}


def test_sheet_composition_records_its_match(importer):
    text = GOOD_CSV.replace("Kalkzandsteen", "Masonry - Concrete Block")
    result = importer.import_bytes(text.encode(), "s.csv", "csv")
    assert result.report.as_dict()["matches_to_review"] == [{
        "name": "Masonry - Concrete Block", "concept": "https://w3id.org/mpr/materials/concrete-block",
        "method": "name part", "score": 0.9,
        "rule": "Revit 'Category - Name': the name part 'Concrete Block' decides"}]
    assert b'mpr:matchedText "Concrete Block"' in result.turtle


def test_cli_writes_the_template_with_classification_and_layer(tmp_path):
    target = tmp_path / "template.xlsx"
    done = subprocess.run([sys.executable, "-m", "registry.cli", "import-sheet", "--template", str(target)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    header = [c.value for c in openpyxl.load_workbook(target)["elements"][1]]
    assert header[-2:] == ["classification", "layer"]
