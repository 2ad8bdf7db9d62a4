"""The W3C SHACL test suite's manifests as a list of cases (tests/data/w3c-shacl-*, see their LICENSE.md).

Follows the suite's conventions: a manifest `mf:include`s others and lists `mf:entries`; an
`sht:Validate` entry names a data graph and a shapes graph (`<>`: the entry's own file) and the
expected `sh:ValidationReport`, of which we compare `sh:conforms` and each result's focus node (blank nodes only as
`_:`: labels are the engine's own), constraint component and severity. Messages are left to the
implementation by the specification; paths and values are compared between our engines instead.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import unquote, urlparse

import rdflib
from rdflib.collection import Collection
from rdflib.namespace import SH

DATA = Path(__file__).parent / "data"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = rdflib.Namespace("http://www.w3.org/ns/shacl-test#")


@dataclass(frozen=True)
class Case:
    id: str  # e.g. "node/class-001"
    data: Path
    shapes: Path
    conforms: bool
    results: tuple[tuple[str, str, str], ...]  # sorted (focus node, constraint component IRI, severity name)


def focus_key(focus: str) -> str:
    return "_:" if focus.startswith("_:") else focus


def _expected(graph: rdflib.Graph, report: rdflib.term.Node) -> tuple[tuple[str, str, str], ...]:
    results = []
    for result in graph.objects(report, SH.result):
        focus = graph.value(result, SH.focusNode)
        results.append((focus_key(f"_:{focus}" if isinstance(focus, rdflib.BNode) else str(focus)),
                        str(graph.value(result, SH.sourceConstraintComponent)),
                        str(graph.value(result, SH.resultSeverity)).rsplit("#", 1)[-1]))
    return tuple(sorted(results))


def _file(iri: rdflib.term.Node) -> Path:
    return Path(unquote(urlparse(str(iri)).path))


def _cases(manifest: Path) -> list[Case]:
    graph = rdflib.Graph().parse(manifest, format="turtle", publicID=manifest.resolve().as_uri())
    cases = []
    for include in graph.objects(None, MF.include):
        cases += _cases(_file(include))
    for entries in graph.objects(None, MF.entries):
        for entry in Collection(graph, entries):
            action, result = graph.value(entry, MF.action), graph.value(entry, MF.result)
            if graph.value(result, SH.conforms) is None:  # sht:Failure: a shapes graph to refuse (none in core)
                continue
            data, shapes = _file(graph.value(action, SHT.dataGraph)), _file(graph.value(action, SHT.shapesGraph))
            name = str(entry).rsplit("/", 1)[-1]
            cases.append(Case(f"{manifest.parent.name}/{name}", data, shapes,
                              graph.value(result, SH.conforms).toPython() is True, _expected(graph, result)))
    return cases


def suite_cases(part: str) -> list[Case]:
    """The cases of one vendored part of the suite: "core" or "sparql"."""
    cases = _cases(DATA / f"w3c-shacl-{part}" / "manifest.ttl")
    return sorted((replace(c, id=f"{part}/{c.id}") for c in cases), key=lambda c: c.id)
