"""Validation as the registry uses it: the configured engine by default, another on request."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cached_property
from pathlib import Path

import rdflib
from pyoxigraph import Triple

from registry.errors import InvalidParameter
from registry.naming import Names
from registry.rdf import to_rdflib
from registry.validation.engine import ShaclEngine
from registry.validation.fast import FastEngine
from registry.validation.reference import PyShaclEngine
from registry.validation.report import ValidationReport
from registry.validation.shapes import ShapesSource

#: Engines by the name clients give (`?engine=`, `--engine`, MPR_VALIDATION_ENGINE); the first is the default.
ENGINES: dict[str, Callable[[ShapesSource], ShaclEngine]] = {"shacl": FastEngine, "pyshacl": PyShaclEngine}
DEFAULT_ENGINE = next(iter(ENGINES))


def check_engine(name: str) -> str:
    if name not in ENGINES:
        raise InvalidParameter(f"unknown SHACL engine {name!r}; choose one of: {', '.join(ENGINES)}")
    return name


def named(report: ValidationReport, triples: Sequence[Triple]) -> ValidationReport:
    """The report with a readable name beside each focus node: skolem hashes tell a builder nothing (issue 16)."""
    if not report.results:
        return report
    names = Names(triples)
    report.results = [replace(r, focus_label=names.name(r.focus_node)) for r in report.results]
    return report


class Validator:
    """Validates graphs against the registry's shapes plus optional criteria profiles.

    The default engine compiles its shapes here, at start-up; another engine is built on its first
    request (pySHACL's rdflib graphs cost start-up time that most deployments never use).
    """

    def __init__(self, shapes_dir: Path, ontology_dir: Path, engine: str = DEFAULT_ENGINE) -> None:
        self.shapes_dir = shapes_dir
        self.source = ShapesSource.from_dirs(shapes_dir, ontology_dir)
        self.default_engine = check_engine(engine)
        self._engines: dict[str, ShaclEngine] = {engine: ENGINES[engine](self.source)}
        self._lock = threading.Lock()

    @cached_property
    def ontology(self) -> rdflib.Graph:
        """The vocabularies as an rdflib graph, for code that reads them with rdflib."""
        return to_rdflib(self.source.vocabulary)

    def profiles(self) -> list[str]:
        return self.source.profile_names()

    def engine(self, name: str | None = None) -> ShaclEngine:
        name = check_engine(name or self.default_engine)
        with self._lock:
            if name not in self._engines:
                self._engines[name] = ENGINES[name](self.source)
            return self._engines[name]

    def validate(
        self, triples: Sequence[Triple], profiles: Sequence[str] = (), engine: str | None = None,
        *, names: bool = True,
    ) -> ValidationReport:
        """`names=False` leaves focus nodes unnamed: naming reads the whole graph (~0.3 s at 100k triples), and a
        write that conforms only counts the warnings; it names a report it refuses with (`named`)."""
        report = self.engine(engine).validate(triples, profiles)
        return named(report, triples) if names else report
