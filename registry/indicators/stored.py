"""Materialised indicator summaries: saved in the full store at first read, served while still exact.

Why: in the on-disk store every join of the computation costs a RocksDB seek, so a building of 100k
elements cannot be computed from the store within a small factor of a plain SUM. A summary is as good
as a fresh computation as long as nothing it was computed from has changed, and everything it reads
is versioned: the passport itself (mpr:currentVersion), the product-type passports its elements point
to (their versions, or "absent" when they did not exist), and the registry's own inputs (vocabularies,
reference factors, shapes, the method's revision: the computation basis). A summary is served only
when all three still match, so it is never stale; no lock or guard is needed, because a late write of
an older result fails the same comparison on the next read and is simply recomputed.

Versions are read before the content they describe, so a write in between can only make the recorded
version older than the content, which the next read treats as stale, never the reverse.

A raw SPARQL update (an administrator's POST /sparql) changes content without a new version. It therefore
replaces the registry's summary epoch (graph {base}/admin/indicators), a random token that is part of
every summary's basis: the update is applied first and the epoch replaced after it, and a computation
reads the epoch before anything else, so a summary computed from content older than the update always
carries an older epoch and is recomputed, in this process or any other sharing the store.

Layout, in graph {passport}/indicators of the full store (never projected to the public store: the
summary holds restricted residual values), one node per method:

    <{passport}/indicators#emf> a mpr:IndicatorSet ;
        mpr:computedFromVersion 3 ; mpr:computationBasis "sha256 hex" ;
        mpr:includesShaclWarnings true ; mpr:indicatorData "{...}"^^rdf:JSON ;
        mpr:indicatorParts "[...]"^^rdf:JSON ;   # per-part figures, read only for ?parts=true
        mpr:baselineEntry "{...}"^^rdf:JSON ;    # the passport's entry in an organisation baseline
        mpr:dependsOn <{passport}/indicators#emf-dep-0> .
    <{passport}/indicators#emf-dep-0> mpr:dependencyGraph <{base}/passports/chair> ; mpr:dependencyVersion 2 .
    # the baseline entry of each version, kept after later ones (a baseline at a past moment reads it)
    <{passport}/indicators#emf-v3> mpr:computedFromVersion 3 ; mpr:computationBasis "..." ;
        mpr:baselineEntry "{...}"^^rdf:JSON ; mpr:dependsOn <{passport}/indicators#emf-v3-dep-0> .
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from pyoxigraph import Literal, NamedNode, Triple

from registry.namespaces import RDF, RDF_TYPE, XSD, XSD_INTEGER, mpr, sparql_prefixes
from registry.passports import records
from registry.passports.naming import PassportNames
from registry.store.base import Changeset, GraphChange, Term, TripleStore
from registry.store.sparql_text import values_clause

P = sparql_prefixes()
INDICATOR_SET = mpr("IndicatorSet")
COMPUTED_FROM_VERSION = mpr("computedFromVersion")
COMPUTATION_BASIS = mpr("computationBasis")
INCLUDES_WARNINGS = mpr("includesShaclWarnings")
INDICATOR_DATA = mpr("indicatorData")
INDICATOR_PARTS = mpr("indicatorParts")
BASELINE_ENTRY = mpr("baselineEntry")
DEPENDS_ON = mpr("dependsOn")
DEPENDENCY_GRAPH = mpr("dependencyGraph")
DEPENDENCY_VERSION = mpr("dependencyVersion")
SUMMARY_EPOCH = mpr("summaryEpoch")
RDF_JSON = NamedNode(RDF + "JSON")
XSD_BOOLEAN = NamedNode(XSD + "boolean")
ABSENT = "absent"

# A passport's registry-managed facts live in its record (registry.passports.records); the dependency
# check runs inside SPARQL, joined with the summary it checks, so it uses the record's pattern.
CURRENT_VERSION_OF_DG = (records.bind_record_graph("?dg", "?rg")
                         + f" OPTIONAL {{ {records.pattern('?dg', '?cur', '?dstatus', '?rg')} }}")

STATE = P + """SELECT ?rg ?p ?ig ?n ?v ?s ?from ?basis ?warn ?data WHERE {
  """ + records.pattern("?p", "?v", "?s", "?rg") + """
  OPTIONAL { GRAPH ?ig { ?n a mpr:IndicatorSet ; mpr:computedFromVersion ?from ; mpr:computationBasis ?basis ;
                            mpr:includesShaclWarnings ?warn ; mpr:indicatorData ?data } }
}"""

# Many passports' summaries with their parts (a report over thousands of passports): the same facts as STATE,
# PARTS and DEPENDENCIES, read in passes over the whole store and joined here by the naming rule of graph()
# and node(). Why not one join in SPARQL: Oxigraph evaluated the join on an IRI built with BIND(IRI(CONCAT()))
# 5-10 times slower than reading both sides whole (and a VALUES list of passports once per list over the whole
# store): bench/RESULTS.md, organisation baseline.
# `{among}`: nothing (every summary stored), or a VALUES list of the indicator graphs wanted (`_indicator_rows`).
SUMMARIES = P + """SELECT ?ig ?n ?from ?basis ?data ?parts WHERE {{ {among} GRAPH ?ig {{
  ?n a mpr:IndicatorSet ; mpr:computedFromVersion ?from ; mpr:computationBasis ?basis ;
     mpr:includesShaclWarnings ?warn ; mpr:indicatorData ?data OPTIONAL {{ ?n mpr:indicatorParts ?parts }} }} }}"""
# The same, with the compact baseline entry instead of the summary and its parts (registry/reports/baseline.py).
ENTRIES = P + """SELECT ?ig ?n ?from ?basis ?entry WHERE {{ {among} GRAPH ?ig {{
  ?n a mpr:IndicatorSet ; mpr:computedFromVersion ?from ; mpr:computationBasis ?basis ;
     mpr:baselineEntry ?entry }} }}"""
# Baseline entries of every version kept (nodes #{method}-v{version}), `kept` "#{method}-v" as an N-Triples literal:
# the current summaries hold entries too, and are left out before their entry is read (a third less time).
VERSION_ENTRIES = P + """SELECT ?ig ?n ?from ?basis ?entry WHERE {{ {among} GRAPH ?ig {{
  ?n mpr:computedFromVersion ?from ; mpr:computationBasis ?basis . FILTER(CONTAINS(STR(?n), {kept}))
  ?n mpr:baselineEntry ?entry }} }}"""
ALL_DEPENDENCIES = P + """SELECT ?ig ?n ?dg ?dv WHERE {{ {among} GRAPH ?ig {{
  ?n mpr:dependsOn ?d . ?d mpr:dependencyGraph ?dg ; mpr:dependencyVersion ?dv }} }}"""

# Up to this many passports, their summaries are read by a VALUES list of their graphs (0.1 ms a passport in
# Oxigraph, embedded or served), above it in one pass over every summary stored (0.05 ms a summary, whoever owns
# it): a small organisation's baseline in a registry of many reads its own summaries only. Not higher: a list of
# more than about 1,000 graphs costs ten times as much (bench/summary_reads.py, bench/RESULTS.md).
FEW_PASSPORTS = 500

EPOCH = P + "SELECT ?g ?e WHERE { GRAPH ?g { ?g mpr:summaryEpoch ?e } } ORDER BY ?e LIMIT 1"

PARTS = P + "SELECT ?ig ?n ?parts WHERE { GRAPH ?ig { ?n mpr:indicatorParts ?parts } }"

DEPENDENCIES = P + """SELECT ?ig ?n ?dg ?dv ?cur WHERE {
  GRAPH ?ig { ?n mpr:dependsOn ?d . ?d mpr:dependencyGraph ?dg ; mpr:dependencyVersion ?dv }
  """ + CURRENT_VERSION_OF_DG + "\n}"


def computation_basis(files: Iterable[Path], *notes: str) -> str:
    """A digest of every input of the computation besides the store: any change recomputes all summaries."""
    digest = hashlib.sha256()
    for note in notes:
        digest.update(note.encode() + b"\0")
    for path in files:
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"(missing)")
        digest.update(b"\0")
    return digest.hexdigest()


def _by_passport(rows: list[dict[str, Term]], method: str, wanted: set[str]) -> dict[str, list[dict[str, Term]]]:
    """Rows of SUMMARIES or ALL_DEPENDENCIES by the passport whose summary node they are (graph() and node())."""
    suffix = f"/indicators#{method}"
    found: dict[str, list[dict[str, Term]]] = {}
    for row in rows:
        node, graph = row["n"].value, row["ig"].value
        iri = node[:-len(suffix)]
        if node.endswith(suffix) and graph == iri + "/indicators" and iri in wanted:
            found.setdefault(iri, []).append(row)
    return found


def _exact(versions: Mapping[str, int], summaries: dict[str, list[dict[str, Term]]], basis: str, stale: set[str],
           needed: str) -> dict[str, dict[str, Term]]:
    """The rows of the summaries state() would serve: one per passport, of its current version and basis, with
    `needed` (parts, or the baseline entry)."""
    found: dict[str, dict[str, Term]] = {}
    for iri, mine in summaries.items():
        row = mine[0]
        # Several rows: concurrent writers each left a summary (as in state()).
        if (len(mine) > 1 or iri in stale or iri not in versions or needed not in row
                or _version(row["from"]) != versions[iri] or row["basis"].value != basis):
            continue
        found[iri] = row
    return found


def _loads(text: str) -> Any:
    """orjson, 3-10x faster than json on thousands of summaries (a report); json for what orjson refuses
    (integers beyond 64 bits, which json.dumps may have written)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _version(term: Term | None) -> int | str:
    """A recorded or current version: an integer, or ABSENT when there is no such passport.

    Parsed from the lexical form, not matched on the datatype: a backend that answered xsd:int would
    otherwise turn two different versions into two equal ABSENTs."""
    if isinstance(term, Literal) and term.value != ABSENT:
        try:
            return int(term.value)
        except ValueError:
            pass
    return ABSENT


@dataclass(frozen=True)
class Dependency:
    """Another passport's graph the computation read, and its version at the time (ABSENT: none)."""

    graph: str
    version: int | str


# A stored summary, its per-part figures and the other passports' graphs it was computed from.
Exact = tuple[dict[str, Any], list[dict[str, Any]], list[Dependency]]


@dataclass
class IndicatorSet:
    version: int
    basis: str
    includes_warnings: bool
    data: dict[str, Any]
    dependencies: list[Dependency]
    # Per-part figures of the same computation; None: keep those stored (a save that only adds warnings).
    parts: list[dict[str, Any]] | None = None
    entry: dict[str, Any] | None = None  # the baseline entry, kept with the parts when None and parts are None


@dataclass
class PassportState:
    """One read: the passport's current version and status, and its stored summary when still exact.

    `version` is None when the graph has no registry record (data written around the passport service,
    e.g. by a benchmark): such a computation cannot be versioned, so it is never stored."""

    version: int | None
    withdrawn: bool
    current: IndicatorSet | None
    basis: str = ""  # the basis a summary computed now is stored under (the registry's, and the epoch)


class StoredIndicators:
    def __init__(self, store: TripleStore, base: str = "") -> None:
        self.store = store
        self.epoch_graph = NamedNode(f"{base.rstrip('/')}/admin/indicators")

    def effective_basis(self, basis: str) -> str:
        """The registry's basis joined with the summary epoch (read first: see the module's note)."""
        rows = self.store.select(EPOCH, {"g": self.epoch_graph})
        return f"{basis} epoch {rows[0]['e'].value}" if rows else basis

    def new_epoch(self) -> None:
        """Make every stored summary stale: called after a raw SPARQL update changed content in place."""
        old = [t for t in self.store.triples(self.epoch_graph) if t.predicate == SUMMARY_EPOCH]
        new = Triple(self.epoch_graph, SUMMARY_EPOCH, Literal(secrets.token_hex(16)))
        self.store.apply(Changeset([GraphChange(self.epoch_graph, remove=old, add=[new])]))

    def graph(self, names: PassportNames) -> NamedNode:
        return NamedNode(names.iri + "/indicators")

    def node(self, names: PassportNames, method: str) -> NamedNode:
        return NamedNode(f"{names.iri}/indicators#{method}")

    def state(self, names: PassportNames, method: str, basis: str) -> PassportState:
        """Three SELECTs at most; the stored summary comes back only if every recorded version still holds."""
        graph, node = self.graph(names), self.node(names, method)
        basis = self.effective_basis(basis)
        rows = self.store.select(STATE, {"rg": names.record_graph, "p": names.node, "ig": graph, "n": node})
        if not rows:
            return PassportState(None, False, None, basis)
        row = rows[0]
        version, withdrawn = int(row["v"].value), row["s"] == records.WITHDRAWN
        # Several rows: concurrent writers each left a summary; recompute, the next save replaces both.
        if len(rows) > 1 or "data" not in row or withdrawn:
            return PassportState(version, withdrawn, None, basis)
        if _version(row["from"]) != version or row["basis"].value != basis:
            return PassportState(version, withdrawn, None, basis)
        dependencies = []
        for dep in self.store.select(DEPENDENCIES, {"ig": graph, "n": node}):
            recorded = _version(dep["dv"])
            if recorded != _version(dep.get("cur")):
                return PassportState(version, withdrawn, None, basis)
            dependencies.append(Dependency(dep["dg"].value, recorded))
        data = json.loads(row["data"].value)
        return PassportState(version, withdrawn, IndicatorSet(
            version, basis, row["warn"].value == "true", data, dependencies), basis)

    def parts(self, names: PassportNames, method: str) -> list[dict[str, Any]] | None:
        """The per-part figures stored with the summary (read apart: they are large, and rarely asked for)."""
        rows = self.store.select(PARTS, {"ig": self.graph(names), "n": self.node(names, method)})
        if len(rows) != 1:
            return None
        parts = json.loads(rows[0]["parts"].value)
        return parts if isinstance(parts, list) else None

    def exact_with_parts(self, versions: Mapping[str, int], method: str, basis: str) -> dict[str, Exact]:
        """Passport IRI -> (summary, per-part figures, dependencies) for those whose stored summary is exact by
        the rules of state() and has its parts; the others are left out (compute() them). `versions`: the active
        passports' current versions, read from their records before this call (the order of state(): a write
        in between makes a summary look stale, never the reverse). Two passes over the store's summaries."""
        found: dict[str, Exact] = {}
        for iri, (row, dependencies) in self._exact_many(versions, method, basis, SUMMARIES, "parts").items():
            parts = _loads(row["parts"].value)
            if isinstance(parts, list):
                found[iri] = (_loads(row["data"].value), parts, dependencies)
        return found

    def exact_entries(self, versions: Mapping[str, int], method: str, basis: str
                      ) -> dict[str, tuple[dict[str, Any], list[Dependency]]]:
        """As exact_with_parts, the baseline entries stored with the summaries instead (much smaller to read)."""
        found: dict[str, tuple[dict[str, Any], list[Dependency]]] = {}
        for iri, (row, dependencies) in self._exact_many(versions, method, basis, ENTRIES, "entry").items():
            entry = _loads(row["entry"].value)
            if isinstance(entry, dict):
                found[iri] = (entry, dependencies)
        return found

    def _exact_many(self, versions: Mapping[str, int], method: str, basis: str, query: str, needed: str
                    ) -> dict[str, tuple[dict[str, Term], list[Dependency]]]:
        """The exact summaries' rows of `query` (SUMMARIES or ENTRIES) holding `needed`, with their dependencies."""
        wanted = set(versions)
        if not wanted:
            return {}
        basis = self.effective_basis(basis)
        summaries = _by_passport(self._indicator_rows(query, wanted), method, wanted)
        dependencies: dict[str, list[Dependency]] = {}
        for iri, rows in _by_passport(self._indicator_rows(ALL_DEPENDENCIES, set(summaries)), method,
                                      set(summaries)).items():
            dependencies[iri] = [Dependency(row["dg"].value, _version(row["dv"])) for row in rows]
        current = records.versions(self.store, {d.graph for found in dependencies.values() for d in found})
        stale = {iri for iri, found in dependencies.items()
                 if any(d.version != current.get(d.graph, ABSENT) for d in found)}
        return {iri: (row, dependencies.get(iri, []))
                for iri, row in _exact(versions, summaries, basis, stale, needed).items()}

    def _indicator_rows(self, template: str, passports: set[str], **terms: Term) -> list[dict[str, Term]]:
        """Rows of `template` (`{among}` before `GRAPH ?ig`, other fields `terms` as N-Triples) of these passports'
        indicator graphs, and maybe of others (the caller keeps its own rows): a few passports by a VALUES list
        of their graphs, more in one pass over the store."""
        if not passports:
            return []
        graphs = [f"{iri}/indicators" for iri in sorted(passports)]
        among = "" if len(passports) > FEW_PASSPORTS else values_clause("ig", graphs)
        return self.store.select(template.format(among=among, **{name: str(t) for name, t in terms.items()}))

    def versions(self, graphs: Iterable[str]) -> list[Dependency]:
        """Current versions of other passports' graphs, read before their content (see the module's note)."""
        found = records.versions(self.store, graphs)
        return [Dependency(g, found.get(g, ABSENT)) for g in sorted(set(graphs))]

    def save(self, names: PassportNames, method: str, result: IndicatorSet) -> None:
        """Replace this method's summary (and only it) in one atomic write; with a baseline entry, keep that entry
        for this version too (`version_node`), beside those of earlier versions (read by version_entries)."""
        graph, node = self.graph(names), self.node(names, method)
        kept = self.version_node(names, method, result.version) if result.entry is not None else None
        prefixes = tuple(f"{n.value}-dep-" for n in (node, kept) if n is not None)
        keep_parts = result.parts is None
        old = [t for t in self.store.triples(graph)
               if (t.subject == node and not (keep_parts and t.predicate in (INDICATOR_PARTS, BASELINE_ENTRY)))
               or (kept is not None and t.subject == kept)
               or (isinstance(t.subject, NamedNode) and t.subject.value.startswith(prefixes))]
        new = [
            Triple(node, RDF_TYPE, INDICATOR_SET),
            Triple(node, INCLUDES_WARNINGS, Literal("true" if result.includes_warnings else "false",
                                                    datatype=XSD_BOOLEAN)),
            Triple(node, INDICATOR_DATA, Literal(json.dumps(result.data), datatype=RDF_JSON)),
            *_stamped(node, result),
        ]
        if result.parts is not None:
            new.append(Triple(node, INDICATOR_PARTS, Literal(json.dumps(result.parts), datatype=RDF_JSON)))
        if result.parts is not None and result.entry is not None:
            new.append(Triple(node, BASELINE_ENTRY, Literal(json.dumps(result.entry), datatype=RDF_JSON)))
        if kept is not None and result.parts is not None:
            new += [*_stamped(kept, result), Triple(kept, BASELINE_ENTRY, Literal(json.dumps(result.entry),
                                                                                  datatype=RDF_JSON))]
        self.store.apply(Changeset([GraphChange(graph, remove=old, add=new)]))

    def version_node(self, names: PassportNames, method: str, version: int) -> NamedNode:
        """The baseline entry of one version, kept after later versions (a baseline `?at=` a past moment)."""
        return NamedNode(f"{names.iri}/indicators#{method}-v{version}")

    def version_entries(self, versions: Mapping[str, int], method: str, basis: str
                        ) -> dict[str, tuple[dict[str, Any], list[Dependency]]]:
        """Passport IRI -> (baseline entry of that version, the product types' graphs and versions it was computed
        from) for the passports (IRI -> a version, current or not) whose entry of that version was kept under
        `basis`; the caller checks the product types' versions against its moment. Two passes over the store."""
        if not versions:
            return {}
        basis = self.effective_basis(basis)
        rows: dict[str, list[dict[str, Term]]] = {}
        for row in self._indicator_rows(VERSION_ENTRIES, set(versions), kept=Literal(f"#{method}-v")):
            graph, node = row["ig"].value, row["n"].value
            iri = graph.removesuffix("/indicators")
            if (iri in versions and node == f"{graph}#{method}-v{versions[iri]}"
                    and _version(row["from"]) == versions[iri] and row["basis"].value == basis):
                rows.setdefault(iri, []).append(row)
        entries = {iri: _loads(mine[0]["entry"].value) for iri, mine in rows.items() if len(mine) == 1}
        nodes = {f"{iri}/indicators#{method}-v{versions[iri]}": iri for iri in entries}
        dependencies: dict[str, list[Dependency]] = {}
        for row in self._indicator_rows(ALL_DEPENDENCIES, set(entries)):
            if (of := nodes.get(row["n"].value)) is not None and row["ig"].value == of + "/indicators":
                dependencies.setdefault(of, []).append(Dependency(row["dg"].value, _version(row["dv"])))
        return {iri: (entry, dependencies.get(iri, [])) for iri, entry in entries.items() if isinstance(entry, dict)}


def _stamped(node: NamedNode, result: IndicatorSet) -> list[Triple]:
    """What makes a stored computation exact (the version and basis it is of, the other graphs it read)."""
    triples = [Triple(node, COMPUTED_FROM_VERSION, Literal(str(result.version), datatype=XSD_INTEGER)),
               Triple(node, COMPUTATION_BASIS, Literal(result.basis))]
    for n, dep in enumerate(result.dependencies):
        dep_node = NamedNode(f"{node.value}-dep-{n}")
        version = (Literal(str(dep.version), datatype=XSD_INTEGER) if isinstance(dep.version, int)
                   else Literal(ABSENT))
        triples += [Triple(node, DEPENDS_ON, dep_node), Triple(dep_node, DEPENDENCY_GRAPH, NamedNode(dep.graph)),
                    Triple(dep_node, DEPENDENCY_VERSION, version)]
    return triples
