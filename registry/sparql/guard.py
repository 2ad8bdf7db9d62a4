"""Decides, before a query reaches any store, what kind of request it is and whether it may run.

pyoxigraph's in-process `query` follows `SERVICE <url>` and `LOAD <url>` to any address (an SSRF hole:
pyoxigraph 0.5 has no option to turn it off, `Store.query` takes no service handler), and a remote
server may do the same. A tokenizer alone was not enough: a comment ended by a bare carriage return
(`# x\rSERVICE <http://127.0.0.1/>`) hid the keyword from it while Oxigraph ran it. So two independent
readings must both agree before the original text reaches a store, and either one refusing wins:

1. a token scan of the \\u-unescaped text: SERVICE or LOAD as a keyword anywhere outside IRIs,
   strings and comments is refused;
2. a full parse with rdflib's SPARQL grammar, translated to algebra: any ServiceGraphPattern or Load
   node anywhere (sub-queries, EXISTS, OPTIONAL, GRAPH, update WHERE clauses) is refused, a text
   rdflib cannot parse is refused, and the query form must be the one the token scan found.

Oxigraph parses the text again when it runs it; if it cannot, nothing ran and the client gets a 400.
The parse costs tens of milliseconds, so its verdicts on accepted texts are cached.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from pyparsing import ParseException, ParseResults
from rdflib.plugins.sparql.algebra import translateQuery, translateUpdate
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from registry.errors import MalformedInput, QueryRefused
from registry.nesting import MAX_SYNTAX_NESTING

_TOKEN = re.compile(
    r'''(?P<comment>\#[^\r\n]*)
      | (?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'
                   |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
      | (?P<iri><[^<>"{}|^`\\\s]*>)
      | (?P<var>[?$][\w]+)
      | (?P<pname>[A-Za-z_][\w.-]*:[\w.:%-]*|:[\w.:%-]*)
      | (?P<word>[A-Za-z_]\w*)
      | (?P<space>\s+)
      | (?P<other>.)''',
    re.VERBOSE | re.DOTALL,
)
QUERY_FORMS = {"SELECT", "CONSTRUCT", "ASK", "DESCRIBE"}
UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
REFUSED = {"SERVICE": "SERVICE (federated queries)", "LOAD": "LOAD (fetching remote documents)"}
#: rdflib's algebra names for the same two operations.
REFUSED_NODES = {"ServiceGraphPattern": REFUSED["SERVICE"], "Load": REFUSED["LOAD"]}
PARSED_FORMS = {"SelectQuery": "SELECT", "ConstructQuery": "CONSTRUCT", "AskQuery": "ASK",
                "DescribeQuery": "DESCRIBE"}

Kind = Literal["SELECT", "CONSTRUCT", "ASK", "DESCRIBE", "UPDATE"]


@dataclass(frozen=True)
class Checked:
    text: str
    kind: Kind

    @property
    def is_update(self) -> bool:
        return self.kind == "UPDATE"

    @property
    def returns_graph(self) -> bool:
        return self.kind in ("CONSTRUCT", "DESCRIBE")


_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _unescape(text: str) -> str:
    """SPARQL applies \\uXXXX escapes to the whole text before parsing, so `\\u0053ERVICE` is SERVICE."""
    return _CODEPOINT.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


def keywords(text: str) -> list[str]:
    """Upper-cased bare keywords of a SPARQL text, in order; a quote left open is a syntax error."""
    words = []
    for match in _TOKEN.finditer(_unescape(text)):
        if match.lastgroup == "word":
            words.append(match.group().upper())
        elif match.lastgroup == "other" and match.group() in "\"'":
            raise MalformedInput("invalid SPARQL: a string literal is not closed")
    return words


def nesting(text: str) -> int:
    """Deepest nesting of (), {}, [] and triple terms << >> outside comments, strings and IRIs.

    pyoxigraph's SPARQL parser recurses: measured with 0.5.13, 3,000 nested group patterns `{ { ...`
    crash the process (a native stack overflow), so an anonymous query could stop a worker."""
    depth = deepest = 0
    previous_end, previous = -1, ""
    for match in _TOKEN.finditer(text):
        token = match.group()
        if match.lastgroup == "other":
            paired = previous_end == match.start() and previous == token  # "<<" or ">>"
            if token in "({[" or (token == "<" and paired):
                depth += 1
                deepest = max(deepest, depth)
            elif token in ")}]" or (token == ">" and paired):
                depth -= 1
            previous_end, previous = match.end(), "" if paired else token
    return deepest


def _scanned_kind(text: str, update: bool) -> Kind:
    """The request's form by its first keyword, refusing SERVICE/LOAD keywords and the wrong kind of request."""
    words = keywords(text)
    for word, what in REFUSED.items():
        if word in words:
            raise QueryRefused(f"{what} is not allowed on this endpoint")
    form = next((w for w in words if w in QUERY_FORMS or w in UPDATE_WORDS), None)
    if form is None:
        raise MalformedInput("invalid SPARQL: no SELECT, CONSTRUCT, ASK, DESCRIBE or update operation found")
    kind: Kind = "UPDATE" if form in UPDATE_WORDS else form  # type: ignore[assignment]
    if update and kind != "UPDATE":
        raise MalformedInput(f"a {kind} query was sent as an update; send it as a query")
    if not update and kind == "UPDATE":
        raise MalformedInput("an update was sent as a query; send it with the 'update' parameter "
                             "or as application/sparql-update")
    return kind


def _node_names(node: object) -> Iterable[str]:
    """Names of every algebra/parse node under `node`, however deeply nested."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, CompValue):
            yield item.name
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple | ParseResults):
            stack.extend(item)


_PARSE_LOCK = threading.Lock()  # pyparsing grammars keep per-parse state; one parse at a time


@lru_cache(maxsize=512)
def _parsed_kind(text: str, update: bool) -> Kind:
    """Parse and translate with rdflib; refuse SERVICE/LOAD anywhere in the tree, or a text it cannot read."""
    try:
        with _PARSE_LOCK:
            tree: object = parseUpdate(text) if update else parseQuery(text)
            algebra: object = (translateUpdate(tree) if update else translateQuery(tree)).algebra  # type: ignore[arg-type]
    except ParseException as exc:
        raise MalformedInput(f"invalid SPARQL: {exc}") from exc
    except RecursionError as exc:
        raise MalformedInput("invalid SPARQL: the request is nested too deeply to check") from exc
    except Exception as exc:  # rdflib raises bare Exception (unknown prefix ...): refuse, fail closed
        raise MalformedInput(f"invalid SPARQL: {exc}") from exc
    for name in (*_node_names(tree), *_node_names(algebra)):
        if name in REFUSED_NODES:
            raise QueryRefused(f"{REFUSED_NODES[name]} is not allowed on this endpoint")
    if update:
        return "UPDATE"
    form = PARSED_FORMS.get(getattr(algebra, "name", ""))
    if form is None:
        raise MalformedInput("invalid SPARQL: not a SELECT, CONSTRUCT, ASK or DESCRIBE query")
    return form  # type: ignore[return-value]


def check(text: str, *, update: bool) -> Checked:
    """Classify `text` as the request it claims to be (a query or an update) and refuse what never runs.

    Blocking (a parse takes milliseconds): call it off the event loop.
    """
    if not text.strip():
        raise MalformedInput("empty SPARQL request")
    if nesting(_unescape(text)) > MAX_SYNTAX_NESTING:
        raise MalformedInput(f"the SPARQL request nests brackets more than {MAX_SYNTAX_NESTING} levels deep; "
                             "the registry accepts at most that many")
    kind = _scanned_kind(text, update)
    parsed = _parsed_kind(text, update)
    if parsed != kind:
        raise QueryRefused(f"the request reads as {kind} to one check and as {parsed} to another; refused")
    return Checked(text, kind)
