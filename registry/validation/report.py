"""A typed SHACL validation report, the same whichever engine produced it.

Engines describe results in their own terms (pySHACL as an rdflib report graph, `shacl` as N-Triples
strings). Every field here has one rendering, so a report from one engine equals the other's:
- terms: an IRI as itself, a literal as its lexical form, a blank node as `_:label`;
- paths: a bare predicate as its IRI, anything else in SPARQL property-path syntax (`(<a>/<b>)`, `^<a>`);
- messages: the shape's own `sh:message`, or one made here from the constraint component (engines
  word their default messages differently);
- source shapes: an IRI, or for a nameless `sh:property [ ... ]` the nearest named shape and the path,
  since blank node labels in the shapes graph differ between engines.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

SH = "http://www.w3.org/ns/shacl#"
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
    # the focus node as a person reads it (registry/naming.py): a label or a path from a named part
    focus_label: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)

    def sort_key(self) -> tuple[int, str, str, str, str, str, str]:
        return (SEVERITY_ORDER.get(self.severity, 9), self.focus_node, self.path or "", self.source_shape or "",
                self.constraint or "", self.value or "", self.message)


@dataclass
class ValidationReport:
    """`conforms` is about violations only: warnings mark incomplete data, they never block storage."""

    results: list[ValidationResult] = field(default_factory=list)
    report_turtle: str = ""
    profiles: list[str] = field(default_factory=list)
    engine: str = ""

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
            "engine": self.engine,
            "results": [r.as_dict() for r in self.results],
        }


def in_order(results: Iterable[ValidationResult]) -> list[ValidationResult]:
    """Severity first, then focus node and path: the order a builder reads a report in."""
    return sorted(results, key=ValidationResult.sort_key)


def plain_path(sparql_path: str | None) -> str | None:
    """A bare predicate `<iri>` as its IRI (what clients have always read); longer paths stay SPARQL."""
    if sparql_path and sparql_path.startswith("<") and sparql_path.endswith(">") and ">" not in sparql_path[1:-1]:
        return sparql_path[1:-1]
    return sparql_path


def severity_name(iri: str | None) -> str:
    return iri.rsplit("#", 1)[-1] if iri else "Violation"


def message_for(declared: Iterable[str], constraint: str | None) -> str:
    """The shape's messages (sorted: engines list language variants in any order), else one of ours."""
    messages = sorted(set(declared))
    if messages:
        return "; ".join(messages)
    component = (constraint or "").rsplit("#", 1)[-1].removesuffix("ConstraintComponent")
    return f"{component or 'SHACL'} constraint not met"


def nameless_shape(root: str | None, path: str | None) -> str:
    """A `sh:property [ ... ]` shape has no name of its own: call it by its named parent and its path."""
    return f"{root or '_:'} sh:property [ sh:path {path or '()'} ]"
