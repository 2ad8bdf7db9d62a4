"""The reference engine: pySHACL on an rdflib copy of the data, as the registry ran it before `shacl`.

Kept as a runtime choice (`?engine=pyshacl`, `mpr validate --engine pyshacl`, MPR_VALIDATION_ENGINE)
because it is the implementation auditors know, and the yardstick the fast engine is tested against.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import pyshacl
import rdflib
from pyoxigraph import Triple
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

from registry.rdf import to_rdflib
from registry.validation.report import (
    ValidationReport,
    ValidationResult,
    in_order,
    message_for,
    nameless_shape,
    plain_path,
    severity_name,
)
from registry.validation.shapes import ShapesSource

# The SPARQL rendering of each SHACL path form, as the fast engine prints it.
_UNARY = {SH.inversePath: "^{}", SH.zeroOrMorePath: "({})*", SH.oneOrMorePath: "({})+", SH.zeroOrOnePath: "({})?"}


def sparql_path(graph: rdflib.Graph, node: rdflib.term.Node) -> str:
    if not isinstance(node, rdflib.BNode):
        return f"<{node}>"
    if graph.value(node, RDF.first) is not None:
        return "(" + "/".join(sparql_path(graph, n) for n in Collection(graph, node)) + ")"
    alternatives = graph.value(node, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(sparql_path(graph, n) for n in Collection(graph, alternatives)) + ")"
    for predicate, form in _UNARY.items():
        inner = graph.value(node, predicate)
        if inner is not None:
            return form.format(sparql_path(graph, inner))
    return f"_:{node}"


def _term(node: rdflib.term.Node | None) -> str | None:
    if node is None:
        return None
    return f"_:{node}" if isinstance(node, rdflib.BNode) else str(node)


def _source_shape(shapes: rdflib.Graph, shape: rdflib.term.Node | None) -> str | None:
    if not isinstance(shape, rdflib.BNode):
        return _term(shape)
    root: rdflib.term.Node | None = shape
    seen = set()
    while isinstance(root, rdflib.BNode) and root not in seen:  # up through sh:property to a named shape
        seen.add(root)
        root = shapes.value(predicate=SH.property, object=root)
    path = shapes.value(shape, SH.path)
    return nameless_shape(_term(root), plain_path(sparql_path(shapes, path)) if path is not None else None)


def _declares_message(shapes: rdflib.Graph, *nodes: rdflib.term.Node | None) -> bool:
    """Whether a message comes from the shapes (the shape, its sh:sparql, a custom component's validator):
    otherwise pySHACL wrote its own, which the report replaces by the engine-neutral one."""
    shape, constraint, component = nodes
    sources = [shape, constraint]
    for predicate in (SH.validator, SH.propertyValidator, SH.nodeValidator):
        sources += list(shapes.objects(component, predicate)) if component is not None else []
    return any((s, SH.message, None) in shapes for s in sources if s is not None)


def _result(report: rdflib.Graph, shapes: rdflib.Graph, node: rdflib.term.Node) -> ValidationResult:
    shape, constraint = report.value(node, SH.sourceShape), report.value(node, SH.sourceConstraint)
    path = report.value(node, SH.resultPath)
    component = report.value(node, SH.sourceConstraintComponent)
    declared = _declares_message(shapes, shape, constraint, component)
    return ValidationResult(
        severity=severity_name(_term(report.value(node, SH.resultSeverity))),
        focus_node=_term(report.value(node, SH.focusNode)) or "",
        path=plain_path(sparql_path(report, path)) if path is not None else None,
        value=_term(report.value(node, SH.value)),
        message=message_for((str(m) for m in report.objects(node, SH.resultMessage)) if declared else (),
                            _term(component)),
        source_shape=_source_shape(shapes, shape),
        constraint=_term(component),
    )


def results_of(report: rdflib.Graph, shapes: rdflib.Graph) -> list[ValidationResult]:
    # Only the report's own sh:result entries: pySHACL also nests results under sh:detail (for sh:node
    # and sh:or), and those would appear twice with a literal as their "focus node".
    top = {r for node in report.subjects(RDF.type, SH.ValidationReport) for r in report.objects(node, SH.result)}
    return in_order(_result(report, shapes, r) for r in top)


class PyShaclEngine:
    """`ShaclEngine` on pySHACL. Pure Python: the GIL serialises it anyway, a lock keeps it thread-safe."""

    name = "pyshacl"

    def __init__(self, source: ShapesSource) -> None:
        self._source = source
        self._vocabulary = to_rdflib(source.vocabulary)
        self._graphs: dict[tuple[str, ...], rdflib.Graph] = {(): to_rdflib(source.shapes)}
        self._lock = threading.Lock()

    def _shapes(self, profiles: Sequence[str]) -> rdflib.Graph:
        key = self._source.check_profiles(profiles)
        if key not in self._graphs:
            self._graphs[key] = to_rdflib(self._source.shapes_with(key))
        return self._graphs[key]

    def validate(self, data: Sequence[Triple], profiles: Sequence[str] = ()) -> ValidationReport:
        with self._lock:
            shapes = self._shapes(profiles)
            graph = to_rdflib(data)
            graph += self._vocabulary
            _conforms, report, _text = pyshacl.validate(
                graph, shacl_graph=shapes, inference="none", abort_on_first=False,
                allow_warnings=True, allow_infos=True, inplace=True,
            )
            results = results_of(report, shapes)
        return ValidationReport(results=results, report_turtle=report.serialize(format="turtle"),
                                profiles=list(profiles), engine=self.name)
