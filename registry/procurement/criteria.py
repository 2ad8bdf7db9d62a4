"""Criteria profiles: SHACL shapes read as tender criteria (label nl/en, source, kind, weight).

Why SHACL: a criterion is a constraint on passport data, which is what a shape states, and the
registry already runs two SHACL engines; a procurer's profile is then data like a passport (uploaded,
versioned, diffed). Each criterion is one named property shape typed `mpr:Criterion` (ontology/mpr.ttl);
the two older profiles, written before criteria had kinds, are read as minimum requirements, one per
targeted shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from pyoxigraph import Literal, NamedNode, Triple

from registry.errors import InvalidPassport
from registry.namespaces import DCTERMS, RDF_TYPE, RDFS, SH, mpr
from registry.validation import ValidationReport, ValidationResult
from registry.validation.fast import FastEngine
from registry.validation.shapes import ShapesSource

CRITERION = mpr("Criterion")
KIND = mpr("criterionKind")
WEIGHT = mpr("weight")
AWARD = mpr("AwardCriterion")
MINIMUM = mpr("MinimumRequirement")
LABEL = NamedNode(RDFS + "label")
SOURCE = NamedNode(DCTERMS + "source")
TARGETS = tuple(NamedNode(SH + t) for t in ("targetClass", "targetSubjectsOf", "targetObjectsOf", "targetNode"))
PATH = NamedNode(SH + "path")
NAME = NamedNode(SH + "name")
MESSAGE = NamedNode(SH + "message")
PROPERTY = NamedNode(SH + "property")


@dataclass(frozen=True)
class Criterion:
    iri: str
    label_en: str
    label_nl: str | None
    source: str | None
    kind: str  # "minimum" | "award"
    weight: float
    path: str | None  # the predicate, where the shape's path is one
    targets: tuple[tuple[str, str], ...]  # (target kind, IRI): how the focus nodes are found
    message: str | None

    def as_dict(self) -> dict[str, object]:
        out = asdict(self)
        out.pop("targets")
        return out


@dataclass(frozen=True)
class Profile:
    name: str
    label: str
    shapes: tuple[Triple, ...]
    criteria: tuple[Criterion, ...]
    version: int | None = None  # a stored profile's version; None for a shipped one


def _text(triples: Sequence[Triple], subject: object, predicate: NamedNode, language: str | None = None) -> str | None:
    for t in triples:
        if (t.subject == subject and t.predicate == predicate and isinstance(t.object, Literal)
                and (language is None or t.object.language == language)):
            return t.object.value
    return None


def _objects(triples: Sequence[Triple], subject: object, predicate: NamedNode) -> list[object]:
    return [t.object for t in triples if t.subject == subject and t.predicate == predicate]


def _weight(triples: Sequence[Triple], node: object) -> float:
    text = _text(triples, node, WEIGHT)
    try:
        weight = float(text) if text is not None else 0.0
    except ValueError:
        return -1.0
    return weight if weight >= 0 and weight == weight and weight != float("inf") else -1.0


def _criterion(triples: Sequence[Triple], node: NamedNode, typed: bool) -> Criterion:
    kind = next(iter(_objects(triples, node, KIND)), MINIMUM)
    path = next(iter(_objects(triples, node, PATH)), None)
    targets = tuple((str(p.value).rsplit("#", 1)[-1], o.value) for p in TARGETS
                    for o in _objects(triples, node, p) if isinstance(o, NamedNode))
    label = (_text(triples, node, LABEL, "en") or _text(triples, node, NAME) or node.value)
    return Criterion(
        iri=node.value, label_en=label, label_nl=_text(triples, node, LABEL, "nl"),
        source=_text(triples, node, SOURCE), kind="award" if kind == AWARD else "minimum",
        weight=_weight(triples, node) if typed else 0.0,
        path=path.value if isinstance(path, NamedNode) else None, targets=targets,
        message=_text(triples, node, MESSAGE),
    )


def read_profile(name: str, shapes: Sequence[Triple], version: int | None = None) -> Profile:
    """The criteria of a profile's shapes: typed mpr:Criterion, else every targeted named shape."""
    typed = sorted({t.subject for t in shapes if t.predicate == RDF_TYPE and t.object == CRITERION
                    and isinstance(t.subject, NamedNode)}, key=str)
    if typed:
        criteria = [_criterion(shapes, node, True) for node in typed]
    else:
        targeted = sorted({t.subject for t in shapes if t.predicate in TARGETS and isinstance(t.subject, NamedNode)},
                          key=str)
        criteria = [_criterion(shapes, node, False) for node in targeted]
    profile_nodes = [t.subject for t in shapes if t.predicate == RDF_TYPE and t.object == mpr("CriteriaProfile")]
    label = (_text(shapes, profile_nodes[0], LABEL, "en") if profile_nodes else None) or name
    return Profile(name, label, tuple(shapes), tuple(criteria), version)


#: SHACL-SPARQL runs queries of the profile's author over every offer: not accepted from uploads (time
#: and resources of a query cannot be bounded per criterion); core constraint components only.
SPARQL_TERMS = frozenset(NamedNode(SH + t) for t in ("sparql", "select", "ask", "construct", "SPARQLConstraint",
                                                       "SPARQLTarget", "SPARQLTargetType", "SPARQLFunction"))


def compiled(shapes: Sequence[Triple]) -> str | None:
    """None when the shapes compile; else what the SHACL engine found wrong with them."""
    try:
        FastEngine(ShapesSource(shapes=tuple(shapes)))
    except ValueError as exc:  # the `shacl` engine's "invalid shapes graph: ..."
        return str(exc)
    return None


def check_profile(triples: Sequence[Triple]) -> None:
    """A stored profile must be usable: criteria with labels in nl and en, a source, a kind and a weight."""
    profile = read_profile("upload", triples)
    problems = []
    if any(t.predicate in SPARQL_TERMS or t.object in SPARQL_TERMS for t in triples):
        problems.append("SHACL-SPARQL (sh:sparql, sh:select, SPARQL targets) is not accepted in criteria profiles")
    elif (error := compiled(triples)) is not None:
        problems.append(error)
    typed = {t.subject for t in triples if t.predicate == RDF_TYPE and t.object == CRITERION}
    if not typed:
        problems.append("a criteria profile states at least one criterion (a named shape typed mpr:Criterion)")
    for c in profile.criteria:
        missing = [what for what, ok in (("rdfs:label in nl", c.label_nl), ("rdfs:label in en", c.label_en != c.iri),
                                         ("dcterms:source", c.source), ("sh:path", c.path),
                                         ("a target", c.targets)) if not ok]
        if _weight(triples, NamedNode(c.iri)) < 0:
            missing.append("mpr:weight as a number >= 0")
        if not _objects(triples, NamedNode(c.iri), KIND):
            missing.append("mpr:criterionKind")
        if missing:
            problems.append(f"criterion {c.iri} lacks {', '.join(missing)}")
    if problems:
        raise InvalidPassport("the criteria profile is incomplete: " + "; ".join(problems), report=ValidationReport(
            results=[ValidationResult("Violation", "", None, None, p, None, None) for p in problems]))
