"""The concept schemes as the code sees them (registry/concepts.py): one object, read from ontology/.

The files themselves are checked in tests/test_vocabulary.py; these tests show what the indicators,
matching and the importers ask of the loaded schemes. Expected values are read off ontology/*.ttl.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from registry.concepts import ConceptScheme
from registry.errors import MalformedInput
from registry.namespaces import ACCESSIBILITY, CONDITIONS, CONNECTIONS, MATERIALS
from registry.settings import PROJECT_ROOT

MAT, CONN, COND = MATERIALS, CONNECTIONS, CONDITIONS


@pytest.fixture(scope="module")
def concepts() -> ConceptScheme:
    return ConceptScheme.load(PROJECT_ROOT / "ontology")


def test_preferred_labels_in_english_and_dutch(concepts: ConceptScheme) -> None:
    # mat:reinforced-concrete skos:prefLabel "reinforced concrete"@en , "gewapend beton"@nl
    assert concepts.label(MAT + "reinforced-concrete") == "reinforced concrete"
    assert concepts.label(MAT + "reinforced-concrete", "nl") == "gewapend beton"


def test_a_language_without_a_label_falls_back_to_english(concepts: ConceptScheme) -> None:
    assert concepts.label(MAT + "concrete", "de") == "concrete"


def test_any_label_in_any_language_finds_the_concept_ignoring_case_and_punctuation(concepts: ConceptScheme) -> None:
    # altLabels of mat:reinforced-concrete: "in-situ beton"@nl, "Concrete - Cast-in-Place Concrete"@en
    assert concepts.find("In situ beton", MATERIALS) == MAT + "reinforced-concrete"
    assert concepts.find("concrete cast in place concrete", MATERIALS) == MAT + "reinforced-concrete"
    assert concepts.find("kruislaaghout", MATERIALS) == MAT + "clt"


def test_schemes_stay_apart(concepts: ConceptScheme) -> None:
    assert concepts.find("bolted", CONNECTIONS) == CONN + "bolted"
    assert concepts.find("bolted", MATERIALS) is None
    assert concepts.find("freely accessible", CONNECTIONS) is None  # an accessibility, not a connection type
    assert concepts.find("freely accessible", ACCESSIBILITY) == ACCESSIBILITY + "freely-accessible"


def test_lineage_runs_from_the_concept_to_the_top(concepts: ConceptScheme) -> None:
    assert concepts.lineage(MAT + "prestressed-concrete") == [
        MAT + "prestressed-concrete", MAT + "reinforced-concrete", MAT + "concrete"]
    assert concepts.lineage(MAT + "concrete") == [MAT + "concrete"]


def test_narrower_gives_the_direct_children_and_descendants_the_whole_branch(concepts: ConceptScheme) -> None:
    children = {MAT + s for s in ("reinforced-concrete", "precast-concrete", "aerated-concrete",
                                  "recycled-aggregate-concrete", "lightweight-concrete")}
    assert concepts.narrower(MAT + "concrete") == children
    assert MAT + "prestressed-concrete" in concepts.descendants(MAT + "concrete")  # below reinforced concrete
    assert concepts.descendants(MAT + "concrete") >= children | {MAT + "concrete"}


def test_typical_density_comes_with_its_source(concepts: ConceptScheme) -> None:
    density = concepts.density[MAT + "reinforced-concrete"]
    assert density.kg_per_m3 == 2500.0
    assert density.source.startswith("EN 1991-1-1:2002")


def test_connections_state_reversibility_and_detachability_score(concepts: ConceptScheme) -> None:
    # conn:bolted true / 0.8 (dry, with added elements); conn:sealed false / 0.2 (soft chemical)
    assert (concepts.reversible[CONN + "bolted"], concepts.detachability[CONN + "bolted"]) == (True, 0.8)
    assert (concepts.reversible[CONN + "sealed"], concepts.detachability[CONN + "sealed"]) == (False, 0.2)


def test_a_narrower_connection_inherits_what_it_does_not_state(tmp_path: Path) -> None:
    (tmp_path / "connections.ttl").write_text("""
        @prefix conn: <https://w3id.org/mpr/connections/> .
        @prefix mpr: <https://w3id.org/mpr#> .
        @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        conn:chemical skos:inScheme <https://w3id.org/mpr/connections/> ;
            mpr:reversible false ; mpr:detachabilityScore 0.1 .
        conn:glued skos:inScheme <https://w3id.org/mpr/connections/> ; skos:broader conn:chemical ;
            mpr:detachabilityScore 0.2 .
    """, encoding="utf-8")
    concepts = ConceptScheme.load(tmp_path)
    assert concepts.inherited(concepts.reversible, CONN + "glued") is False  # from conn:chemical
    assert concepts.inherited(concepts.detachability, CONN + "glued") == 0.2  # its own
    assert concepts.inherited(concepts.reversible, CONN + "unknown") is None


def test_substitutes_are_symmetric(concepts: ConceptScheme) -> None:
    # only mat:softwood mpr:substituteFor mat:glulam is stated
    assert MAT + "glulam" in concepts.substitutes[MAT + "softwood"]
    assert MAT + "softwood" in concepts.substitutes[MAT + "glulam"]


def test_condition_grades_are_their_notation(concepts: ConceptScheme) -> None:
    assert concepts.notation[COND + "new"] == 1
    assert concepts.notation[COND + "poor"] == 5


def test_resolve_takes_iris_prefixed_names_and_slugs(concepts: ConceptScheme) -> None:
    for text in (MAT + "glulam", "mat:glulam", "glulam"):
        assert concepts.resolve(text, MATERIALS) == MAT + "glulam"


def test_resolve_refuses_an_unknown_concept_with_close_ones(concepts: ConceptScheme) -> None:
    with pytest.raises(MalformedInput, match=r"unknown material 'glulamm'; did you mean <.*glulam>"):
        concepts.resolve("glulamm", MATERIALS, "material")


def test_a_concept_added_to_a_scheme_file_is_known_at_once(tmp_path: Path) -> None:
    (tmp_path / "materials.ttl").write_text("""
        @prefix mat: <https://w3id.org/mpr/materials/> .
        @prefix mpr: <https://w3id.org/mpr#> .
        @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        @prefix qudt: <http://qudt.org/schema/qudt/> .
        mat:timber skos:inScheme <https://w3id.org/mpr/materials/> ; skos:prefLabel "timber"@en , "hout"@nl .
        mat:bamboo skos:inScheme <https://w3id.org/mpr/materials/> ; skos:broader mat:timber ;
            skos:prefLabel "bamboo"@en , "bamboe"@nl ;
            mpr:typicalDensity [ qudt:numericValue 700.0 ] .
    """, encoding="utf-8")
    concepts = ConceptScheme.load(tmp_path)
    assert concepts.find("bamboe", MATERIALS) == MAT + "bamboo"
    assert concepts.lineage(MAT + "bamboo") == [MAT + "bamboo", MAT + "timber"]
    assert concepts.narrower(MAT + "timber") == {MAT + "bamboo"}
    assert concepts.density[MAT + "bamboo"].kg_per_m3 == 700.0
    assert concepts.sources == (tmp_path / "materials.ttl",)
