"""The example passports and demands validate, and the shapes catch what they should.

Validation runs as the registry's contract describes: pySHACL with the shapes, the ontology files
as ont_graph, no inference, warnings allowed; examples parsed with the registry's base IRIs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyoxigraph
import pyshacl
import pytest
import rdflib
from rdflib import RDF, XSD, BNode, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = "http://127.0.0.1:8000"
MPR = Namespace("https://w3id.org/mpr#")
QUDT = Namespace("http://qudt.org/schema/qudt/")
SCHEMA = Namespace("https://schema.org/")
BOT = Namespace("https://w3id.org/bot#")
MAT = Namespace("https://w3id.org/mpr/materials/")
CONN = Namespace("https://w3id.org/mpr/connections/")
SHAPES = Namespace("https://w3id.org/mpr/shapes#")

PASSPORTS = sorted(p.stem for p in (ROOT / "examples/passports").glob("*.ttl"))
DEMANDS = sorted(p.stem for p in (ROOT / "examples/demands").glob("*.ttl"))

PREFIXES = """
@prefix mpr:     <https://w3id.org/mpr#> .
@prefix mat:     <https://w3id.org/mpr/materials/> .
@prefix conn:    <https://w3id.org/mpr/connections/> .
@prefix bot:     <https://w3id.org/bot#> .
@prefix schema:  <https://schema.org/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix geo:     <http://www.opengis.net/ont/geosparql#> .
@prefix qudt:    <http://qudt.org/schema/qudt/> .
@prefix unit:    <http://qudt.org/vocab/unit/> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
"""


@dataclass(frozen=True)
class Result:
    focus: rdflib.term.Node
    path: object  # a URIRef, or a tuple for a sequence path
    severity: URIRef
    message: str
    shape: rdflib.term.Node


@cache
def ontology() -> rdflib.Graph:
    merged = rdflib.Graph()
    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        merged.parse(path, format="turtle")
    return merged


@cache
def shapes(*relatives: str) -> rdflib.Graph:
    graph = rdflib.Graph()
    for relative in relatives:
        graph.parse(ROOT / relative, format="turtle")
    return graph


def example(kind: str, stem: str) -> rdflib.Graph:
    return rdflib.Graph().parse(
        ROOT / "examples" / kind / f"{stem}.ttl", format="turtle", publicID=f"{REGISTRY}/{kind}/{stem}"
    )


def inline(turtle: str, stem: str = "test", kind: str = "passports") -> rdflib.Graph:
    return rdflib.Graph().parse(data=PREFIXES + turtle, format="turtle", publicID=f"{REGISTRY}/{kind}/{stem}")


def validate(data: rdflib.Graph, *shape_files: str) -> list[Result]:
    _conforms, report, _text = pyshacl.validate(
        data,
        shacl_graph=shapes(*(shape_files or ("shapes/passport.ttl",))),
        ont_graph=ontology(),
        inference="none",
        allow_warnings=True,
    )
    results = []
    # top-level results only: results of nested shapes (sh:node) come as their sh:detail
    for node in report.objects(report.value(predicate=RDF.type, object=SH.ValidationReport), SH.result):
        path = report.value(node, SH.resultPath)
        if isinstance(path, BNode):
            path = tuple(Collection(report, path))
        results.append(
            Result(
                focus=report.value(node, SH.focusNode),
                path=path,
                severity=report.value(node, SH.resultSeverity),
                message=str(report.value(node, SH.resultMessage)),
                shape=report.value(node, SH.sourceShape),
            )
        )
    return results


def violations(results: list[Result]) -> list[Result]:
    return [r for r in results if r.severity == SH.Violation]


def node(stem: str, fragment: str = "", kind: str = "passports") -> URIRef:
    return URIRef(f"{REGISTRY}/{kind}/{stem}{fragment}")


# A small passport that meets every shape; the invalid cases below change one thing in it.
VALID = """
<> a mpr:Passport ; dcterms:title "Test" ; mpr:describes <#building> .
<#building> a bot:Building ;
    geo:hasGeometry [ geo:asWKT "POINT(5.12 52.09)"^^geo:wktLiteral ] ;
    mpr:availableFrom "2027-01-01"^^xsd:date ;
    bot:hasElement <#beam> .
<#beam> a bot:Element ;
    mpr:connectionType conn:bolted ;
    mpr:availableFrom {available} ;
    mpr:expectedLifetime {lifetime} ;
    mpr:composedOf <#steel> .
<#steel> a mpr:MaterialComposition ;
    mpr:material {material} ;
    mpr:recycledContent {recycled} ;
    mpr:mass <#steel-mass> .
<#steel-mass> qudt:numericValue {mass} {unit} .
"""
GOOD = {
    "available": '"2027-06-01"^^xsd:date',
    "lifetime": "50.0",
    "material": "mat:structural-steel",
    "recycled": "0.7",
    "mass": "785.0",
    "unit": "; qudt:unit unit:KiloGM",
}


def passport(**changes: str) -> rdflib.Graph:
    return inline(VALID.format(**{**GOOD, **changes}))


# --- the examples ----------------------------------------------------------------


def test_there_are_at_least_three_example_passports_and_two_demands():
    assert {"office-utrecht-1972", "housing-almere-2004", "ergo-chair"} <= set(PASSPORTS)
    assert len(DEMANDS) >= 2


@pytest.mark.parametrize("stem", PASSPORTS)
def test_example_passport_has_no_violation(stem):
    found = violations(validate(example("passports", stem)))
    assert not found, "\n".join(f"{r.focus} {r.path}: {r.message}" for r in found)


@pytest.mark.parametrize("stem", PASSPORTS)
def test_example_passport_is_one_passport_describing_one_asset_by_relative_iris(stem):
    data = example("passports", stem)
    assert list(data.subjects(RDF.type, MPR.Passport)) == [node(stem)]
    assets = list(data.objects(node(stem), MPR.describes))
    assert len(assets) == 1 and str(assets[0]).startswith(f"{REGISTRY}/passports/{stem}#")
    registry_managed = (MPR.currentVersion, MPR.status, MPR.changeOf, MPR.patch)
    assert not any((None, p, None) in data for p in registry_managed)
    assert (None, RDF.type, MPR.PassportChange) not in data


@pytest.mark.parametrize("stem", PASSPORTS)
def test_example_passport_parses_the_same_with_pyoxigraph(stem):
    quads = list(
        pyoxigraph.parse(
            path=ROOT / "examples/passports" / f"{stem}.ttl",
            format=pyoxigraph.RdfFormat.TURTLE,
            base_iri=f"{REGISTRY}/passports/{stem}",
        )
    )
    subjects = {q.subject.value for q in quads if isinstance(q.subject, pyoxigraph.NamedNode)}
    assert f"{REGISTRY}/passports/{stem}" in subjects
    assert len(quads) == len(example("passports", stem))


@pytest.mark.parametrize("stem", PASSPORTS)
def test_example_masses_agree_with_volumes_and_typical_densities(stem):
    data, ont = example("passports", stem), ontology()
    checked = 0
    for comp in set(data.objects(None, MPR.composedOf)):
        mass, volume = data.value(comp, MPR.mass), data.value(comp, MPR.volume)
        density_node = ont.value(data.value(comp, MPR.material), MPR.typicalDensity)
        if mass is None or volume is None or density_node is None:
            continue
        implied = float(data.value(mass, QUDT.numericValue)) / float(data.value(volume, QUDT.numericValue))
        typical = float(ont.value(density_node, QUDT.numericValue))
        assert 0.6 <= implied / typical <= 1.5, (comp, implied, typical)
        checked += 1
    # the chair and the ICT products are declared by mass from their bills of materials, not by volume
    assert checked >= 5 or stem == "ergo-chair" or stem.startswith(("verdant-", "ict-"))


def test_office_example_has_the_contents_of_a_transformation_passport():
    data = example("passports", "office-utrecht-1972")
    building = node("office-utrecht-1972", "#building")
    assert len(list(data.objects(building, BOT.hasStorey))) >= 4
    dates = {str(o) for o in data.objects(None, MPR.availableFrom)}
    assert any(d.startswith("2027") for d in dates) and any(d.startswith("2028") for d in dates)
    materials = set(data.objects(None, MPR.material))
    assert {
        MAT["precast-concrete"],
        MAT.aluminium,
        MAT["bituminous-roofing"],
        MAT.copper,
        MAT.plasterboard,
        MAT["galvanised-steel"],
    } <= materials
    address = data.value(building, SCHEMA.address)
    assert str(data.value(address, SCHEMA.addressLocality)) == "Utrecht"
    assert (None, MPR.embodiedCarbon, None) in data and (None, MPR.condition, None) in data


def test_office_chairs_refer_to_the_chair_passports_product():
    office = example("passports", "office-utrecht-1972")
    chair = example("passports", "ergo-chair")
    product = node("ergo-chair", "#product")
    chairs = set(office.subjects(MPR.instanceOf, product))
    assert len(chairs) >= 2
    assert not any((c, MPR.composedOf, None) in office for c in chairs)
    assert (node("ergo-chair"), MPR.describes, product) in chair
    assert (product, RDF.type, SCHEMA.Product) in chair


def test_chair_gtin_has_a_valid_check_digit():
    chair = example("passports", "ergo-chair")
    gtin = str(chair.value(node("ergo-chair", "#product"), SCHEMA.gtin))
    assert gtin == "08712345678906"
    digits = [int(d) for d in gtin]
    weighted = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(digits[:-1]))
    assert (10 - weighted % 10) % 10 == digits[-1]


@pytest.mark.parametrize("stem", DEMANDS)
def test_example_demand_has_no_violation(stem):
    found = violations(validate(example("demands", stem), "shapes/demand.ttl"))
    assert not found, "\n".join(f"{r.focus} {r.path}: {r.message}" for r in found)


@pytest.mark.parametrize("stem", DEMANDS)
def test_example_demand_has_no_violation_with_all_shapes_loaded(stem):
    found = violations(validate(example("demands", stem), "shapes/demand.ttl", "shapes/passport.ttl"))
    assert not found, "\n".join(f"{r.focus} {r.path}: {r.message}" for r in found)


@pytest.mark.parametrize("stem", DEMANDS)
def test_example_demand_wants_something_an_example_offers_in_time(stem):
    demand = example("demands", stem)
    wanted = demand.value(node(stem, kind="demands"), MPR.wants)
    needed_by = demand.value(node(stem, kind="demands"), MPR.neededBy).toPython()
    offers = []
    for other in PASSPORTS:
        data = example("passports", other)
        building_date = next(iter(data.objects(None, MPR.availableFrom)), None)
        for part, comp in data.subject_objects(MPR.composedOf):
            if data.value(comp, MPR.material) == wanted:
                date = data.value(part, MPR.availableFrom) or building_date
                if date is not None and date.toPython() <= needed_by:
                    offers.append((other, part))
    assert offers


# --- invalid inputs ------------------------------------------------------------------


def test_the_valid_template_has_no_violation_and_no_warning():
    results = validate(passport())
    assert not [r for r in results if r.severity in (SH.Violation, SH.Warning)], results


def test_negative_mass_is_a_violation_on_the_mass_value():
    results = violations(validate(passport(mass="-785.0")))
    assert [(r.focus, r.path) for r in results] == [(node("test", "#steel-mass"), QUDT.numericValue)]
    assert "negative" in results[0].message


def test_negative_mass_in_a_blank_node_is_reported_on_that_blank_node():
    data = inline("""
        <#part> a bot:Element ; mpr:connectionType conn:screwed ;
            mpr:composedOf [ mpr:material mat:steel ; mpr:mass [ qudt:numericValue -1 ; qudt:unit unit:KiloGM ] ] .
    """)
    mass = next(data.objects(None, MPR.mass))
    assert [(r.focus, r.path) for r in violations(validate(data))] == [(mass, QUDT.numericValue)]


def test_recycled_content_above_one_is_a_violation_on_the_composition():
    results = violations(validate(passport(recycled="1.5")))
    assert [(r.focus, r.path) for r in results] == [(node("test", "#steel"), MPR.recycledContent)]


def test_percentage_written_as_text_is_a_violation():
    results = violations(validate(passport(recycled='"30 %"')))
    # one result per failed bound (minimum and maximum), both on the composition
    assert {(r.focus, r.path) for r in results} == {(node("test", "#steel"), MPR.recycledContent)}


def test_quantity_without_unit_is_a_violation_on_the_quantity():
    results = violations(validate(passport(unit="")))
    assert [(r.focus, r.path) for r in results] == [(node("test", "#steel-mass"), QUDT.unit)]


def test_mass_in_a_volume_unit_is_a_violation():
    results = violations(validate(passport(unit="; qudt:unit unit:M3")))
    assert [(r.focus, r.path, r.shape) for r in results] == [
        (node("test", "#steel-mass"), QUDT.unit, SHAPES.MassUnitKindShape)
    ]


def test_unknown_material_is_a_violation_on_the_composition():
    results = violations(validate(passport(material="<https://w3id.org/mpr/materials/unobtainium>")))
    assert [(r.focus, r.path) for r in results] == [(node("test", "#steel"), MPR.material)]


def test_material_given_as_text_is_a_violation():
    results = violations(validate(passport(material='"steel"')))
    assert {(r.focus, r.path) for r in results} == {(node("test", "#steel"), MPR.material)}


def test_available_from_that_is_not_a_date_is_a_violation_on_the_part():
    for wrong in ('"2027"', '"2027-06-01T00:00:00"^^xsd:dateTime', '"June 2027"'):
        results = violations(validate(passport(available=wrong)))
        # the date's type, and its range (a text has none), are both reported on the part's mpr:availableFrom
        assert {(r.focus, r.path) for r in results} == {(node("test", "#beam"), MPR.availableFrom)}, wrong


def test_expected_lifetime_of_zero_is_a_violation():
    results = violations(validate(passport(lifetime="0")))
    assert [(r.focus, r.path) for r in results] == [(node("test", "#beam"), MPR.expectedLifetime)]


def test_composition_without_mass_yields_only_a_warning():
    data = passport()
    data.remove((node("test", "#steel"), MPR.mass, None))
    results = [r for r in validate(data) if r.severity != SH.Info]
    assert [(r.focus, r.path, r.severity) for r in results] == [(node("test", "#steel"), MPR.mass, SH.Warning)]


def test_part_without_composition_or_connection_type_yields_warnings_only():
    data = passport()
    data.remove((node("test", "#beam"), MPR.composedOf, None))
    data.remove((node("test", "#beam"), MPR.connectionType, None))
    results = [r for r in validate(data) if r.severity != SH.Info]
    assert {(r.focus, r.shape) for r in results} == {
        (node("test", "#beam"), SHAPES.PartCompositionShape),
        (node("test", "#beam"), SHAPES.PartConnectionShape),
    }


def test_part_of_a_product_type_needs_no_composition_of_its_own():
    data = passport()
    data.remove((node("test", "#beam"), MPR.composedOf, None))
    data.add((node("test", "#beam"), MPR.instanceOf, node("ergo-chair", "#product")))
    assert not [r for r in validate(data) if r.severity != SH.Info]


def test_building_without_location_or_date_yields_warnings():
    data = passport()
    data.remove((node("test", "#building"), URIRef("http://www.opengis.net/ont/geosparql#hasGeometry"), None))
    data.remove((node("test", "#building"), MPR.availableFrom, None))
    results = validate(data)
    assert not violations(results)
    assert {r.path for r in results if r.severity == SH.Warning} == {
        URIRef("http://www.opengis.net/ont/geosparql#hasGeometry"),
        MPR.availableFrom,
    }


def test_unknown_connection_type_is_a_violation_on_the_part():
    data = passport()
    data.add((node("test", "#beam"), MPR.connectionType, URIRef("https://w3id.org/mpr/connections/taped")))
    assert [(r.focus, r.path) for r in violations(validate(data))] == [(node("test", "#beam"), MPR.connectionType)]


def test_passport_of_an_untyped_asset_is_a_violation():
    data = passport()
    data.remove((node("test", "#building"), RDF.type, BOT.Building))
    results = violations(validate(data))
    assert [(r.focus, r.path) for r in results] == [(node("test"), MPR.describes)]


def test_geometry_that_is_not_a_point_or_polygon_is_a_violation():
    data = inline("""
        <#site> a bot:Site ; geo:hasGeometry <#g> .
        <#g> geo:asWKT "LINESTRING(5.1 52.0, 5.2 52.1)"^^geo:wktLiteral .
    """)
    assert [(r.focus, r.shape) for r in violations(validate(data))] == [
        (node("test", "#g"), SHAPES.GeometryWktFormShape)
    ]


def test_embodied_carbon_with_unknown_module_is_a_violation():
    data = inline("""
        <#part> a bot:Element ; mpr:connectionType conn:screwed ; mpr:instanceOf <other#product> ;
            mpr:embodiedCarbon <#co2> .
        <#co2> mpr:lifeCycleModule <https://w3id.org/mpr/modules/E9> ; mpr:kgCO2e -12.5 ;
            dcterms:source "EPD" .
    """)
    assert [(r.focus, r.path) for r in violations(validate(data))] == [(node("test", "#co2"), MPR.lifeCycleModule)]


def test_demand_quantity_without_unit_is_a_violation_on_the_demand():
    data = inline(
        """
        <> a mpr:Demand ; mpr:wants mat:glulam ;
            mpr:quantity [ qudt:numericValue 24 ] ;
            mpr:neededBy "2028-12-31"^^xsd:date ; mpr:radiusKm 100 ;
            geo:hasGeometry [ geo:asWKT "POINT(4.9 52.4)"^^geo:wktLiteral ] .
    """,
        stem="test",
        kind="demands",
    )
    results = violations(validate(data, "shapes/demand.ttl"))
    assert [(r.focus, r.path) for r in results] == [(node("test", kind="demands"), (MPR.quantity, QUDT.unit))]


def test_demand_with_negative_radius_and_text_date_has_two_violations():
    data = inline(
        """
        <> a mpr:Demand ; mpr:wants mat:glulam ;
            mpr:quantity [ qudt:numericValue 24 ; qudt:unit unit:NUM ] ;
            mpr:neededBy "end of 2028" ; mpr:radiusKm -5 ;
            geo:hasGeometry [ geo:asWKT "POINT(4.9 52.4)"^^geo:wktLiteral ] .
    """,
        stem="test",
        kind="demands",
    )
    results = violations(validate(data, "shapes/demand.ttl"))
    assert sorted(str(r.path) for r in results) == [str(MPR.neededBy), str(MPR.radiusKm)]


def test_demand_for_an_unknown_item_is_only_a_warning():
    data = inline(
        """
        <> a mpr:Demand ; mpr:wants <https://example.org/things/widget> ;
            mpr:quantity [ qudt:numericValue 3 ; qudt:unit unit:NUM ] ;
            mpr:neededBy "2028-12-31"^^xsd:date ; mpr:radiusKm 100 ;
            geo:hasGeometry [ geo:asWKT "POINT(4.9 52.4)"^^geo:wktLiteral ] .
    """,
        stem="test",
        kind="demands",
    )
    results = validate(data, "shapes/demand.ttl")
    assert [(r.path, r.severity) for r in results] == [(MPR.wants, SH.Warning)]


# --- criteria profiles -----------------------------------------------------------------


RECYCLED = "shapes/profiles/recycled-content-30.ttl"
DETACHABLE = "shapes/profiles/detachable-connections.ttl"


def composition_of(data: rdflib.Graph, part: URIRef, material: URIRef) -> rdflib.term.Node:
    return next(c for c in data.objects(part, MPR.composedOf) if data.value(c, MPR.material) == material)


def test_office_fails_the_recycled_content_profile_on_its_concrete():
    data = example("passports", "office-utrecht-1972")
    flagged = {r.focus for r in violations(validate(data, RECYCLED))}
    assert composition_of(data, node("office-utrecht-1972", "#floor-s1"), MAT["precast-concrete"]) in flagged
    assert composition_of(data, node("office-utrecht-1972", "#ground-floor"), MAT["reinforced-concrete"]) in flagged
    # glass wool with 60 % recycled content and stainless steel with 60 % meet the criterion
    assert composition_of(data, node("office-utrecht-1972", "#partitions-s1"), MAT["glass-wool"]) not in flagged
    assert composition_of(data, node("office-utrecht-1972", "#facade-panels"), MAT["stainless-steel"]) not in flagged


def test_office_fails_the_detachable_profile_on_wet_connections_only():
    data = example("passports", "office-utrecht-1972")
    flagged = {r.focus for r in violations(validate(data, DETACHABLE))}
    expected = {"#ground-floor", "#columns-s1", "#floor-s1", "#roof-covering", "#windows", "#facade-joints"}
    assert {node("office-utrecht-1972", f) for f in expected} <= flagged
    for fine in ("#partitions-s1", "#chairs-s1", "#facade-panels", "#ductwork", "#roof-insulation"):
        assert node("office-utrecht-1972", fine) not in flagged, fine
    # aggregates are judged by their parts, not flagged for lacking a connection type
    assert node("office-utrecht-1972", "#facade") not in flagged


def test_chair_and_school_meet_the_detachable_profile():
    for stem in ("ergo-chair", "school-eindhoven-2018"):
        assert not violations(validate(example("passports", stem), DETACHABLE)), stem


def test_chair_fails_the_recycled_content_profile_on_its_foam():
    data = example("passports", "ergo-chair")
    flagged = {r.focus for r in violations(validate(data, RECYCLED))}
    assert composition_of(data, node("ergo-chair", "#seat"), MAT["pu-foam"]) in flagged
    assert composition_of(data, node("ergo-chair", "#base"), MAT.aluminium) not in flagged


def test_profile_flags_a_composition_that_does_not_state_its_recycled_content():
    data = passport()
    data.remove((node("test", "#steel"), MPR.recycledContent, None))
    results = violations(validate(data, RECYCLED))
    assert [(r.focus, r.path) for r in results] == [(node("test", "#steel"), MPR.recycledContent)]
    for exactly_30_percent in (Literal("0.3", datatype=XSD.decimal), Literal(0.3)):  # Turtle, JSON-LD
        data.set((node("test", "#steel"), MPR.recycledContent, exactly_30_percent))
        assert not violations(validate(data, RECYCLED)), exactly_30_percent.datatype
