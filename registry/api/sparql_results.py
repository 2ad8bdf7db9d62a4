"""A query's results as an HTML table, for a browser opening `/sparql?query=...`.

A browser's Accept ranks application/xml above anything else /sparql offered, so a query link opened in a
browser downloaded SPARQL XML results. The results are read from the engine's JSON (SPARQL 1.1 Query
Results JSON Format) or N-Triples (graphs) and shown as text: every value goes through the template's
autoescaping, and only http(s) IRIs become links (an IRI may be `javascript:...`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, parse

from registry.api.templating import environment
from registry.namespaces import XSD

#: Rows shown at most; the rest is counted, and the programs' formats carry all of them.
MAX_ROWS = 1000
STRING = XSD + "string"


@dataclass(frozen=True)
class Cell:
    text: str
    note: str = ""  # language tag or datatype of a literal, "blank node"
    href: str = ""  # http(s) IRIs only


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[Cell]]
    total: int
    answer: bool | None = None  # ASK


def _datatype(iri: str) -> str:
    """Nothing for plain strings; `xsd:integer` rather than the whole XSD IRI."""
    return "" if iri in ("", STRING) else "xsd:" + iri[len(XSD):] if iri.startswith(XSD) else iri


def _iri(value: str) -> Cell:
    return Cell(value, href=value if value.startswith(("http://", "https://")) else "")


def _json_cell(term: dict[str, Any] | None) -> Cell:
    if term is None:
        return Cell("")
    kind, value = term.get("type"), term.get("value")
    if kind == "uri":
        return _iri(str(value))
    if kind == "bnode":
        return Cell(f"_:{value}", "blank node")
    if kind in ("literal", "typed-literal"):
        note = f"@{term['xml:lang']}" if "xml:lang" in term else _datatype(str(term.get("datatype", "")))
        return Cell(str(value), note)
    return Cell(json.dumps(value), str(kind))  # a quoted triple (RDF-star)


def _term_cell(term: NamedNode | BlankNode | Literal | Triple) -> Cell:
    if isinstance(term, NamedNode):
        return _iri(term.value)
    if isinstance(term, BlankNode):
        return Cell(f"_:{term.value}", "blank node")
    if isinstance(term, Literal):
        return Cell(term.value, f"@{term.language}" if term.language else _datatype(term.datatype.value))
    return Cell(str(term), "triple")


def _limited(columns: list[str], rows: Iterable[list[Cell]]) -> Table:
    kept, total = [], 0
    for row in rows:
        total += 1
        if total <= MAX_ROWS:
            kept.append(row)
    return Table(columns, kept, total)


def solutions_table(body: bytes) -> Table:
    """The table of SELECT or ASK results in the JSON results format."""
    results = json.loads(body)
    if "boolean" in results:
        return Table([], [], 0, answer=bool(results["boolean"]))
    columns = [str(v) for v in results["head"].get("vars", [])]
    bindings = results["results"]["bindings"]
    return _limited(columns, ([_json_cell(b.get(c)) for c in columns] for b in bindings))


def graph_table(body: bytes) -> Table:
    """The table of a CONSTRUCT or DESCRIBE graph in N-Triples: one triple a row."""
    triples = (q.triple for q in parse(body, RdfFormat.N_TRIPLES))
    return _limited(["subject", "predicate", "object"],
                    ([_term_cell(t.subject), _term_cell(t.predicate), _term_cell(t.object)] for t in triples))


def render_results_page(query: str, table: Table) -> str:
    return environment().get_template("sparql-results.html").render(query=query, table=table, limit=MAX_ROWS)
