"""Whole models in, masses out: the German ArchiCAD FZK-Haus and the Revit Duplex (tests/data/ifc, SOURCES.md),
and authored models with the names of a Tekla precast model and a Revit model on a Spanish template.

Every expected figure is worked out by hand beside the assertion: volume (quantity set or geometry) x share x
typical density of ontology/materials.ttl.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from registry.concepts import ConceptScheme
from registry.importers.ifc import IfcImporter, ImportResult
from registry.settings import PROJECT_ROOT
from tests import ifc_authoring as authoring
from tests.conftest import BASE, draft_store

IFC = Path(__file__).parent / "data" / "ifc"
MAT = "https://w3id.org/mpr/materials/"
P = """PREFIX mpr: <https://w3id.org/mpr#> PREFIX qudt: <http://qudt.org/schema/qudt/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX dcterms: <http://purl.org/dc/terms/>
"""


@pytest.fixture(scope="module")
def importer() -> IfcImporter:
    return IfcImporter(ConceptScheme.load(PROJECT_ROOT / "ontology"), BASE)


@pytest.fixture(scope="module")
def fzk(importer: IfcImporter) -> ImportResult:
    return importer.import_bytes(gzip.decompress((IFC / "AC20-FZK-Haus.ifc.gz").read_bytes()), "AC20-FZK-Haus.ifc")


@pytest.fixture(scope="module")
def duplex(importer: IfcImporter) -> ImportResult:
    return importer.import_bytes(gzip.decompress((IFC / "duplex.ifc.gz").read_bytes()), "duplex.ifc")


def masses(result: ImportResult) -> dict[str, float]:
    """Mass by material slug, read back from the passport (not from the report)."""
    rows = draft_store(result).query(P + "SELECT ?m (SUM(?kg) AS ?t) WHERE { ?c mpr:material ?m ; "
                                     "mpr:mass [ qudt:numericValue ?kg ] } GROUP BY ?m")
    return {row["m"].value.removeprefix(MAT): float(row["t"].value) for row in rows}


# --- FZK-Haus: German ArchiCAD ------------------------------------------------------------------------


def test_german_archicad_names_get_masses(fzk):
    got = masses(fzk)
    # Bodenplatte 'Stahlbeton 65690': BaseQuantities NetVolume 24.0 m3 x 2500 kg/m3 = 60 000 kg.
    assert got["reinforced-concrete"] == pytest.approx(60_000.0)
    # 13 walls 'Leichtbeton 102890359' (ArchiCAD id dropped), 54.481081 m3 x 1400 kg/m3 = 76 273.5 kg.
    assert got["lightweight-concrete"] == pytest.approx(54.481081 * 1400, rel=1e-6)
    # 'Holz' (13 window and door frames): 0.821622 m3 x 500 kg/m3 = 410.8 kg.
    assert got["timber"] == pytest.approx(0.821622 * 500, rel=1e-5)


def test_archicad_fills_are_not_material_names(fzk):
    report = fzk.report.as_dict()
    # 'Solid 397409098' on Slab-033 and the two roof slabs: NetVolume 19.9671549 + 16.5122177 + 16.5122177 m3.
    assert report["placeholder_names"][0] == {"name": "Solid 397409098", "elements": 3,
                                              "volume_m3": pytest.approx(52.991590, rel=1e-6)}
    assert report["unmapped_names"] == []
    assert report["mapped_share"]["share"] == 1.0


def test_archicad_match_is_recorded_in_the_passport(fzk):
    assert draft_store(fzk).query(P + """ASK { ?c rdfs:label "Leichtbeton 102890359" ; prov:qualifiedDerivation
        [ a mpr:MaterialMatch ; mpr:matchedText "Leichtbeton" ; mpr:matchMethod "label" ; mpr:matchScore 1.0 ;
          mpr:matchRule "ArchiCAD trailing id removed" ] }""")


# --- Duplex: Revit -------------------------------------------------------------------------------------


def test_concrete_block_is_not_plain_concrete(duplex):
    store = draft_store(duplex)
    assert not store.query(P + f'ASK {{ ?c rdfs:label "Masonry - Concrete Block" ; mpr:material <{MAT}concrete> }}')
    assert store.query(P + f'ASK {{ ?c rdfs:label "Masonry - Concrete Block" ; mpr:material <{MAT}concrete-block> ; '
                       'prov:qualifiedDerivation [ mpr:matchedText "Concrete Block" ; mpr:matchMethod "name part" ; '
                       'mpr:matchScore 0.9 ] }')


def test_steel_stud_layers_are_mostly_cavity(duplex):
    # 67 'Metal - Stud Layer' layers, 174.850978 m3 of layer: 0.4 % steel = 0.699404 m3 x 7850 = 5490.3 kg,
    # not 175 m3 of solid metal (1.37 million kg).
    assert masses(duplex)["galvanised-steel"] == pytest.approx(174.850978 * 0.004 * 7850, rel=1e-5)
    cavities = {c["name"]: c["volume_m3"] for c in duplex.report.as_dict()["cavities"]}
    assert cavities["Metal - Stud Layer (between the framing)"] == pytest.approx(174.850978 * 0.996, rel=1e-5)


def test_air_layers_carry_no_material(duplex):
    cavities = {c["name"]: c for c in duplex.report.as_dict()["cavities"]}
    assert cavities["Misc. Air Layers - Air Space"]["elements"] == 16
    assert not draft_store(duplex).query(P + 'ASK { ?c rdfs:label "Misc. Air Layers - Air Space" }')


def test_roof_assemblies_are_not_gaps(duplex):
    # Three IfcRoof aggregate their IfcSlab parts; the parts carry material and geometry.
    report = duplex.report
    assert report.assemblies == 3
    assert report.elements_without_quantities == []


def test_broad_concept_without_density_is_reported_with_its_reason(duplex):
    # 'Rigid insulation' names no product: insulation has no typical density, and the report says why.
    assert "name the product" in duplex.report.mass_unknown["insulation"]


def test_duplex_reaches_the_mapping_target(duplex):
    share = duplex.report.as_dict()["mapped_share"]
    assert share["share"] >= 0.9
    assert duplex.report.unmapped == {}


def test_guesses_are_listed_largest_first(duplex):
    listed = duplex.report.as_dict()["matches_to_review"]
    assert listed[0]["name"] == "Metal - Stud Layer" and listed[0]["method"] == "framing"
    volumes = [g["volume_m3"] for g in listed]
    assert volumes == sorted(volumes, reverse=True)


# --- authored: Tekla precast, Revit with a Spanish template, classification -------------------------------


def tekla_precast_model() -> bytes:
    model, storey, _body = authoring.new_model("IFC2X3")
    assembly = authoring.add_element(model, storey, "IfcElementAssembly", "FLOOR-1", None)
    authoring.add_element(model, assembly, "IfcSlab", "HC-1", "CONCRETE/GEWELF", 2.0)
    authoring.add_element(model, assembly, "IfcSlab", "TT-1", "TT", 3.0)
    authoring.add_element(model, assembly, "IfcSlab", "PD-1", "PREDAL", 1.0)
    authoring.add_element(model, assembly, "IfcDiscreteAccessory", "PAD-1", "STEEL/NEOPRENE", 0.004)
    return authoring.to_bytes(model)


def test_tekla_precast_names_and_assembly(importer):
    result = importer.import_bytes(tekla_precast_model(), "tekla.ifc")
    assert masses(result) == pytest.approx({
        "hollow-core-slab": 2.0 * 2500,     # 5000 kg
        "tt-slab": 3.0 * 2500,              # 7500 kg
        "lattice-girder-slab": 1.0 * 2500,  # 2500 kg
        "neoprene": 0.004 * 1300,           # 5.2 kg: a bearing pad, not 31.4 kg of steel
    })
    assert result.report.assemblies == 1
    assert result.report.elements_without_material == []
    assert result.report.elements_without_quantities == []


def spanish_revit_model() -> bytes:
    model, storey, _body = authoring.new_model("IFC4")
    layers = authoring.layer_set(model, [("Enlucido", 15.0), ("Ladrillo cerámico", 115.0), ("Hormigón", 120.0)])
    authoring.add_wall(model, storey, layers, "Muro", net_volume_m3=5.0)
    window = authoring.add_element(model, storey, "IfcWindow", "Ventana", None, 0.1)
    authoring.add_constituents(model, window, ["Vidrio", "Madera"])
    return authoring.to_bytes(model)


def test_spanish_revit_names_get_masses(importer):
    result = importer.import_bytes(spanish_revit_model(), "es.ifc")
    assert masses(result) == pytest.approx({
        "plaster": 5.0 * 15 / 250 * 1500,    # 0.3 m3 x 1500 = 450 kg
        "brick": 5.0 * 115 / 250 * 1800,     # 2.3 m3 x 1800 = 4140 kg
        "concrete": 5.0 * 120 / 250 * 2400,  # 2.4 m3 x 2400 = 5760 kg
        "glass": 0.1 / 2 * 2500,             # equal split (assumed): 0.05 m3 x 2500 = 125 kg
        "timber": 0.1 / 2 * 500,             # 0.05 m3 x 500 = 25 kg
    })


def test_classification_is_kept_and_places_the_layer(importer):
    model, storey, _body = authoring.new_model("IFC4")
    authoring.add_element(model, storey, "IfcWall", "Gevel", "Kalkzandsteen", 1.0,
                          classification=("NL-SfB", "21.12", "Buitenwanden; massief"))
    authoring.add_element(model, storey, "IfcWall", "Binnenwand", "Kalkzandsteen", 1.0, common={"IsExternal": False})
    authoring.add_element(model, storey, "IfcFurniture", "Kast", "Hout", 0.1)
    result = importer.import_bytes(authoring.to_bytes(model), "nlsfb.ifc")
    store = draft_store(result)
    assert store.query(P + 'ASK { ?e rdfs:label "Gevel" ; dcterms:subject [ skos:notation "21.12" ; '
                       'skos:prefLabel "Buitenwanden; massief" ; skos:inScheme [ dcterms:title "NL-SfB" ] ] ; '
                       'mpr:shearingLayer <https://w3id.org/mpr/layers/skin> }')
    assert store.query(P + 'ASK { ?e rdfs:label "Binnenwand" ; '
                       'mpr:shearingLayer <https://w3id.org/mpr/layers/space-plan> }')
    assert result.report.shearing_layers == {"skin": 1, "space-plan": 1, "stuff": 1}


def test_real_model_passport_conforms_to_the_shapes(client):
    data = gzip.decompress((IFC / "AC20-FZK-Haus.ifc.gz").read_bytes())
    response = client.post("/imports/ifc?dry_run=true", content=data, headers={"Content-Type": "application/x-step"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["validation"]["conforms"] is True, [r for r in body["validation"]["results"]
                                                    if r.get("severity") == "Violation"][:3]
    assert body["report"]["totals_by_material"]["reinforced-concrete"]["mass_kg"] == 60000.0
