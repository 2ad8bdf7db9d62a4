"""Bound variables (substitutions) for servers that only take query text.

Domain code binds variables the way pyoxigraph does (pre-binding: the value is seen everywhere, in
FILTERs and sub-queries too). Appending one `VALUES` clause at the end of the query is not the same:
a trailing VALUES joins after the WHERE clause is evaluated, so `FILTER(?v > ?since)` or a sub-query
would see the variable unbound. So a `VALUES (?a ?b) { (...) }` block (terms in pyoxigraph's
N-Triples syntax, which is SPARQL syntax) is put at the start of every group graph pattern of the
query, found with the SPARQL tokenizer of `registry.sparql.guard`. Nothing of the query text is
replaced, and values are never pasted into it as text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pyoxigraph import BlankNode

from registry.errors import MalformedInput
from registry.sparql.guard import _TOKEN as SPARQL_TOKEN  # the one SPARQL tokenizer of the project
from registry.store.base import Term

_VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def values_block(substitutions: Mapping[str, Term]) -> str:
    names, terms = [], []
    for name, term in substitutions.items():
        if not _VARIABLE_NAME.match(name):
            raise MalformedInput(f"cannot bind {name!r}: not a SPARQL variable name")
        if isinstance(term, BlankNode):
            raise MalformedInput(f"cannot bind ?{name} to a blank node")
        names.append(f"?{name}")
        terms.append(str(term))
    return f" VALUES ({' '.join(names)}) {{ ({' '.join(terms)}) }} "


def bind_variables(query: str, substitutions: Mapping[str, Term] | None) -> str:
    """`query` with the bound values given at the start of its group graph patterns (see module doc).

    This follows pyoxigraph's substitution semantics: a value is seen everywhere in the query, except
    inside a sub-SELECT that does not project its variable. A `{` opens a group graph pattern unless
    it opens a VALUES data block or a CONSTRUCT template; a group whose content is a sub-SELECT gets
    nothing (a sub-SELECT must stand alone; its own WHERE group gets the values it projects).
    """
    if not substitutions:
        return query
    values_block(substitutions)  # validates names and terms once
    return _Binder(substitutions).run(query)


class _Binder:
    """One pass over the query's tokens, tracking which bound variables each group can see."""

    def __init__(self, substitutions: Mapping[str, Term]) -> None:
        self.substitutions = substitutions
        self.out: list[str] = []
        self.previous = ""  # the last significant token, upper-cased if a word
        self.depth = 0
        self.scopes: list[tuple[int, frozenset[str]]] = [(-1, frozenset(substitutions))]
        self.seen_query_form = False
        self.projection: set[str] | None = None  # variables of a sub-SELECT's projection being read
        self.projection_parens = 0
        self.in_values_header = False
        self.pending = False  # a `{` was just written that may take the block

    def run(self, query: str) -> str:
        for match in SPARQL_TOKEN.finditer(query):
            kind, text = match.lastgroup, match.group()
            if kind in ("space", "comment"):
                self.out.append(text)
                continue
            self._token(kind or "", text, text.upper() if kind == "word" else "")
        if self.pending:
            self.out.append(self._block())
        return "".join(self.out)

    def _block(self) -> str:
        visible = self.scopes[-1][1]
        return values_block({k: v for k, v in self.substitutions.items() if k in visible}) if visible else ""

    def _token(self, kind: str, text: str, word: str) -> None:
        if self.pending:
            if word != "SELECT":
                self.out.append(self._block())
            self.pending = False
        if self.projection is not None:
            self._projection(kind, text, word)
        if word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            if self.seen_query_form and word == "SELECT":
                self.projection, self.projection_parens = set(), 0
            self.seen_query_form = True
        if word == "VALUES":
            self.in_values_header = True
        elif text == "{":
            if self.in_values_header:
                self.in_values_header = False  # the data block of an inline VALUES
            elif self.previous != "CONSTRUCT":
                self.pending = True
            self.depth += 1
        elif text == "}":
            self.depth -= 1
            while len(self.scopes) > 1 and self.scopes[-1][0] > self.depth:
                self.scopes.pop()
        self.out.append(text)
        self.previous = word or text

    def _projection(self, kind: str, text: str, word: str) -> None:
        """Reading `SELECT ... WHERE {` of a sub-query: the variables it projects stay visible inside."""
        assert self.projection is not None
        if text == "(":
            self.projection_parens += 1
        elif text == ")":
            self.projection_parens -= 1
        elif self.projection_parens == 0 and kind == "var":
            self.projection.add(text[1:])
        elif self.projection_parens == 0 and text == "*":
            self.projection.update(self.substitutions)
        if self.projection_parens == 0 and (word == "WHERE" or text == "{"):
            self.scopes.append((self.depth, self.scopes[-1][1] & frozenset(self.projection)))
            self.projection = None
