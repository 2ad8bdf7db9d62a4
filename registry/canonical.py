"""Canonical lexical forms of typed literals, matching what Oxigraph stores.

Oxigraph keeps numbers, booleans and date-times as values and gives them back in canonical form
("11.0"^^xsd:decimal comes back as "11"); it even stores every derived integer type
(xsd:nonNegativeInteger, xsd:int, ...) as xsd:integer. Validation must see what will be stored.
Diffs between an upload and the stored version must not see such rewrites as changes, so uploads
are brought into the same form before anything else.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from pyoxigraph import Literal, NamedNode, Triple

from registry.namespaces import XSD

_T = TypeVar("_T")

_INTEGER_TYPES = {
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
    "nonPositiveInteger", "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte",
}
_DATETIME = re.compile(r"^(-?\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)?$")


def _decimal_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _decimal(text: str) -> str:
    if "e" in text.lower() or not text.strip():
        raise ValueError(text)
    return _decimal_text(Decimal(text))


def _integer(text: str) -> str:
    return str(int(text))


def _boolean(text: str) -> str:
    return {"1": "true", "0": "false", "true": "true", "false": "false"}[text]


def _double(text: str) -> str:
    special = {"NaN": "NaN", "INF": "INF", "+INF": "INF", "-INF": "-INF"}
    if text in special:
        return special[text]
    value = float(text)
    if math.isinf(value) or math.isnan(value):
        raise ValueError(text)
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    return _decimal_text(Decimal(repr(value)))


def _datetime(text: str) -> str:
    match = _DATETIME.match(text)
    if not match:
        raise ValueError(text)
    main, fraction, zone = match.groups()
    fraction = (fraction or "").rstrip("0").rstrip(".")
    if zone in ("+00:00", "-00:00"):
        zone = "Z"
    return main + fraction + (zone or "")


_INTEGER = NamedNode(XSD + "integer")
_RULES: dict[str, Callable[[str], str]] = {XSD + name: _integer for name in _INTEGER_TYPES}
_RULES.update({
    XSD + "decimal": _decimal,
    XSD + "boolean": _boolean,
    XSD + "double": _double,
    XSD + "float": _double,
    XSD + "dateTime": _datetime,
})


def canonical_form(value: str, datatype: str) -> tuple[str, str] | None:
    """(lexical form, datatype IRI) as Oxigraph stores a literal; None where no rule applies or it is ill-typed."""
    rule = _RULES.get(datatype)
    if rule is None:
        return None
    try:
        text = rule(value)
    except (ValueError, KeyError, InvalidOperation):
        return None  # ill-typed: left alone for SHACL to report
    return text, _INTEGER.value if rule is _integer else datatype


def canonical(term: _T) -> _T:
    """The term in Oxigraph's canonical form; anything but a typed literal is returned as it is."""
    if not isinstance(term, Literal) or term.language:
        return term
    form = canonical_form(term.value, term.datatype.value)
    if form is None or form == (term.value, term.datatype.value):
        return term
    return Literal(form[0], datatype=NamedNode(form[1]))  # type: ignore[return-value]  # _T is Literal here


def canonical_triples(triples: Sequence[Triple]) -> list[Triple]:
    return [
        t if not isinstance(t.object, Literal) else Triple(t.subject, t.predicate, canonical(t.object))
        for t in triples
    ]
