"""Where a passport's data lives: its IRI, its graphs, its change records. One place, so IRIs never drift."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from pyoxigraph import NamedNode

from registry.errors import MalformedInput

RECORD_SUFFIX = "/record"  # graph {passport}/record: see registry.passports.records
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")


def new_id() -> str:
    return secrets.token_hex(6)


def check_id(passport_id: str) -> str:
    if not ID_PATTERN.match(passport_id):
        raise MalformedInput(
            f"invalid passport id {passport_id!r}: use 1-100 lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return passport_id


@dataclass(frozen=True)
class PassportNames:
    """IRIs of one record; `collection` is the path segment ("passports", or "demands" for demands)."""

    base: str
    id: str
    collection: str = "passports"

    @property
    def iri(self) -> str:
        """The passport's IRI, also the name of the graph holding its current content."""
        return f"{self.base}/{self.collection}/{self.id}"

    @property
    def node(self) -> NamedNode:
        return NamedNode(self.iri)

    @property
    def content_graph(self) -> NamedNode:
        return NamedNode(self.iri)

    @property
    def record_graph(self) -> NamedNode:
        """Registry-managed facts: current version, status, dates, and every change with its patch."""
        return NamedNode(self.iri + RECORD_SUFFIX)

    def change(self, version: int) -> NamedNode:
        return NamedNode(f"{self.iri}/changes/{version}")

    @property
    def genid_base(self) -> str:
        return self.iri + "/.well-known/genid/"


def id_from_iri(base: str, iri: str) -> str | None:
    prefix = f"{base}/passports/"
    if iri.startswith(prefix) and "/" not in iri[len(prefix):] and "#" not in iri[len(prefix):]:
        return iri[len(prefix):]
    return None
