"""Material names as tools write them, to concepts: every rule of registry/importers/naming.py on real names.

The names are taken from real models (tests/data/ifc: the Duplex from Revit, the FZK-Haus from a German ArchiCAD,
Norwegian ArchiCAD and Revit walls) and from the issue's Tekla precast and Spanish Revit models.
"""

from __future__ import annotations

import pytest

from registry.concepts import ConceptScheme
from registry.importers.naming import ConceptNames
from registry.settings import PROJECT_ROOT

MAT = "https://w3id.org/mpr/materials/"


@pytest.fixture(scope="module")
def names() -> ConceptNames:
    return ConceptNames(ConceptScheme.load(PROJECT_ROOT / "ontology"))


def slug(names: ConceptNames, name: str) -> str | None:
    match = names.material(name)
    return match.iri.removeprefix(MAT) if match else None


@pytest.mark.parametrize(("name", "concept"), [
    ("STEEL/NEOPRENE", "neoprene"),            # Tekla CLASS/NAME: a bearing pad, not steel
    ("CONCRETE/GEWELF", "hollow-core-slab"),  # Flemish 'gewelf' (welfsel): hollow-core plank
    ("TT", "tt-slab"),
    ("PREDAL", "lattice-girder-slab"),
    ("Masonry - Concrete Block", "concrete-block"),  # Revit Category - Name
    ("Concrete Masonry, Floor Block", "concrete-block"),
])
def test_composite_names_resolve_to_their_distinguishing_part(names, name, concept):
    assert slug(names, name) == concept


@pytest.mark.parametrize(("name", "concept"), [
    ("Leichtbeton 102890359", "lightweight-concrete"),  # ArchiCAD appends its building material id
    ("Stahlbeton 65690", "reinforced-concrete"),
    ("Holz", "timber"),
    ("Ladrillo cerámico", "brick"),
    ("Vidrio", "glass"),
    ("Madera", "timber"),
    ("Hormigón", "concrete"),
    ("Enlucido", "plaster"),
    ("Kalksandstein", "calcium-silicate"),
    ("béton armé", "reinforced-concrete"),
    ("håldäck", "hollow-core-slab"),
    ("Gipskartonplatte", "plasterboard"),
    ("Massivtre", "clt"),
    ("Gipsplaat 12,5mm", "plasterboard"),  # a decimal comma, not two names
    ("Betong B30", "concrete"),            # strength class dropped
    ("Southern Pine", "softwood"),         # Revit's US library (youshengCode/IfcSampleFiles)
    ("Fiberglass Batt", "glass-wool"),
    ("Cherry", "hardwood"),
])
def test_names_in_other_languages_map(names, name, concept):
    assert slug(names, name) == concept


@pytest.mark.parametrize("name", ["concrete brick", "Steel door handle", "Glass fibre mesh", "Concrete topping XYZ"])
def test_one_shared_word_is_never_a_match(names, name):
    # token_set_ratio scored each of these 100 against 'concrete', 'steel' or 'glass'.
    assert names.material(name) is None


def test_a_spelling_variant_is_a_scored_fuzzy_match(names):
    variant = names.material("Aluminuim")
    assert variant is not None and variant.method == "fuzzy"
    assert variant.iri == MAT + "aluminium" and 0.8 <= variant.score < 0.9


def test_every_match_says_method_text_rule_and_score(names):
    match = names.material("STEEL/NEOPRENE")
    assert match is not None
    assert (match.method, match.matched, match.score) == ("name part", "NEOPRENE", 0.9)
    assert "Tekla 'CLASS/NAME'" in match.rule


def test_category_alone_is_a_low_scored_guess(names):
    match = names.material("Wood - Trim")  # 'Trim' names no material: the category does, for review
    assert match is not None
    assert (match.iri, match.method, match.score) == (MAT + "timber", "category", 0.6)


@pytest.mark.parametrize("name", ["Misc. Air Layers - Air Space", "Luftschicht", "luchtspouw", "Cámara de aire"])
def test_air_layers_are_cavities(names, name):
    found = names.resolve(name)
    assert found.cavity and found.match is None


@pytest.mark.parametrize("name", ["Solid 397409098", "Radial Gradient Fill 1515460218", "默认墙", "", "Default"])
def test_fills_and_defaults_name_no_material(names, name):
    assert names.resolve(name).placeholder


@pytest.mark.parametrize(("name", "concept", "share"), [
    ("Metal - Stud Layer", "galvanised-steel", 0.004),
    ("Wood - Dimensional Lumber", "softwood", 0.15),
    ("Sløyfe", "softwood", 0.08),
])
def test_framing_layers_have_a_stated_solid_share(names, name, concept, share):
    match = names.material(name)
    assert match is not None and match.framing is not None
    assert (match.iri, match.framing.fraction) == (MAT + concept, share)
    assert match.framing.source


def test_organisation_mapping_wins_over_every_rule(names):
    own = ConceptNames(names.concepts, {"STEEL/NEOPRENE": MAT + "epdm"})
    match = own.material("steel/neoprene")
    assert match is not None and (match.iri, match.method) == (MAT + "epdm", "organisation mapping")


def test_every_material_concept_has_a_density_or_a_reason(names):
    concepts = names.concepts
    missing = [c for c in concepts.materials if c not in concepts.density and c not in concepts.no_density]
    assert missing == []
