"""IFC import: real sample files (tests/data/ifc, see SOURCES.md there) and models authored with ifcopenshell.api."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from registry.concepts import ConceptScheme
from registry.importers.ifc import IfcImporter, ImportResult
from registry.settings import PROJECT_ROOT
from tests import ifc_authoring as authoring
from tests.conftest import AUTH, BASE, draft_store

IFC = Path(__file__).parent / "data" / "ifc"
MPR = "https://w3id.org/mpr#"
MAT = "https://w3id.org/mpr/materials/"
STEP = {"Content-Type": "application/x-step"}
P = """PREFIX mpr: <https://w3id.org/mpr#> PREFIX qudt: <http://qudt.org/schema/qudt/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX bot: <https://w3id.org/bot#> PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX unit: <http://qudt.org/vocab/unit/>
"""


@pytest.fixture(scope="module")
def importer() -> IfcImporter:
    return IfcImporter(ConceptScheme.load(PROJECT_ROOT / "ontology"), BASE)


def material_volumes(result: ImportResult) -> dict[str, float]:
    """Sum of composition volumes by material slug, read back from the Turtle (not from the report)."""
    rows = draft_store(result).query(P + "SELECT ?m (SUM(?v) AS ?total) WHERE { ?c mpr:material ?m ; mpr:volume "
                                     "[ qudt:numericValue ?v ; qudt:unit unit:M3 ] } GROUP BY ?m")
    return {row["m"].value.removeprefix(MAT): float(row["total"].value) for row in rows}


def cavity_wall_model(schema: str) -> bytes:
    model, storey, body = authoring.new_model(schema)
    layers = authoring.layer_set(model)
    authoring.add_wall(model, storey, layers, "W1", net_volume_m3=4.0, passport={
        "RecycledContent": 0.3, "ConnectionType": "mortared", "AvailableFrom": "2040-01-01",
        "GTIN": "08712345678906", "ProductType": "cavity-wall-type"})
    authoring.add_wall(model, storey, layers, "W2", geometry=(body, 5.0, 3.0, 0.4))
    return authoring.to_bytes(model)


# --- authored models ------------------------------------------------------------------------------


@pytest.mark.parametrize("schema", ["IFC2X3", "IFC4"])
def test_layer_volumes_split_by_thickness(importer, schema):
    result = importer.import_bytes(cavity_wall_model(schema), schema)
    # W1 4.0 m3 from its quantity set + W2 6.0 m3 from geometry, split 100/100/200 mm
    assert material_volumes(result) == pytest.approx({"brick": 2.5, "stone-wool": 2.5, "calcium-silicate": 5.0})


def test_quantity_set_wins_over_geometry(importer):
    result = importer.import_bytes(cavity_wall_model("IFC4"), "m")
    assert result.report.quantity_sources == {"quantity set": 1, "geometry": 1}


def wall_stating(gross_volume_m3: float) -> bytes:
    """A 5 x 3 m wall, 400 mm thick (6.0 m3 of geometry), whose quantity set states GrossSideArea 15 m2 and
    Width 400 (mm, the file's length unit) beside `gross_volume_m3`."""
    import ifcopenshell.api.pset

    model, storey, body = authoring.new_model("IFC4")
    wall = authoring.add_wall(model, storey, authoring.layer_set(model), "W1", geometry=(body, 5.0, 3.0, 0.4))
    qto = ifcopenshell.api.pset.add_qto(model, product=wall, name="Qto_WallBaseQuantities")
    ifcopenshell.api.pset.edit_qto(model, qto=qto, properties={
        "GrossSideArea": 15.0, "Width": 400.0, "GrossVolume": gross_volume_m3})
    return authoring.to_bytes(model)


def test_a_stated_volume_with_slipped_units_gives_way_to_the_geometry(importer):
    # Revit through Xbim (youshengCode/IfcSampleFiles Ifc4_SampleHouse.ifc) states slabs' GrossVolume as
    # GrossArea (m2) x Width (mm): 15 m2 x 400 mm = 6000 "m3", 1000 times the wall's 15 x 0.4 = 6.0 m3.
    result = importer.import_bytes(wall_stating(6000.0), "m")
    assert result.report.quantity_sources == {"geometry": 1}
    assert sum(material_volumes(result).values()) == pytest.approx(6.0)
    (warning,) = result.report.warnings
    assert "volume 6000 m3 is 1e+03 times its GrossSideArea x Width (6 m3)" in warning
    assert "the geometry's volume is used" in warning


def test_a_stated_volume_near_its_dimensions_is_kept(importer):
    result = importer.import_bytes(wall_stating(5.4), "m")  # 0.9 x 15 x 0.4: an opening, not a slip
    assert result.report.quantity_sources == {"quantity set": 1}
    assert sum(material_volumes(result).values()) == pytest.approx(5.4)
    assert result.report.warnings == []


STEP_HEAD = ("ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION((),'2;1');\nFILE_NAME('','',(),(),'','','');\n"
             "FILE_SCHEMA(('IFC4'));\nENDSEC;\nDATA;\n")


@pytest.mark.parametrize("entities", [
    # a wall whose GlobalId, owner history and name are another wall (ifcopenshell opens this without complaint)
    "#1=IFCWALL('1O2Fr$t4X7Zf8NOew3FLOH',$,'A',$,$,$,$,$,$);\n#2=IFCWALL(#1,#1,#1);\n",
    # a material whose name is a wall
    "#1=IFCWALL('1O2Fr$t4X7Zf8NOew3FLOH',$,'A',$,$,$,$,$,$);\n#3=IFCMATERIAL(#1,$,$);\n"
    "#4=IFCRELASSOCIATESMATERIAL('3O2Fr$t4X7Zf8NOew3FLOH',$,$,$,(#1),#3);\n",
])
def test_entities_that_break_the_schema_are_a_clear_400(client, entities):
    model = (STEP_HEAD + entities + "ENDSEC;\nEND-ISO-10303-21;\n").encode()
    response = client.post("/imports/ifc?dry_run=true", content=model, headers=STEP)
    assert response.status_code == 400, response.text
    assert "do not follow the IFC schema" in response.json()["detail"]


def test_mass_from_typical_density_names_its_source(importer):
    result = importer.import_bytes(cavity_wall_model("IFC4"), "m")
    rows = list(draft_store(result).query(P + "SELECT ?kg ?src WHERE { ?c mpr:material <" + MAT + "calcium-silicate> ; "
                                          "mpr:mass [ qudt:numericValue ?kg ; dcterms:source ?src ] }"))
    assert sorted(float(r["kg"].value) for r in rows) == pytest.approx([3600.0, 5400.0])  # 2.0 and 3.0 m3 x 1800
    assert all("EN 771-2" in r["src"].value for r in rows)


def test_stated_mass_quantity_is_used_for_a_single_material(importer):
    model, storey, _body = authoring.new_model("IFC4")
    authoring.add_wall(model, storey, authoring.layer_set(model, [("Beton C30/37", 200.0)]), "W",
                       net_volume_m3=1.0, mass_kg=2345.0)
    result = importer.import_bytes(authoring.to_bytes(model), "m")
    assert result.report.totals_by_material["concrete"].mass_kg == pytest.approx(2345.0)


def test_passport_property_set_is_read(importer):
    store = draft_store(importer.import_bytes(cavity_wall_model("IFC4"), "m"))
    ask = P + """PREFIX schema: <https://schema.org/> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
        ASK { ?e rdfs:label "W1" ; mpr:connectionType <https://w3id.org/mpr/connections/mortared> ;
              mpr:availableFrom "2040-01-01"^^xsd:date ; schema:gtin "08712345678906" ;
              mpr:instanceOf <""" + BASE + """/passports/cavity-wall-type> ;
              mpr:composedOf [ mpr:recycledContent 0.3 ] }"""
    assert store.query(ask)


def test_feet_are_converted(importer):
    model, storey, body = authoring.new_model("IFC4", length_unit="FOOT")
    authoring.add_wall(model, storey, authoring.layer_set(model, [("Beton C30/37", 1.0)]), "W",
                       geometry=(body, 3.048, 3.048, 0.3048))  # 10 ft x 10 ft x 1 ft
    result = importer.import_bytes(authoring.to_bytes(model), "feet")
    assert material_volumes(result)["concrete"] == pytest.approx(100 * 0.3048**3, rel=1e-6)


def test_spatial_structure_becomes_bot(importer):
    store = draft_store(importer.import_bytes(cavity_wall_model("IFC2X3"), "m"))
    assert store.query(P + "ASK { ?p a mpr:Passport ; mpr:describes ?b . ?s a bot:Site ; bot:hasBuilding ?b . "
                       "?b a bot:Building ; bot:hasStorey ?st . ?st a bot:Storey ; bot:hasElement ?e1, ?e2 . "
                       "?e1 a bot:Element ; dcterms:type \"IfcWall\" . FILTER(?e1 != ?e2) }")


# --- real sample files ------------------------------------------------------------------------------


def test_slab_geometry_volume_matches_sources(importer):
    result = importer.import_path(IFC / "slab-standard-case.ifc")
    assert material_volumes(result) == pytest.approx({"concrete": 1.229533}, rel=1e-5)


def test_profile_set_beams_are_structural_steel(importer):
    result = importer.import_path(IFC / "standard_case_element_beam.ifc")
    assert result.report.elements == 18
    assert material_volumes(result)["structural-steel"] == pytest.approx(9 * 0.006682 + 9 * 0.008081, rel=1e-3)


def test_geometry_in_file_units_is_scaled_when_the_engine_cannot_tell(importer):
    # Two IfcContexts: the engine returns mm; SOURCES.md gives the wall as 1.5 m3 (1.8 minus a 0.3 opening).
    result = importer.import_path(IFC / "building_element_configuration_wall.ifc")
    store = draft_store(result)
    rows = list(store.query(P + "SELECT ?v WHERE { ?e dcterms:type \"IfcWallStandardCase\" ; "
                            "mpr:volume [ qudt:numericValue ?v ] }"))
    assert float(rows[0]["v"].value) == pytest.approx(1.5, rel=1e-6)


def test_qto_gross_volume_from_revit(importer):
    result = importer.import_path(IFC / "WallInstance_IFC4Add2.ifc")
    rows = list(draft_store(result).query(P + "SELECT ?v ?src WHERE { ?e a bot:Element ; "
                                          "mpr:volume [ qudt:numericValue ?v ; dcterms:source ?src ] }"))
    assert float(rows[0]["v"].value) == pytest.approx(18.23022)
    assert rows[0]["src"].value == "IFC quantity set"


def test_revit_default_wall_name_is_a_placeholder_with_its_volume(importer):
    # '默认墙' is Revit's "default wall": it names no material, so it is listed apart from readable names.
    report = importer.import_path(IFC / "WallInstance_IFC4Add2.ifc").report.as_dict()
    assert report["placeholder_names"] == [{"name": "默认墙", "elements": 1, "volume_m3": 18.23022}]
    assert report["unmapped_names"] == []


def test_unmapped_names_are_listed_with_volume_and_count(importer):
    # ArchiCAD IfcMaterialList of 5 Norwegian names, NetVolume 11.9686 m3, split equally: 11.9686 / 5 = 2.39372.
    report = importer.import_path(IFC / "380--wall--missing-subtraction--2--augmented.ifc").report.as_dict()
    assert report["unmapped_names"] == [
        {"name": "Utvendig kledning - Stående", "elements": 1, "volume_m3": pytest.approx(2.39372)}]


def test_net_volume_is_preferred_over_gross(importer):
    result = importer.import_path(IFC / "380--wall--missing-subtraction--2--augmented.ifc")
    (row,) = list(draft_store(result).query(P + "SELECT ?v WHERE { ?e a bot:Element ; "
                                            "mpr:volume [ qudt:numericValue ?v ] }"))
    assert float(row["v"].value) == pytest.approx(11.9686)  # ARCHICAD BaseQuantities: Net 11.9686, Gross 13.1318


def test_material_list_without_fractions_is_split_equally_as_a_stated_assumption(importer):
    result = importer.import_path(IFC / "380--wall--missing-subtraction--2--augmented.ifc")
    (assumption,) = result.report.assumptions
    assert "IfcMaterialList of 5 materials" in assumption and "assumption" in assumption
    volumes = material_volumes(result)
    # Massivtre (CLT) solid: 11.9686 / 5 = 2.39372 m3; Sløyfe and Lekt battens 8 %: 2.39372 x 0.08 = 0.191498 each;
    # Bindingsverk (studs) 15 %: 2.39372 x 0.15 = 0.359058; softwood 0.191498 x 2 + 0.359058 = 0.742054.
    assert volumes == pytest.approx({"clt": 2.39372, "softwood": 0.742054}, rel=1e-5)
    assert draft_store(result).query(P + 'ASK { ?c rdfs:label "Massivtre" ; '
                                     '<http://www.w3.org/ns/prov#qualifiedDerivation> '
                                     '[ mpr:matchRule ?rule ] FILTER(CONTAINS(?rule, "split equally")) }')


def test_revit_layers_map_through_aliases(importer):
    result = importer.import_path(IFC / "revit2014_multiple_bounded_halfspaces.ifc")
    assert result.report.unmapped_materials == {}
    volumes = material_volumes(result)
    assert set(volumes) == {"cement-screed", "insulation", "concrete-block", "precast-concrete"}
    assert sum(volumes.values()) == pytest.approx(2.322778, rel=1e-5)
    assert volumes["cement-screed"] == pytest.approx(2.322778 * 65 / 320, rel=1e-5)


def test_window_constituents_without_fractions_are_split_equally_and_said_so(importer):
    result = importer.import_path(IFC / "building_element_configuration_wall.ifc")
    assert list(result.report.assumptions) == [
        "constituent set of 2 materials without fractions: volume split equally (assumption)"]
    assert "Name of the material used for the wall" in result.report.unmapped_materials


# --- HTTP -----------------------------------------------------------------------------------------


def test_post_ifc_stores_a_valid_passport(client):
    response = client.post("/imports/ifc", content=(IFC / "slab-standard-case.ifc").read_bytes(),
                           headers={**AUTH, **STEP, "Slug": "slab"})
    assert response.status_code == 201, response.text
    assert response.json()["report"]["elements_imported"] == 1
    assert client.get("/passports/slab", headers={"Accept": "text/turtle"}).status_code == 200


def test_multipart_upload(client):
    files = {"file": ("beam.ifc", (IFC / "standard_case_element_beam.ifc").read_bytes(), "application/octet-stream")}
    response = client.post("/imports/ifc", files=files, headers=AUTH)
    assert response.status_code == 201, response.text


def test_dry_run_returns_passport_and_report_without_storing(client):
    response = client.post("/imports/ifc?dry_run=true", content=cavity_wall_model("IFC4"), headers={**AUTH, **STEP})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["validation"]["conforms"] is True
    assert "mpr:Passport" in body["passport"]
    assert body["report"]["elements_imported"] == 2
    assert client.get("/passports").json()["total"] == 0


def test_import_needs_write_rights(client):
    response = client.post("/imports/ifc", content=cavity_wall_model("IFC4"), headers=STEP)
    assert response.status_code == 401


@pytest.mark.parametrize(("body", "status", "words"), [
    (b"PK\x03\x04 not an ifc at all", 400, "not an IFC file"),
    ((IFC / "slab-standard-case.ifc").read_bytes()[:1500], 400, "truncated"),
    ((IFC / "slab-standard-case.ifc").read_bytes().replace(b"'IFC4'", b"'IFC2X2_FINAL'"), 415, "IFC2X2_FINAL"),
])
def test_bad_ifc_is_refused_and_nothing_stored(client, body, status, words):
    response = client.post("/imports/ifc", content=body, headers={**AUTH, **STEP})
    assert response.status_code == status
    assert words in response.json()["detail"]
    assert client.get("/passports").json()["total"] == 0


def test_oversized_upload_is_refused(client, core):
    core.settings.max_body_bytes = 1000
    response = client.post("/imports/ifc", content=(IFC / "slab-standard-case.ifc").read_bytes(),
                           headers={**AUTH, **STEP})
    assert response.status_code == 413


def test_wrong_media_type_is_refused(client):
    response = client.post("/imports/ifc", content=b"{}", headers={**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 415


# --- CLI --------------------------------------------------------------------------------------------


def test_cli_import_ifc_stores_into_the_local_store(tmp_path):
    data = tmp_path / "data"
    result = subprocess.run([sys.executable, "-m", "registry.cli", "import-ifc", str(IFC / "slab-standard-case.ifc"),
                             "--data", str(data)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "as passport slab-standard-case" in result.stdout
    query = subprocess.run([sys.executable, "-m", "registry.cli", "query", "--data", str(data), "-f", "text/csv",
                            f"ASK {{ ?c <{MPR}material> <{MAT}concrete> }}"], capture_output=True, text=True)
    assert query.returncode == 0, query.stderr
    assert "true" in query.stdout


def test_site_reference_location_becomes_wkt(importer):
    store = draft_store(importer.import_path(IFC / "WallInstance_IFC4Add2.ifc"))
    (row,) = list(store.query(P + "PREFIX geo: <http://www.opengis.net/ont/geosparql#> SELECT ?wkt WHERE { "
                              "?p mpr:describes [ geo:hasGeometry [ geo:asWKT ?wkt ] ] }"))
    lon, lat = (float(x) for x in row["wkt"].value.removeprefix("POINT(").rstrip(")").split())
    assert (lon, lat) == pytest.approx((116 + 25 / 60 + 58.795166 / 3600, 39 + 54 / 60 + 57.601318 / 3600))
