"""The W3C SHACL test suite (data-shapes-test-suite/tests/core and tests/sparql) on every validation engine.

Each case validates its data graph with its shapes graph through the registry's `ShaclEngine`
interface and must give the expected conformance and the expected results (focus node, constraint
component, severity). Known misses are xfail(strict) with their reason, so a fix shows up as XPASS.
"""

from __future__ import annotations

import logging
import re
from functools import cache

import pytest

from registry.validation import ENGINES, ValidationReport, ValidationResult
from registry.validation.shapes import ShapesSource, read_triples
from tests.w3c_manifest import Case, focus_key, suite_cases

CASES = suite_cases("core") + suite_cases("sparql")
KNOWN_MISSES = {
    ("pyshacl", "core/property/uniqueLang-002"):
        'pySHACL reads sh:uniqueLang "1"^^xsd:boolean as true; the spec activates the constraint only for true',
    ("pyshacl", "sparql/node/prefixes-001"):
        "pySHACL does not follow owl:imports from sh:prefixes to the sh:declare it names (it passes only when "
        "rdflib's parser happens to have bound the prefix)",
    ("pyshacl", "sparql/pre-binding/shapesGraph-001"): "pySHACL does not support $shapesGraph",
}


def _params() -> list[object]:
    params = []
    for engine in ENGINES:
        for case in CASES:
            reason = KNOWN_MISSES.get((engine, case.id))
            marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
            params.append(pytest.param(engine, case, id=f"{engine}:{case.id}", marks=marks))
    return params


@cache
def report_of(engine: str, case: Case) -> ValidationReport:
    """Cached: the engines' agreement below reuses the reports the suite already made."""
    return ENGINES[engine](ShapesSource(read_triples([case.shapes]))).validate(read_triples([case.data]))


def _blank(text: str | None) -> str | None:
    return re.sub(r"_:\w+", "_:", text) if text else text


@pytest.fixture(autouse=True)
def quiet_rdflib() -> None:
    # Some cases hold ill-typed literals on purpose; rdflib logs a traceback for each.
    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize(("engine", "case"), _params())
def test_w3c_case(engine: str, case: Case) -> None:
    report = report_of(engine, case)
    # SHACL conformance is "no results at all"; the registry's `conforms` only counts violations.
    assert (not report.results) == case.conforms
    got = sorted((focus_key(r.focus_node), r.constraint or "", r.severity) for r in report.results)
    assert tuple(got) == case.results


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("case", [c for c in CASES if ("pyshacl", c.id) not in KNOWN_MISSES], ids=lambda c: c.id)
def test_engines_agree_on_w3c_case(case: Case) -> None:
    """Beyond what the suite checks: paths, values, messages and source shapes are equal too.

    Blank nodes are compared as `_:` only: each engine labels the blank nodes of its input its own way.
    """
    def key(r: ValidationResult) -> tuple[str, ...]:
        return (_blank(r.focus_node) or "", r.path or "", r.severity, _blank(r.source_shape) or "",
                _blank(r.value) or "", r.constraint or "", r.message)

    fast, reference = (sorted(map(key, report_of(engine, case).results)) for engine in ("shacl", "pyshacl"))
    assert fast == reference
