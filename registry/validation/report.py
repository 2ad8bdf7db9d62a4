"""A typed SHACL validation report, shaped like pySHACL's results so auditors recognise it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import rdflib
from rdflib.namespace import RDF, SH

SEVERITY_ORDER = {"Violation": 0, "Warning": 1, "Info": 2}


@dataclass(frozen=True)
class ValidationResult:
    severity: str  # "Violation" | "Warning" | "Info"
    focus_node: str
    path: str | None
    value: str | None
    message: str
    source_shape: str | None
    constraint: str | None

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)


@dataclass
class ValidationReport:
    """`conforms` is about violations only: warnings mark incomplete data, they never block storage."""

    results: list[ValidationResult] = field(default_factory=list)
    report_turtle: str = ""
    profiles: list[str] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return not self.violations

    @property
    def violations(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Warning"]

    def as_dict(self) -> dict[str, object]:
        return {
            "conforms": self.conforms,
            "violations": len(self.violations),
            "warnings": len(self.warnings),
            "profiles": self.profiles,
            "results": [r.as_dict() for r in self.results],
        }


def _text(graph: rdflib.Graph, node: rdflib.term.Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, rdflib.BNode):
        # Paths like sequence or inverse paths are blank nodes: show them in Turtle-ish form.
        inverse = graph.value(node, SH.inversePath)
        if inverse is not None:
            return f"^{inverse}"
        items = list(graph.items(node)) if graph.value(node, RDF.first) is not None else []
        if items:
            return "/".join(str(i) for i in items)
        return f"_:{node}"
    return str(node)


def report_from_graph(report: rdflib.Graph, profiles: list[str]) -> ValidationReport:
    results = []
    # Only the report's own sh:result entries: pySHACL also nests results under sh:detail (for sh:node
    # and sh:or), and those would appear twice with a literal as their "focus node".
    top = {r for node in report.subjects(RDF.type, SH.ValidationReport) for r in report.objects(node, SH.result)}
    for result in top:
        severity = report.value(result, SH.resultSeverity)
        messages = [str(m) for m in report.objects(result, SH.resultMessage)]
        results.append(
            ValidationResult(
                severity=str(severity).rsplit("#", 1)[-1] if severity else "Violation",
                focus_node=_text(report, report.value(result, SH.focusNode)) or "",
                path=_text(report, report.value(result, SH.resultPath)),
                value=_text(report, report.value(result, SH.value)),
                message="; ".join(messages) or "constraint not met",
                source_shape=_text(report, report.value(result, SH.sourceShape)),
                constraint=_text(report, report.value(result, SH.sourceConstraintComponent)),
            )
        )
    results.sort(key=lambda r: (SEVERITY_ORDER.get(r.severity, 9), r.focus_node, r.path or ""))
    return ValidationReport(
        results=results, report_turtle=report.serialize(format="turtle"), profiles=profiles
    )
