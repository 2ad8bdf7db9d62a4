"""Every SHACL engine keeps the same contract, and the fast one gives exactly pySHACL's results.

The contract tests run once per engine (the `engine` fixture). The differential tests validate the
project's corpus (example passports and demands, test passports) and mutations of it (a required
property dropped, a wrong datatype, a value out of range, a value of the wrong class) with both
engines and compare the full results. Uploads are prepared as the registry prepares them (base IRI,
blank nodes skolemised), so focus nodes are comparable IRIs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, RdfFormat, Triple

from registry.errors import NotFound
from registry.matching.demand import DEMAND
from registry.passports import PassportService
from registry.passports.naming import PassportNames
from registry.settings import PROJECT_ROOT
from registry.store.oxigraph import OxigraphStore
from registry.validation import ENGINES, ShaclEngine, ValidationReport, Validator
from registry.validation.shapes import ShapesSource
from tests.conftest import DATA, EXAMPLES

BASE = "http://127.0.0.1:8000"
MPR = "https://w3id.org/mpr#"
QUDT = "http://qudt.org/schema/qudt/"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SHAPES = "https://w3id.org/mpr/shapes#"
PROFILES = ("recycled-content-30", "detachable-connections")


@pytest.fixture(scope="module")
def validator() -> Validator:
    return Validator(PROJECT_ROOT / "shapes", PROJECT_ROOT / "ontology")


@pytest.fixture(scope="module", params=list(ENGINES))
def engine(request: pytest.FixtureRequest, validator: Validator) -> ShaclEngine:
    return validator.engine(request.param)


def prepared(validator: Validator, path: Path) -> list[Triple]:
    """The triples the registry would validate for this file (its base IRI, skolemised blank nodes)."""
    kind = "demands" if path.parent.name == "demands" else "passports"
    service = PassportService(OxigraphStore(None), validator, BASE, collection=kind, skolem_key=b"test key",
                              **({"anchor": DEMAND} if kind == "demands" else {}))
    return service.prepare(path.read_bytes(), RdfFormat.TURTLE, PassportNames(BASE, path.stem, kind))


@pytest.fixture(scope="module")
def minimal(validator: Validator) -> list[Triple]:
    return prepared(validator, DATA / "minimal-passport.ttl")


def replaced(triples: list[Triple], predicate: str, value: NamedNode | Literal | None) -> list[Triple]:
    """The first triple with this predicate gets another object, or goes (value None)."""
    index = next(i for i, t in enumerate(triples) if t.predicate == NamedNode(predicate))
    t = triples[index]
    rest = triples[:index] + triples[index + 1:]
    return rest if value is None else [*rest, Triple(t.subject, t.predicate, value)]


def asset_typed(triples: list[Triple], cls: NamedNode | None) -> list[Triple]:
    """The described asset with another type (or none)."""
    asset = next(t.object for t in triples if t.predicate == NamedNode(MPR + "describes"))
    kept = [t for t in triples if not (t.subject == asset and t.predicate == RDF_TYPE)]
    return kept if cls is None else [*kept, Triple(asset, RDF_TYPE, cls)]


# --- the contract, on every engine -----------------------------------------------------------


def test_a_conforming_passport_has_no_violation(engine: ShaclEngine, minimal: list[Triple]) -> None:
    report = engine.validate(minimal)
    assert report.conforms and not report.violations
    assert report.engine == engine.name


def test_a_violation_names_focus_path_value_message_shape_and_component(
    engine: ShaclEngine, minimal: list[Triple]
) -> None:
    negative = Literal("-1", datatype=NamedNode(XSD + "decimal"))
    report = engine.validate(replaced(minimal, QUDT + "numericValue", negative))
    (result,) = report.violations
    assert result.focus_node.startswith(f"{BASE}/passports/minimal-passport/.well-known/genid/")
    assert (result.path, result.value, result.severity) == (QUDT + "numericValue", "-1", "Violation")
    assert result.source_shape == SHAPES + "MassNumberShape"
    assert result.constraint == "http://www.w3.org/ns/shacl#MinInclusiveConstraintComponent"
    assert "negative" in result.message
    assert not report.conforms


def test_warnings_and_infos_do_not_break_conformance(engine: ShaclEngine, minimal: list[Triple]) -> None:
    report = engine.validate(replaced(minimal, MPR + "availableFrom", None))
    assert report.conforms and report.warnings
    assert {r.severity for r in report.results} <= {"Warning", "Info"}


def test_a_criteria_profile_adds_its_results(engine: ShaclEngine, minimal: list[Triple]) -> None:
    report = engine.validate(minimal, ["recycled-content-30"])  # the column's concrete has 10 % recycled content
    assert [r.value for r in report.violations] == ["0.1"]
    assert report.profiles == ["recycled-content-30"]


def test_an_unknown_profile_is_not_found_and_names_the_known_ones(engine: ShaclEngine, minimal: list[Triple]) -> None:
    with pytest.raises(NotFound, match="recycled-content-30"):
        engine.validate(minimal, ["no-such-profile"])


def test_a_path_of_several_steps_is_written_in_sparql_syntax(engine: ShaclEngine, validator: Validator) -> None:
    demand = prepared(validator, EXAMPLES / "demands" / "timber-beams-amsterdam.ttl")
    report = engine.validate(replaced(demand, QUDT + "unit", None))
    assert f"(<{MPR}quantity>/<{QUDT}unit>)" in {r.path for r in report.violations}


@dataclass(frozen=True)
class Inline:
    """A tiny shapes graph and vocabulary, written in the test, for behaviour the project's shapes lack."""

    shapes: str
    vocabulary: str = ""

    def engine(self, name: str, tmp: Path) -> ShaclEngine:
        prefixes = "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .\n" \
                   "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        (tmp / "shapes").mkdir(exist_ok=True)
        (tmp / "ontology").mkdir(exist_ok=True)
        (tmp / "shapes" / "s.ttl").write_text(prefixes + self.shapes)
        (tmp / "ontology" / "o.ttl").write_text(prefixes + self.vocabulary)
        return ENGINES[name](ShapesSource.from_dirs(tmp / "shapes", tmp / "ontology"))


def ex(name: str) -> NamedNode:
    return NamedNode("http://example.org/" + name)


@pytest.mark.parametrize("name", list(ENGINES))
def test_sh_class_follows_subclasses_of_the_vocabularies(name: str, tmp_path: Path) -> None:
    shapes = "ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:part ;" \
             " sh:property [ sh:path ex:part ; sh:class ex:Element ] ."
    beam = [Triple(ex("b"), ex("part"), ex("beam")), Triple(ex("beam"), RDF_TYPE, ex("Beam"))]
    assert Inline(shapes, "ex:Beam rdfs:subClassOf ex:Element .").engine(name, tmp_path).validate(beam).conforms
    without = Inline(shapes).engine(name, tmp_path).validate(beam)
    assert [(r.focus_node, r.value) for r in without.violations] == [(ex("b").value, ex("beam").value)]
    assert without.violations[0].source_shape == "http://example.org/S sh:property [ sh:path http://example.org/part ]"


@pytest.mark.parametrize("name", list(ENGINES))
def test_sparql_constraints_report_their_message_with_bindings(name: str, tmp_path: Path) -> None:
    shapes = r'''ex:S a sh:NodeShape ; sh:targetSubjectsOf ex:start ;
        sh:sparql [ sh:message "starts after it ends ({?value})" ;
            sh:select """SELECT $this ?value WHERE { $this <http://example.org/start> ?value ;
                                                       <http://example.org/end> ?end . FILTER(?value > ?end) }""" ] .'''
    data = [Triple(ex("job"), ex("start"), Literal("5", datatype=NamedNode(XSD + "integer"))),
            Triple(ex("job"), ex("end"), Literal("3", datatype=NamedNode(XSD + "integer")))]
    (result,) = Inline(shapes).engine(name, tmp_path).validate(data).violations
    assert (result.focus_node, result.value, result.message) == (ex("job").value, "5", "starts after it ends (5)")
    assert result.constraint == "http://www.w3.org/ns/shacl#SPARQLConstraintComponent"


@pytest.mark.parametrize("name", list(ENGINES))
def test_a_shape_without_message_gets_the_same_message_from_every_engine(name: str, tmp_path: Path) -> None:
    shapes = "ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:property [ sh:path ex:p ; sh:minCount 1 ] ."
    (result,) = Inline(shapes).engine(name, tmp_path).validate([]).violations
    assert result.message == "MinCount constraint not met"


def test_the_validator_names_the_engines_when_asked_for_an_unknown_one(validator: Validator) -> None:
    from registry.errors import InvalidParameter

    with pytest.raises(InvalidParameter, match="shacl, pyshacl"):
        validator.engine("jena")


# --- differential: the fast engine gives pySHACL's results ---------------------------------------

CORPUS = sorted((EXAMPLES / "passports").glob("*.ttl")) + sorted((EXAMPLES / "demands").glob("*.ttl")) \
    + [DATA / "minimal-passport.ttl"]

Mutation = Callable[[list[Triple]], list[Triple]]
DECIMAL, STRING = NamedNode(XSD + "decimal"), NamedNode(XSD + "string")
MUTATIONS: dict[str, Mutation] = {
    "drop a required unit": lambda t: replaced(t, QUDT + "unit", None),
    "drop a required material": lambda t: replaced(t, MPR + "material", None),
    "drop the asset's type": lambda t: asset_typed(t, None),
    "asset of the wrong class": lambda t: asset_typed(t, NamedNode("https://schema.org/Organization")),
    "date as text": lambda t: replaced(t, MPR + "availableFrom", Literal("June 2027")),
    "number as text": lambda t: replaced(t, QUDT + "numericValue", Literal("heavy")),
    "fraction above one": lambda t: replaced(t, MPR + "recycledContent", Literal("1.5", datatype=DECIMAL)),
    "negative mass": lambda t: replaced(t, QUDT + "numericValue", Literal("-3", datatype=DECIMAL)),
    "material of an unknown scheme": lambda t: replaced(t, MPR + "material", ex("unobtainium")),
    "connection type from the materials scheme":
        lambda t: replaced(t, MPR + "connectionType", NamedNode("https://w3id.org/mpr/materials/steel")),
    "material given as text": lambda t: replaced(t, MPR + "material", Literal("steel")),
}
DEMAND_MUTATIONS: dict[str, Mutation] = {
    "demand without unit": lambda t: replaced(t, QUDT + "unit", None),
    "demand date as text": lambda t: replaced(t, MPR + "neededBy", Literal("end of 2028")),
    "negative radius": lambda t: replaced(t, MPR + "radiusKm", Literal("-5", datatype=DECIMAL)),
    "demand for a literal": lambda t: replaced(t, MPR + "wants", Literal("glulam", datatype=STRING)),
}


def both(validator: Validator, triples: list[Triple], profiles: tuple[str, ...] = ()) -> Iterator[ValidationReport]:
    for name in ("shacl", "pyshacl"):
        yield validator.validate(triples, profiles, name)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_engines_agree_on_the_corpus_with_and_without_profiles(validator: Validator, path: Path) -> None:
    triples = prepared(validator, path)
    for profiles in ((), PROFILES):
        fast, reference = both(validator, triples, profiles)
        assert fast.results == reference.results


@pytest.mark.parametrize("stem", ["minimal-passport", "office-utrecht-1972"])
@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_engines_agree_on_a_mutated_passport(validator: Validator, mutation: str, stem: str) -> None:
    path = DATA / f"{stem}.ttl" if stem == "minimal-passport" else EXAMPLES / "passports" / f"{stem}.ttl"
    fast, reference = both(validator, MUTATIONS[mutation](prepared(validator, path)))
    assert reference.violations or reference.warnings, "the mutation should make the passport fail a shape"
    assert fast.results == reference.results


@pytest.mark.parametrize("mutation", list(DEMAND_MUTATIONS))
def test_engines_agree_on_a_mutated_demand(validator: Validator, mutation: str) -> None:
    triples = prepared(validator, EXAMPLES / "demands" / "timber-beams-amsterdam.ttl")
    fast, reference = both(validator, DEMAND_MUTATIONS[mutation](triples))
    assert reference.violations or reference.warnings, "the mutation should make the demand fail a shape"
    assert fast.results == reference.results
