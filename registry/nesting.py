"""How deeply user input may nest, checked before any parser or walk over it runs.

Why: nesting is where parsers and graph walks recurse. Measured with pyoxigraph 0.5.13 in one
process: JSON-LD nested ~4,000 levels deep and Turtle triple terms `<<( ... )>>` ~20,000 deep
crash the process (a native stack overflow, not an exception); RDF/XML nested 20,000 elements deep
takes 34 s to parse (40,000: 172 s, quadratic); Python's own JSON reader raises RecursionError
past ~1,000 levels. A passport needs a few levels (part, composition, quantity), so the registry
states one generous limit and refuses more with a 400 before anything is parsed or stored:

- MAX_NESTING levels of blank-node nesting in the parsed graph, whatever the input format;
- MAX_SYNTAX_NESTING levels of brackets or elements in the text, checked before parsing, because a
  format may spend several syntactic levels on one blank node (JSON-LD an object and an array,
  RDF/XML a property element and a node element).

RDF collections do not nest: `rdf:rest` continues a list at its own level, so long lists stay fine.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Sequence
from itertools import accumulate

from pyoxigraph import BlankNode, RdfFormat, Triple

from registry.errors import MalformedInput

MAX_NESTING = 64
MAX_SYNTAX_NESTING = 4 * MAX_NESTING
RDF_REST = "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest"

# Each text is first cut down to the bytes that carry structure, by C-level regex substitutions and
# byte translations, then its brackets are counted ("[" opens, "]" closes). A Python loop over
# tokens took half as long as the parse itself (9 s for 32 MB of Turtle); this takes a fraction.
_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_QUOTED = re.compile(rb'"[^"]*+"')
# Turtle, TriG, N-Triples, N-Quads: strings, IRIs, escapes and comments hold no structure. What is
# left of "<" and ">" afterwards are RDF 1.2 reifiers and triple terms, `<<`, `<<(`, `)>>`, `>>`.
_TURTLE_SKIP = re.compile(
    rb'"""(?:[^"\\]|\\.|"(?!""))*+"""' + rb"|'''(?:[^'\\]|\\.|'(?!''))*+'''"
    + rb'|"[^"\\\n\r]*+(?:\\.[^"\\\n\r]*+)*+"' + rb"|'[^'\\\n\r]*+(?:\\.[^'\\\n\r]*+)*+'"
    + rb'|<[^<>"{}|^`\\\x00-\x20]*+>|\\.|#[^\n\r]*+',
    re.DOTALL,
)
_XML_SKIP = re.compile(rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<!DOCTYPE(?:[^\[>]|\[.*?\])*>", re.DOTALL)
# On markup cut down to < > / " ' (possessive: a start tag fails the empty-tag pattern without backtracking).
_XML_CLOSING = re.compile(rb"</[^>]*+>")
_XML_EMPTY = re.compile(rb"""<[^<>"'/]*+(?:(?:"[^"]*+"|'[^']*+'|/(?!>))[^<>"'/]*+)*+/>""")
_XML_OPENING = re.compile(rb"""<[^<>"']*+(?:(?:"[^"]*+"|'[^']*+')[^<>"']*+)*+>""")


def _only(kept: bytes) -> bytes:
    """The bytes to delete so that only `kept` remain."""
    return bytes(b for b in range(256) if b not in kept)


def _brackets(opening: bytes, closing: bytes) -> tuple[bytes, bytes]:
    """A translation of `opening` to "[" and `closing` to "]" that deletes every other byte."""
    table = bytes((ord("[") if b in opening else ord("]") if b in closing else b) for b in range(256))
    return table, _only(opening + closing)


_JSON_KEPT = _only(b'"[]{}')
_XML_KEPT = _only(b"<>/\"'")
_JSON_BRACKETS = _brackets(b"[{", b"]}")
_TURTLE_BRACKETS = _brackets(b"[(<", b"])>")
_XML_BRACKETS = _brackets(b"[", b"]")
_STEP = tuple(1 if b == ord("[") else -1 if b == ord("]") else 0 for b in range(256))


def _deepest(text: bytes, brackets: tuple[bytes, bytes]) -> int:
    return max(accumulate(map(_STEP.__getitem__, text.translate(*brackets))), default=0)


def _json_depth(data: bytes) -> int:
    """Objects and arrays; escapes go first, so what is left between quotes is a whole string."""
    structure = _ESCAPE.sub(b"", data).translate(None, _JSON_KEPT)
    return _deepest(_QUOTED.sub(b"", structure), _JSON_BRACKETS)


def _xml_depth(data: bytes) -> int:
    """Elements: a raw "<" never occurs in XML text or attribute values, so each one starts markup.

    Entities cannot add elements: pyoxigraph's RDF/XML parser refuses markup in entity values."""
    markup = _XML_SKIP.sub(b"", data).translate(None, _XML_KEPT)
    markup = _XML_EMPTY.sub(b"", _XML_CLOSING.sub(b"]", markup))
    return _deepest(_XML_OPENING.sub(b"[", markup), _XML_BRACKETS)


def _turtle_depth(data: bytes) -> int:
    """Brackets, collections, reifiers and triple terms, counted only when triple terms occur.

    pyoxigraph follows `[`, `(` and `<<` without recursion (measured: a million levels parse in linear
    time) and the graph check bounds the blank nodes they make; triple terms `<<(` recurse."""
    if b"<<(" not in data:
        return 0
    return _deepest(_TURTLE_SKIP.sub(b" ", data), _TURTLE_BRACKETS)


def syntax_depth(data: bytes, fmt: RdfFormat | None) -> int:
    """Deepest nesting a parser would follow in a document; fmt None: plain JSON."""
    if fmt is None or fmt == RdfFormat.JSON_LD:
        return _json_depth(data)
    if fmt == RdfFormat.RDF_XML:
        return _xml_depth(data)
    return _turtle_depth(data)


def _too_deep(what: str) -> MalformedInput:
    return MalformedInput(
        f"{what} nests too deeply: the registry accepts at most {MAX_NESTING} levels of blank-node nesting "
        f"({MAX_SYNTAX_NESTING} levels of brackets or elements in the text); nothing was stored"
    )


def check_syntax(data: bytes, fmt: RdfFormat | None) -> None:
    """Refuse a document nested deeper than the parsers can safely follow, before parsing it."""
    if syntax_depth(data, fmt) > MAX_SYNTAX_NESTING:
        raise _too_deep(fmt.name if fmt is not None else "JSON")


def load_json(data: bytes) -> object:
    """json.loads with the nesting limit: Python's reader would raise RecursionError (a 500) past ~1,000 levels."""
    check_syntax(data, None)
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedInput(f"malformed JSON: {exc}") from exc


def blank_node_depth(triples: Sequence[Triple]) -> int:
    """The most blank nodes nested one inside another (a blank node an IRI points at is level 1).

    Longest path over blank-to-blank links, in topological order (no recursion); `rdf:rest` adds no
    level. Blank nodes on a cycle are left at the level their acyclic referrers give them. Keyed by
    label: hashing a pyoxigraph term costs microseconds, a str's hash is cached."""
    links: dict[str, list[tuple[str, int]]] = defaultdict(list)
    waiting: dict[str, int] = defaultdict(int)
    blanks: set[str] = set()
    for t in triples:
        s, o = t.subject, t.object
        subject = s.value if isinstance(s, BlankNode) else None
        if isinstance(o, BlankNode):
            blanks.add(o.value)
            if subject is not None:
                links[subject].append((o.value, 0 if t.predicate.value == RDF_REST else 1))
                waiting[o.value] += 1
        if subject is not None:
            blanks.add(subject)
    level = dict.fromkeys(blanks, 1)
    ready = [b for b in blanks if b not in waiting]
    while ready:
        node = ready.pop()
        for child, step in links.get(node, ()):
            level[child] = max(level[child], level[node] + step)
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    return max(level.values(), default=0)


def check_graph(triples: Sequence[Triple], what: str) -> None:
    if blank_node_depth(triples) > MAX_NESTING:
        raise _too_deep(what)
