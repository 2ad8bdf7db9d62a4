"""Refuses XML with a document type declaration before any XML or RDF parser expands it.

pyoxigraph's RDF/XML parser expands internal entities without limit: a 1 kB upload with nested
entities ("billion laughs") grew the server by gigabytes, and an external entity could name a local
file or URL. No passport, spreadsheet or vocabulary the registry reads needs a DTD, so any DOCTYPE
(and with it every ENTITY declaration) is refused. The body is read by the stdlib expat parser with
handlers that stop at the declaration itself, before its entities are read, let alone expanded; a
DOCTYPE in an odd place (after the root element, in another encoding) is found the same way, because
expat reads the whole body rather than a pattern matching its first bytes.
"""

from __future__ import annotations

from typing import NoReturn
from xml.parsers import expat

from registry.errors import MalformedInput

RULE = "XML with a DOCTYPE (DTD or ENTITY declarations) is refused: entities are never expanded here"


class _Refused(Exception):
    """Raised inside an expat handler to stop the parse at the first declaration."""


def _stop(*_args: object) -> NoReturn:
    raise _Refused


def refuse_dtd(data: bytes, source: str = "the XML document") -> None:
    """Raise MalformedInput naming the rule if `data` declares a DOCTYPE, an entity or a notation.

    XML that expat cannot read at all is refused too (fail closed): whatever parser runs next must
    never see a body whose declarations were not checked.
    """
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _stop
    parser.EntityDeclHandler = _stop
    parser.UnparsedEntityDeclHandler = _stop
    parser.NotationDeclHandler = _stop
    parser.ExternalEntityRefHandler = _stop
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(data, True)
    except _Refused:
        raise MalformedInput(f"{source}: {RULE}") from None
    except expat.ExpatError as exc:
        raise MalformedInput(f"{source} is not well-formed XML: {exc}", line=exc.lineno) from exc
