"""Checks of the data model files: ontology/, shapes/ and the vocabulary used in examples/."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from rdflib import RDF, RDFS, SKOS, XSD, BNode, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, PROV, SH

ROOT = Path(__file__).resolve().parents[1]
MPR = Namespace("https://w3id.org/mpr#")
QUDT = Namespace("http://qudt.org/schema/qudt/")
UNIT = Namespace("http://qudt.org/vocab/unit/")

MATERIALS = URIRef("https://w3id.org/mpr/materials/")
CONNECTIONS = URIRef("https://w3id.org/mpr/connections/")
ACCESSIBILITY = URIRef("https://w3id.org/mpr/accessibility/")
MODULES = URIRef("https://w3id.org/mpr/modules/")
CONDITIONS = URIRef("https://w3id.org/mpr/conditions/")

TURTLE_FILES = sorted(
    p.relative_to(ROOT).as_posix()
    for folder in ("ontology", "shapes", "examples")
    for p in (ROOT / folder).rglob("*.ttl")
)


def base_iri(relative: str) -> str:
    """The base IRI the registry uses for a file: {base}/passports/{stem} or {base}/demands/{stem}."""
    path = Path(relative)
    if path.parts[0] == "examples":
        return f"http://127.0.0.1:8000/{path.parts[1]}/{path.stem}"
    return f"https://w3id.org/mpr/{path.stem}"


@cache
def graph(relative: str) -> rdflib.Graph:
    return rdflib.Graph().parse(ROOT / relative, format="turtle", publicID=base_iri(relative))


@cache
def ontology() -> rdflib.Graph:
    merged = rdflib.Graph()
    for relative in TURTLE_FILES:
        if relative.startswith("ontology/"):
            merged += graph(relative)
    return merged


def mpr_terms(g: rdflib.Graph) -> set[URIRef]:
    terms = set()
    for triple in g:
        for term in triple:
            if isinstance(term, URIRef) and str(term).startswith(str(MPR)):
                terms.add(term)
            if isinstance(term, Literal) and term.datatype and str(term.datatype).startswith(str(MPR)):
                terms.add(term.datatype)
    return terms


def concepts(scheme: URIRef) -> set[URIRef]:
    return set(ontology().subjects(SKOS.inScheme, scheme))


def sh_in_list_for_path(relative: str, path: URIRef) -> set[URIRef]:
    """The one sh:in list of the property shapes on `path` (there must be exactly one)."""
    g = graph(relative)
    lists = [g.value(s, SH["in"]) for s in g.subjects(SH.path, path) if g.value(s, SH["in"]) is not None]
    assert len(lists) == 1, f"{relative}: {len(lists)} sh:in lists on {path}"
    return set(Collection(g, lists[0]))


def sh_in_list_in_or(relative: str, shape: URIRef) -> set[URIRef]:
    g = graph(relative)
    for member in Collection(g, g.value(shape, SH["or"])):
        head = g.value(member, SH["in"])
        if head is not None:
            return set(Collection(g, head))
    raise AssertionError(f"{shape} has no sh:in inside sh:or")


# --- parsing ---------------------------------------------------------------------


@pytest.mark.parametrize("relative", TURTLE_FILES)
def test_turtle_file_parses_with_rdflib_and_pyoxigraph_to_the_same_size(relative):
    quads = list(
        pyoxigraph.parse(path=ROOT / relative, format=pyoxigraph.RdfFormat.TURTLE, base_iri=base_iri(relative))
    )
    assert len(quads) == len(graph(relative)) > 0


def test_turtle_files_declare_no_base():
    for relative in TURTLE_FILES:
        text = (ROOT / relative).read_text(encoding="utf-8")
        assert not re.search(r"^\s*(@base|BASE)\b", text, re.MULTILINE | re.IGNORECASE), relative


# --- the mpr: ontology -------------------------------------------------------------


def test_every_mpr_term_used_anywhere_is_defined_with_label_and_comment():
    ont = graph("ontology/mpr.ttl")
    used = set()
    for relative in TURTLE_FILES:
        used |= mpr_terms(graph(relative))
    undefined = sorted(str(t) for t in used if ont.value(t, RDFS.label) is None or ont.value(t, RDFS.comment) is None)
    assert not undefined, f"mpr: terms without rdfs:label or rdfs:comment in ontology/mpr.ttl: {undefined}"


def test_every_minted_term_has_an_english_label_and_is_defined_by_the_ontology():
    ont = graph("ontology/mpr.ttl")
    for term in {s for s in ont.subjects() if isinstance(s, URIRef) and str(s).startswith(str(MPR))}:
        languages = {label.language for label in ont.objects(term, RDFS.label)}
        assert "en" in languages, term
        assert (term, RDFS.isDefinedBy, URIRef("https://w3id.org/mpr")) in ont, term


def test_core_terms_of_the_design_are_defined():
    ont = graph("ontology/mpr.ttl")
    core = (
        "Passport",
        "describes",
        "composedOf",
        "MaterialComposition",
        "material",
        "mass",
        "volume",
        "recycledContent",
        "reusedContent",
        "renewableContent",
        "recyclableAtEndOfLife",
        "reusableAtEndOfLife",
        "expectedLifetime",
        "connectionType",
        "availableFrom",
        "instanceOf",
        "embodiedCarbon",
        "lifeCycleModule",
        "kgCO2e",
        "Demand",
        "wants",
        "quantity",
        "neededBy",
        "radiusKm",
        "PassportChange",
        "changeOf",
        "version",
        "currentVersion",
        "changeKind",
        "ChangeKind",
        "Created",
        "Updated",
        "Withdrawn",
        "patch",
        "triplesAdded",
        "triplesRemoved",
        "status",
        "StatusActive",
        "StatusWithdrawn",
        "visibility",
        "Public",
        "Restricted",
        "owner",
        "residualValue",
        "unitPrice",
        "supplier",
        "contractReference",
        "accessLevel",
        "ValidationProfile",
    )
    missing = [name for name in core if (MPR[name], RDF.type, None) not in ont]
    assert not missing


def test_passport_is_a_prov_entity_and_change_is_a_prov_activity():
    ont = graph("ontology/mpr.ttl")
    assert (MPR.Passport, RDFS.subClassOf, PROV.Entity) in ont
    assert (MPR.PassportChange, RDFS.subClassOf, PROV.Activity) in ont


def test_change_kinds_statuses_and_visibilities_are_individuals_of_their_classes():
    ont = graph("ontology/mpr.ttl")
    for individual, cls in [
        (MPR.Created, MPR.ChangeKind),
        (MPR.Updated, MPR.ChangeKind),
        (MPR.Withdrawn, MPR.ChangeKind),
        (MPR.StatusActive, MPR.PassportStatus),
        (MPR.StatusWithdrawn, MPR.PassportStatus),
        (MPR.Public, MPR.Visibility),
        (MPR.Restricted, MPR.Visibility),
    ]:
        assert (individual, RDF.type, cls) in ont


def test_registry_counters_and_versions_are_integers_and_patch_is_a_string():
    ont = graph("ontology/mpr.ttl")
    for prop in (MPR.version, MPR.currentVersion, MPR.triplesAdded, MPR.triplesRemoved):
        assert ont.value(prop, RDFS.range) == XSD.integer, prop
    assert ont.value(MPR.patch, RDFS.range) == XSD.string


def test_restricted_properties_are_annotated_restricted_and_nothing_else_is():
    ont = graph("ontology/mpr.ttl")
    restricted = set(ont.subjects(MPR.accessLevel, MPR.Restricted))
    assert restricted == {MPR.residualValue, MPR.unitPrice, MPR.supplier, MPR.contractReference}
    assert (MPR.accessLevel, RDF.type, OWL.AnnotationProperty) in ont


def test_minted_classes_and_properties_are_aligned_or_explained():
    ont = graph("ontology/mpr.ttl")
    alignment = {RDFS.subClassOf, RDFS.subPropertyOf, SKOS.exactMatch, SKOS.closeMatch, RDFS.seeAlso}
    kinds = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}
    unaligned = []
    for term in {s for s, o in ont.subject_objects(RDF.type) if o in kinds}:
        if not any((term, p, None) in ont for p in alignment) and ont.value(term, RDFS.range) is None:
            unaligned.append(str(term))
    assert not unaligned, f"terms with neither an alignment nor a range: {unaligned}"


def test_named_individuals_do_not_lead_to_the_concept_schemes():
    # pySHACL's ont_graph mix-in deep-copies every owl:NamedIndividual and, recursively, all it
    # links to; a path from one to the schemes makes it copy every concept, over and over.
    ont = ontology()
    frontier = set(ont.subjects(RDF.type, OWL.NamedIndividual))
    reached = set(frontier)
    for _depth in range(10):
        frontier = {o for n in frontier for o in ont.objects(n) if not isinstance(o, Literal)} - reached
        reached |= frontier
    assert not {n for n in reached if (n, RDF.type, SKOS.Concept) in ont or (n, RDF.type, SKOS.ConceptScheme) in ont}
    assert len(reached) < 100


# --- materials scheme --------------------------------------------------------------


def test_materials_scheme_has_at_least_45_concepts():
    assert len(concepts(MATERIALS)) >= 45


def test_every_material_has_english_and_dutch_preflabels_and_a_scheme_iri():
    ont = ontology()
    for concept in concepts(MATERIALS):
        assert str(concept).startswith(str(MATERIALS)), concept
        assert (concept, RDF.type, SKOS.Concept) in ont
        languages = [label.language for label in ont.objects(concept, SKOS.prefLabel)]
        assert {"en", "nl"} <= set(languages), (concept, languages)
        assert len(languages) == len(set(languages)), (concept, languages)  # SKOS: one prefLabel per language


def test_materials_hierarchy_is_a_tree_at_least_three_levels_deep():
    ont = ontology()
    depth = {}
    for concept in concepts(MATERIALS):
        broader = list(ont.objects(concept, SKOS.broader))
        assert len(broader) <= 1, concept
        if broader:
            assert (broader[0], SKOS.narrower, concept) in ont, concept
        else:
            assert (concept, SKOS.topConceptOf, MATERIALS) in ont, concept
        level, node = 1, concept
        while (node := ont.value(node, SKOS.broader)) is not None:
            level += 1
        depth[concept] = level
    assert max(depth.values()) >= 3
    assert depth[URIRef(str(MATERIALS) + "clt")] == 3
    assert depth[URIRef(str(MATERIALS) + "structural-steel")] == 4


def test_material_waste_codes_follow_the_list_of_waste_notation():
    ont = ontology()
    codes = {c: str(ont.value(c, MPR.ewcCode)) for c in concepts(MATERIALS) if ont.value(c, MPR.ewcCode)}
    assert len(codes) >= 40
    for concept, code in codes.items():
        assert re.fullmatch(r"\d{2} \d{2} \d{2}\*?", code), (concept, code)
    expected = {
        "concrete": "17 01 01",
        "brick": "17 01 02",
        "timber": "17 02 01",
        "glass": "17 02 02",
        "plastic": "17 02 03",
        "bituminous-roofing": "17 03 02",
        "copper": "17 04 01",
        "aluminium": "17 04 02",
        "steel": "17 04 05",
        "insulation": "17 06 04",
        "plasterboard": "17 08 02",
    }
    for slug, code in expected.items():
        assert codes[URIRef(str(MATERIALS) + slug)] == code, slug


def test_typical_densities_are_kilograms_per_cubic_metre_with_a_source():
    ont = ontology()
    with_density = 0
    for concept in concepts(MATERIALS):
        for node in ont.objects(concept, MPR.typicalDensity):
            with_density += 1
            value = ont.value(node, QUDT.numericValue)
            assert value is not None and 5 <= float(value) <= 12000, concept
            assert ont.value(node, QUDT.unit) == UNIT["KiloGM-PER-M3"], concept
            assert str(ont.value(node, DCTERMS.source) or "").strip(), concept
    assert with_density >= 45


def test_substitutes_link_materials_of_the_scheme():
    ont = ontology()
    pairs = list(ont.subject_objects(MPR.substituteFor))
    assert pairs
    for a, b in pairs:
        assert a in concepts(MATERIALS) and b in concepts(MATERIALS)
    assert (MPR.substituteFor, RDFS.subPropertyOf, SKOS.related) in ont


# --- connections, accessibility, modules, conditions --------------------------------


def test_every_connection_type_states_reversibility_and_a_sourced_score():
    ont = ontology()
    types = concepts(CONNECTIONS)
    assert {URIRef(str(CONNECTIONS) + s) for s in ("bolted", "screwed", "glued", "welded", "mortared")} <= types
    for concept in types:
        reversible = ont.value(concept, MPR.reversible)
        assert isinstance(reversible, Literal) and reversible.datatype == XSD.boolean, concept
        assert 0 <= float(ont.value(concept, MPR.detachabilityScore)) <= 1, concept
        assert ont.value(concept, DCTERMS.source) is not None, concept
    assert ont.value(URIRef(str(CONNECTIONS) + "bolted"), MPR.reversible).toPython() is True
    assert ont.value(URIRef(str(CONNECTIONS) + "glued"), MPR.reversible).toPython() is False


def test_accessibility_scheme_has_four_scored_grades():
    ont = ontology()
    grades = concepts(ACCESSIBILITY)
    assert len(grades) == 4
    scores = sorted(float(ont.value(g, MPR.detachabilityScore)) for g in grades)
    assert scores[-1] == 1.0 and scores[0] < 0.5


def test_modules_scheme_has_the_en15804_modules():
    ont = ontology()
    notations = {str(ont.value(c, SKOS.notation)) for c in concepts(MODULES)}
    expected = {"A1-A3", "A4", "A5", "C1", "C2", "C3", "C4", "D"} | {f"B{i}" for i in range(1, 8)}
    assert expected <= notations
    for concept in concepts(MODULES):
        languages = {label.language for label in ont.objects(concept, SKOS.prefLabel)}
        assert {"en", "nl"} <= languages, concept


def test_conditions_scheme_has_five_ordered_grades():
    ont = ontology()
    grades = {str(c)[len(str(CONDITIONS)) :]: int(ont.value(c, SKOS.notation)) for c in concepts(CONDITIONS)}
    assert sorted(grades, key=grades.get) == ["new", "as-new", "good", "fair", "poor"]


# --- shapes --------------------------------------------------------------------


SHAPES = Namespace("https://w3id.org/mpr/shapes#")


def test_shape_concept_lists_equal_the_schemes():
    passport = "shapes/passport.ttl"
    assert sh_in_list_for_path(passport, MPR.material) == concepts(MATERIALS)
    assert sh_in_list_for_path(passport, MPR.connectionType) == concepts(CONNECTIONS)
    assert sh_in_list_for_path(passport, MPR.connectionAccessibility) == concepts(ACCESSIBILITY)
    assert sh_in_list_for_path(passport, MPR.condition) == concepts(CONDITIONS)
    assert sh_in_list_for_path(passport, MPR.lifeCycleModule) == concepts(MODULES)
    assert sh_in_list_in_or("shapes/demand.ttl", SHAPES.DemandWantedItem) == concepts(MATERIALS)
    assert sh_in_list_for_path("shapes/demand.ttl", MPR.condition) == concepts(CONDITIONS)


def test_detachable_profile_lists_exactly_the_reversible_connection_types():
    reversible = {c for c in concepts(CONNECTIONS) if ontology().value(c, MPR.reversible).toPython()}
    profile = "shapes/profiles/detachable-connections.ttl"
    assert sh_in_list_for_path(profile, MPR.connectionType) == reversible


def shape_files() -> list[str]:
    return [r for r in TURTLE_FILES if r.startswith("shapes/")]


def test_every_targeted_shape_has_a_name_a_message_and_a_severity():
    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
    for relative in shape_files():
        g = graph(relative)
        targeted = {s for t in targets for s in g.subjects(t, None)}
        assert targeted, relative
        for shape in targeted:
            assert isinstance(shape, URIRef), (relative, shape)
            shapes = [shape, *g.objects(shape, SH.property)]
            if len(shapes) > 1:  # a node shape with property shapes: those give the results
                shapes = shapes[1:]
            for s in shapes:
                assert g.value(s, SH.name) is not None, (relative, s)
                constraints = list(g.objects(s, SH.sparql))  # SHACL-SPARQL: the message is the constraint's
                for holder in constraints or [s]:
                    assert g.value(holder, SH.message) is not None, (relative, s)
                assert g.value(s, SH.severity) in (SH.Violation, SH.Warning, SH.Info), (relative, s)


def test_sparql_constraints_are_only_consistency_rules_run_once_per_passport():
    """pySHACL runs a SPARQL constraint once per focus node (97 s for 330 compositions, see the file's
    header), so rules over several values target the passport and find every offending node in one query."""
    for relative in shape_files():
        g = graph(relative)
        if relative != "shapes/consistency.ttl":
            assert (None, SH.sparql, None) not in g, relative
            assert (None, SH.select, None) not in g, relative
            continue
        for shape in g.subjects(SH.sparql, None):
            assert list(g.objects(shape, SH.targetClass)) == [MPR.Passport], shape
            other_targets = (SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
            assert not [o for p in other_targets for o in g.objects(shape, p)], shape


def test_each_profile_declares_a_labelled_validation_profile():
    profiles = [r for r in shape_files() if r.startswith("shapes/profiles/")]
    assert len(profiles) >= 2
    for relative in profiles:
        g = graph(relative)
        declared = list(g.subjects(RDF.type, MPR.ValidationProfile))
        assert len(declared) == 1, relative
        profile = declared[0]
        assert str(profile) == "https://w3id.org/mpr/profiles/" + Path(relative).stem
        assert g.value(profile, RDFS.label) is not None and g.value(profile, RDFS.comment) is not None
        shapes = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape))
        assert all((s, RDFS.isDefinedBy, profile) in g for s in shapes if not isinstance(s, BNode))
