"""Reading answers of a SPARQL server: parsed completely before use, and read in pages when cut short.

Answers are used only once they parse completely
    `oxigraph serve --timeout-s` sends HTTP 200 and then cuts the body with a text message; Virtuoso's
    "anytime" queries send partial answers flagged by `X-SQL-State`. Every answer is parsed to the end
    with pyoxigraph before anything of it is used or forwarded; a broken one is an error, never a
    partial result. Literals read back are brought into the canonical forms the registry writes
    (`registry.canonical`), so Virtuoso's `"1"^^xsd:boolean` or `virtrdf:Geometry` compare equal to
    what was stored.

Silent truncation
    Virtuoso cuts SELECT answers at `ResultSetMaxRows` (10,000 by default) and says so only in an
    `X-SPARQL-MaxRows` header; its CONSTRUCT and Graph Store answers are cut at the same size without
    any header. So reads of a whole graph are checked against a COUNT when they are large, and read in
    LIMIT/OFFSET pages when the server truncated them (Virtuoso refuses ORDER BY with OFFSET + LIMIT
    past the same cap, so pages are unordered; the COUNT check catches an unstable order).
"""

from __future__ import annotations

import httpx
from pyoxigraph import (
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Triple,
    parse,
    parse_query_results,
)

from registry.canonical import canonical
from registry.errors import MalformedInput, QueryTimeout, RegistryError, StoreError
from registry.namespaces import GEO
from registry.sparql.guard import keywords
from registry.store.base import Row, Term, solution_rows
from registry.store.sparql.client import Answer, SparqlClient

VIRTUOSO_GEOMETRY = "http://www.openlinksw.com/schemas/virtrdf#Geometry"
WKT_LITERAL = NamedNode(GEO + "wktLiteral")
# JSON, not XML: XML parsers turn a "\r" in a literal into "\n", and Virtuoso writes it raw. (Virtuoso's
# JSON writes booleans as "1"; `normalise` gives them their canonical form again.)
RESULTS = QueryResultsFormat.JSON


def normalise(term: Term) -> Term:
    """A term as the registry wrote it: canonical literal forms, and Virtuoso's geometry type undone."""
    if isinstance(term, Literal) and term.datatype.value == VIRTUOSO_GEOMETRY:
        return Literal(term.value, datatype=WKT_LITERAL)
    return canonical(term)


def _normalise_triple(t: Triple) -> Triple:
    return Triple(normalise(t.subject), t.predicate, normalise(t.object))  # type: ignore[arg-type]


def media_type(response: httpx.Response) -> str:
    return str(response.headers.get("content-type", "")).split(";")[0].strip().lower()


class Reader:
    """Parsing and paging on top of the client; every read of the store goes through here."""

    PAGE_ROWS = 5000  # below Virtuoso's default ResultSetMaxRows
    VERIFY_AT = 1000  # whole-graph reads this large are checked against a COUNT

    def __init__(self, client: SparqlClient, excluded_graph: NamedNode) -> None:
        self.client = client
        self.excluded_graph = excluded_graph  # the store's own bookkeeping, left out of counts

    # --- parsing ----------------------------------------------------------------------------------

    def broken(self, answer: Answer, exc: SyntaxError) -> RegistryError:
        tail = answer.response.content[-120:].decode("utf-8", "replace")
        if "cancelled" in tail or "timeout" in tail.lower():
            return QueryTimeout(
                "the SPARQL server stopped the query at its time limit and cut the answer short; "
                "nothing of it was used"
            )
        return StoreError(
            f"the SPARQL server sent an incomplete or malformed answer ({self.client.redact(str(exc))[:200]}); "
            "nothing of it was used"
        )

    def solutions(self, answer: Answer) -> list[Row]:
        fmt = QueryResultsFormat.from_media_type(media_type(answer.response)) or RESULTS
        try:
            result = parse_query_results(answer.response.content, format=fmt)
            if not isinstance(result, QuerySolutions):
                raise MalformedInput("expected a SELECT query")
            return solution_rows(result, normalise)[1]
        except SyntaxError as exc:
            raise self.broken(answer, exc) from exc

    def boolean(self, answer: Answer) -> bool:
        fmt = QueryResultsFormat.from_media_type(media_type(answer.response)) or RESULTS
        try:
            result = parse_query_results(answer.response.content, format=fmt)
        except SyntaxError as exc:
            raise self.broken(answer, exc) from exc
        if not isinstance(result, QueryBoolean):
            raise MalformedInput("expected an ASK query")
        return bool(result)

    def graph(self, response: httpx.Response) -> list[Triple]:
        fmt = RdfFormat.from_media_type(media_type(response)) or RdfFormat.N_TRIPLES
        try:
            return [_normalise_triple(q.triple) for q in parse(response.content, fmt)]
        except SyntaxError as exc:
            raise self.broken(Answer(response), exc) from exc

    # --- reads ------------------------------------------------------------------------------------

    def select(self, text: str) -> list[Row]:
        answer = self.client.query(text, RESULTS.media_type)
        rows = self.solutions(answer)
        cap = answer.truncated_at
        if cap is None or len(rows) < cap:
            return rows
        return self._select_pages(text, cap)

    def _select_pages(self, text: str, cap: int) -> list[Row]:
        words = keywords(text)
        if "LIMIT" in words or "OFFSET" in words:
            raise StoreError(
                f"the SPARQL server cut the answer at {cap} rows (Virtuoso ResultSetMaxRows) and the query "
                "already pages itself; raise the server's limit or ask for fewer rows"
            )
        rows: list[Row] = []
        offset = 0
        while True:
            page = self.solutions(self.client.query(f"{text}\nLIMIT {cap} OFFSET {offset}", RESULTS.media_type))
            rows.extend(page)
            if len(page) < cap:
                return rows
            offset += cap

    def ask(self, text: str) -> bool:
        return self.boolean(self.client.query(text, RESULTS.media_type))

    def construct(self, text: str) -> list[Triple]:
        return self.graph(self.client.query(text, RdfFormat.N_TRIPLES.media_type).response)

    def triples(self, graph: NamedNode) -> list[Triple]:
        """A whole graph: by the Graph Store Protocol when configured, checked against a COUNT when large."""
        graph_store = self.client.endpoints.graph_store
        if graph_store:
            response = self.client.read(
                "GET", graph_store, missing_ok=True, params={"graph": graph.value},
                headers={"Accept": RdfFormat.N_TRIPLES.media_type},
            )
            found = [] if response.status_code == 404 else self.graph(response)
        else:
            answer = self.client.query(f"SELECT ?s ?p ?o WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}",
                                       RESULTS.media_type)
            rows = self.solutions(answer)
            found = [Triple(r["s"], r["p"], r["o"]) for r in rows]  # type: ignore[arg-type]
            if answer.truncated_at is not None and len(rows) >= answer.truncated_at:
                return self._graph_pages(graph, answer.truncated_at)
        unique = list(dict.fromkeys(found))
        if len(unique) >= self.VERIFY_AT and len(unique) != self.count(graph):
            return self._graph_pages(graph, self.PAGE_ROWS)
        return unique

    def _graph_pages(self, graph: NamedNode, page_rows: int) -> list[Triple]:
        for _ in range(3):
            seen: dict[Triple, None] = {}
            offset = 0
            while True:
                answer = self.client.query(
                    f"SELECT ?s ?p ?o WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }} LIMIT {page_rows} OFFSET {offset}",
                    RESULTS.media_type,
                )
                cap = answer.truncated_at
                if cap is not None and cap < page_rows:
                    page_rows = cap
                    break  # the server's cap is below our page size: start again with pages it allows
                rows = self.solutions(answer)
                seen.update((Triple(r["s"], r["p"], r["o"]), None) for r in rows)  # type: ignore[arg-type]
                if len(rows) < page_rows:
                    if len(seen) == self.count(graph):
                        return list(seen)
                    break  # changed while paging, or an unstable order: read again
                offset += page_rows
        raise StoreError(f"could not read all of graph {graph} consistently from the SPARQL server; retry")

    def count(self, graph: NamedNode | None = None) -> int:
        if graph is not None:
            query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}"
        else:
            query = (f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                     f"FILTER(?g != {self.excluded_graph}) }}")
        rows = self.solutions(self.client.query(query, RESULTS.media_type))
        return int(rows[0]["n"].value) if rows and "n" in rows[0] else 0
