"""A passport's record, the one place that says how it is stored and read.

Every versioned record (passport, demand) has a graph {iri}/record (`PassportNames.record_graph`)
holding the registry-managed facts: `mpr:currentVersion`, `mpr:status` (active or withdrawn),
`dcterms:modified` and every change. The passport service writes it; the supply index, stored
indicators, the public projection and GTIN resolution read it. They read it through this module,
either with one of the reads below or, when the record is one join of a larger query, with the
pattern `pattern()` writes, so the shape of a record is spelled once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from pyoxigraph import Literal, NamedNode, Triple

from registry.namespaces import DCTERMS, XSD_INTEGER, mpr, sparql_prefixes
from registry.passports.naming import RECORD_SUFFIX, PassportNames
from registry.rdf import datetime_literal
from registry.store.base import Term, TripleStore
from registry.store.guards import Absent, Contains
from registry.store.sparql_text import values_clause

CURRENT_VERSION = mpr("currentVersion")
STATUS = mpr("status")
ACTIVE = mpr("StatusActive")
WITHDRAWN = mpr("StatusWithdrawn")
MODIFIED = NamedNode(DCTERMS + "modified")
IS_ACTIVE = "mpr:StatusActive"  # for `pattern(status=...)`: only active records match

P = sparql_prefixes()


def pattern(passport: str = "?p", version: str = "?v", status: str = "?s", graph: str = "?rg",
            also: str = "") -> str:
    """The record of `passport` as a graph pattern (SPARQL variables or terms, and the mpr: prefix).

    `also` continues the same subject inside the record graph (`; dcterms:modified ?m ...`)."""
    return f"GRAPH {graph} {{ {passport} mpr:currentVersion {version} ; mpr:status {status} {also} }}"


def owned_pattern(owner: str, passport: str = "?p", version: str = "?v", status: str = "?s", graph: str = "?rg",
                  agent: str = "?owner_agent") -> str:
    """`pattern()` kept to the records of one organisation, its label first and written into the text (pyoxigraph
    escapes it): Oxigraph then starts from that organisation's records. With the owner as a bound variable or
    after the record (`prov:wasAttributedTo/rdfs:label`), it read every record first: 0.28 s in a registry of
    10,000 records for an organisation with none, 0.00 s this way (bench/RESULTS.md)."""
    return (f"GRAPH {graph} {{ {agent} rdfs:label {Literal(owner)} . {passport} prov:wasAttributedTo {agent} ; "
            f"mpr:currentVersion {version} ; mpr:status {status} }}")


def in_record_graph(passport: str, graph: str) -> str:
    """Keeps the rows of `pattern()` (or `owned_pattern()`) whose `graph` is the record graph of `passport`: a
    record's own content may say anything of itself or of others, currentVersion, status and owner too. A filter
    on variables already bound, after the pattern: no join on a built IRI (see `Selection`)."""
    return f'FILTER({graph} = IRI(CONCAT(STR({passport}), "{RECORD_SUFFIX}")))'


def bind_record_graph(passport: str, graph: str) -> str:
    """Binds `graph` to the record graph of `passport` inside a query (the rule of PassportNames.record_graph)."""
    return f'BIND(IRI(CONCAT(STR({passport}), "{RECORD_SUFFIX}")) AS {graph})'


@dataclass(frozen=True)
class Selection:
    """Which records' graphs a report reads, as a graph pattern joined into each of its queries: one pass.

    Why not a VALUES list of the graphs: Oxigraph evaluated the rest of such a query over the whole store
    once per list, so reading 10,000 passports by lists of 500 cost twenty passes over the store
    (bench/RESULTS.md, organisation baseline). The pattern may yield more records than a report covers
    (e.g. restricted ones an outsider may not see): the caller keeps the rows of its own graphs only.
    """

    owner: str | None = None
    every_graph: bool = False  # a report's own snapshot store: every graph in it, no record needed

    def binding(self, var: str) -> str:
        """A pattern binding `var` to each selected record's IRI (nothing for every graph)."""
        if self.every_graph:
            return ""
        if self.owner is not None:
            found = owned_pattern(self.owner, var, "?selection_v", IS_ACTIVE, "?selection_rg", "?selection_agent")
        else:
            found = f"GRAPH ?selection_rg {{ {var} mpr:currentVersion ?selection_v ; mpr:status {IS_ACTIVE} }}"
        return f"{found} {in_record_graph(var, '?selection_rg')}"


def version_literal(version: int) -> Literal:
    return Literal(str(version), datatype=XSD_INTEGER)


@dataclass(frozen=True)
class RecordState:
    """What a write is computed from, and what its guard compares."""

    version: int
    status: NamedNode
    modified: Literal


def state(store: TripleStore, names: PassportNames) -> RecordState | None:
    """The record's current version, status and time of change; None when there is no record."""
    rows = store.select(P + f"SELECT ?rg ?p ?v ?s ?m WHERE {{ {pattern(also='; dcterms:modified ?m')} }}",
                        {"rg": names.record_graph, "p": names.node})
    if not rows:
        return None
    row = rows[0]
    return RecordState(int(row["v"].value), row["s"], row["m"])  # type: ignore[arg-type]


def unchanged(names: PassportNames, known: RecordState) -> Contains:
    """Guard of an update: the record still says the version and status the write was computed from."""
    return Contains(names.record_graph, (Triple(names.node, CURRENT_VERSION, version_literal(known.version)),
                                         Triple(names.node, STATUS, known.status)))


def not_created(names: PassportNames) -> Absent:
    """Guard of a creation: no version of this record exists yet (the id is not taken)."""
    return Absent(names.record_graph, names.node, CURRENT_VERSION)


def versions(store: TripleStore, graphs: Iterable[str]) -> dict[str, int]:
    """Current versions of these passports (active or withdrawn); those without a record are left out."""
    ordered = sorted(set(graphs))
    if not ordered:
        return {}
    rows = store.select(P + f"SELECT ?p ?v WHERE {{ {values_clause('p', ordered)} {bind_record_graph('?p', '?rg')} "
                        "GRAPH ?rg { ?p mpr:currentVersion ?v } }")
    return {row["p"].value: int(row["v"].value) for row in rows if _is_integer(row["v"])}


def _is_integer(term: Term) -> bool:
    return isinstance(term, Literal) and term.value.lstrip("-").isdigit()


def active_versions(store: TripleStore, anchor: str = "mpr:Passport") -> dict[str, int]:
    """Current version of every active record of this type, by IRI."""
    rows = store.select(P + f"SELECT ?p ?v WHERE {{ {pattern(status=IS_ACTIVE, graph='?g')} "
                        f"{in_record_graph('?p', '?g')} GRAPH ?p {{ ?p a {anchor} }} }}")
    return {row["p"].value: int(row["v"].value) for row in rows}


def changed_since(store: TripleStore, since: datetime) -> set[str]:
    """Records (active or not) that say they changed at or after `since`."""
    stamp = datetime_literal(since)
    rows = store.select(P + f"SELECT ?g WHERE {{ GRAPH ?record {{ ?g dcterms:modified ?m FILTER(?m >= {stamp}) "
                        f"?g mpr:currentVersion ?v }} {in_record_graph('?g', '?record')} }}")
    return {r["g"].value for r in rows}
