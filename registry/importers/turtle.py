"""A small Turtle writer for importers: relative IRIs (`<>`, `<#x>`) so the service can give the passport its IRI.

Building text directly is ~10x faster than building rdflib graphs for 50k-element models, and the output is
parsed (and so checked) by pyoxigraph in `PassportService.prepare` anyway.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from urllib.parse import quote

from registry.namespaces import PREFIXES

_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def text(value: str, lang: str | None = None) -> str:
    literal = '"' + value.translate(_ESCAPES) + '"'
    return f"{literal}@{lang}" if lang else literal


def decimal(value: float) -> str:
    """xsd:decimal, as the contract asks for quantities; rounded to 6 significant decimals to avoid float noise."""
    number = Decimal(repr(round(value, 6))).normalize()
    rendered = format(number, "f")
    if "." not in rendered:
        rendered += ".0"
    return rendered


def typed(value: str, datatype: str) -> str:
    return text(value) + "^^" + datatype


def local(key: str) -> str:
    """A fragment IRI relative to the passport (`<#wall-1>`); anything outside unreserved characters is escaped."""
    return "<#" + quote(key, safe="-_.~") + ">"


def iri(value: str) -> str:
    return "<" + quote(value, safe=":/?#[]@!$&'()*+,;=-_.~%") + ">"


def quantity(value: float, unit: str, source: str | None = None) -> str:
    parts = [f"a qudt:QuantityValue ; qudt:numericValue {decimal(value)} ; qudt:unit unit:{unit}"]
    if source:
        parts.append(f"dcterms:source {text(source)}")
    return "[ " + " ; ".join(parts) + " ]"


class TurtleDocument:
    """Statements as `subject predicate-object-list .` blocks; one block per node keeps the output readable."""

    def __init__(self) -> None:
        self._blocks: list[str] = []

    def add(self, subject: str, pairs: Iterable[tuple[str, str]]) -> None:
        body = " ;\n    ".join(f"{p} {o}" for p, o in pairs)
        self._blocks.append(f"{subject}\n    {body} .\n")

    def to_bytes(self, header: str = "") -> bytes:
        prefixes = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items())
        return (header + prefixes + "\n" + "\n".join(self._blocks)).encode("utf-8")
