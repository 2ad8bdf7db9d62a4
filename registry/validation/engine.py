"""The one interface a SHACL engine offers the registry.

An engine is built from a `ShapesSource` (shapes compiled once, at construction) and validates the
triples pyoxigraph already parsed, with the source's vocabularies mixed in. Every engine returns the
same typed `ValidationReport`; `tests/test_validation_engines.py` holds each one to that contract and
to the others' results.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from pyoxigraph import Triple

from registry.validation.report import ValidationReport


class ShaclEngine(Protocol):
    """Validates one data graph against the shapes plus the named criteria profiles.

    Raises `NotFound` for an unknown profile. Safe to call from several threads.
    """

    name: str

    def validate(self, data: Sequence[Triple], profiles: Sequence[str] = ()) -> ValidationReport: ...
