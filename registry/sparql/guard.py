"""Decides, before a query reaches any store, what kind of request it is and whether it may run.

pyoxigraph's in-process `query` follows `SERVICE <url>` and `LOAD <url>` to any address (an SSRF hole
with no switch to turn it off), and a remote server may do the same. So the text is scanned with a
SPARQL-aware tokenizer (comments, strings and IRIs are skipped, so `"SERVICE"` in a literal or
`ex:load` as a name do not trip it) and any SERVICE or LOAD keyword is refused. Scanning refuses
more than a parser would, never less, and costs microseconds where a full parse costs milliseconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from registry.errors import MalformedInput, QueryRefused
from registry.nesting import MAX_SYNTAX_NESTING

_TOKEN = re.compile(
    r'''(?P<comment>\#[^\n]*)
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


def check(text: str, *, update: bool) -> Checked:
    """Classify `text` as the request it claims to be (a query or an update) and refuse what never runs."""
    if not text.strip():
        raise MalformedInput("empty SPARQL request")
    if nesting(_unescape(text)) > MAX_SYNTAX_NESTING:
        raise MalformedInput(f"the SPARQL request nests brackets more than {MAX_SYNTAX_NESTING} levels deep; "
                             "the registry accepts at most that many")
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
    return Checked(text, kind)
