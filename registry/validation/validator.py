"""Runs SHACL with pySHACL: shapes and vocabularies are parsed once, at start-up."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import pyshacl
import rdflib
from pyoxigraph import Triple

from registry.errors import NotFound
from registry.rdf import to_rdflib
from registry.validation.report import ValidationReport, report_from_graph


def _load(paths: Sequence[Path]) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in sorted(paths):
        graph.parse(path, format="turtle")
    return graph


class Validator:
    """Validates graphs against the registry's shapes plus optional criteria profiles.

    The vocabularies (ontology/*.ttl) are mixed into the data graph so that `sh:class` checks can
    follow `rdfs:subClassOf` and `skos:inScheme` without running RDFS inference over the data.
    """

    def __init__(self, shapes_dir: Path, ontology_dir: Path) -> None:
        self.shapes_dir = shapes_dir
        self._shapes = _load(list(shapes_dir.glob("*.ttl")))
        self._ontology = _load(list(ontology_dir.glob("*.ttl")))
        self._profiles = {p.stem: p for p in (shapes_dir / "profiles").glob("*.ttl")}
        self._profile_graphs: dict[str, rdflib.Graph] = {}
        # pySHACL is pure Python (the GIL serialises it anyway); one at a time keeps it thread-safe.
        self._lock = threading.Lock()

    @property
    def ontology(self) -> rdflib.Graph:
        return self._ontology

    def profiles(self) -> list[str]:
        return sorted(self._profiles)

    def _shapes_with(self, profiles: Sequence[str]) -> rdflib.Graph:
        if not profiles:
            return self._shapes
        combined = rdflib.Graph()
        combined += self._shapes
        for name in profiles:
            if name not in self._profiles:
                raise NotFound(f"unknown validation profile {name!r}; known: {', '.join(self.profiles())}")
            if name not in self._profile_graphs:
                self._profile_graphs[name] = _load([self._profiles[name]])
            combined += self._profile_graphs[name]
        return combined

    def validate(self, triples: Sequence[Triple], profiles: Sequence[str] = ()) -> ValidationReport:
        shapes = self._shapes_with(profiles)
        data = to_rdflib(triples)
        data += self._ontology
        with self._lock:
            _conforms, report_graph, _text = pyshacl.validate(
                data,
                shacl_graph=shapes,
                inference="none",
                abort_on_first=False,
                allow_warnings=True,
                allow_infos=True,
                inplace=True,
            )
        return report_from_graph(report_graph, list(profiles))
