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
from xml.etree import ElementTree
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


def parse(data: bytes, source: str = "the XML document", max_depth: int = 64,
          max_elements: int = 200_000) -> ElementTree.Element:
    """The element tree of `data`, after `refuse_dtd`, read with bounded nesting and element count.

    With no DOCTYPE there is nothing to expand, so the stdlib ElementTree reads what remains; the pull
    parser lets the depth and size be refused while reading, before a deep or huge tree is built.
    """
    refuse_dtd(data, source)
    parser: ElementTree.XMLPullParser[ElementTree.Element] = ElementTree.XMLPullParser(events=("start", "end"))
    state = [0, 0]  # depth, elements
    root: ElementTree.Element | None = None
    try:
        for at in range(0, len(data), CHUNK):
            parser.feed(data[at:at + CHUNK])
            root = _check_events(parser, state, root, source, max_depth, max_elements)
        parser.close()
    except ElementTree.ParseError as exc:
        raise MalformedInput(f"{source} is not well-formed XML: {exc}") from exc
    root = _check_events(parser, state, root, source, max_depth, max_elements)
    if root is None:
        raise MalformedInput(f"{source} has no root element")
    return root


CHUNK = 64 * 1024


def _check_events(parser: ElementTree.XMLPullParser[ElementTree.Element], state: list[int],
                  root: ElementTree.Element | None, source: str, max_depth: int,
                  max_elements: int) -> ElementTree.Element | None:
    for item in parser.read_events():
        if not isinstance(item, tuple) or len(item) != 2 or not isinstance(item[1], ElementTree.Element):
            continue  # only "start" and "end" are asked for; these carry elements
        event, element = item
        if event == "end":
            state[0] -= 1
            continue
        state[0] += 1
        state[1] += 1
        root = root if root is not None else element
        if state[0] > max_depth:
            raise MalformedInput(f"{source} nests elements deeper than {max_depth} levels")
        if state[1] > max_elements:
            raise MalformedInput(f"{source} has more than {max_elements} elements")
    return root
