"""The remote backend: any SPARQL 1.1 server over HTTP (Oxigraph server, Virtuoso, Fuseki, GraphDB, Neptune).

A thin `TripleStore` over the parts of this package: `client` (HTTP, retries, status checks,
credentials), `binding` (bound variables as VALUES blocks), `reads` (complete parsing, paging past
a server's row cap) and `leases` (guarded writes that hold with several workers). With a Graph Store
endpoint configured, `triples(graph)` is a Graph Store Protocol GET.
"""

from __future__ import annotations

from collections.abc import Mapping

from pyoxigraph import (
    NamedNode,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Triple,
    parse,
    parse_query_results,
    serialize,
)

from registry.errors import MalformedInput, RegistryError, StoreError
from registry.settings import Settings
from registry.sparql.guard import check
from registry.store.base import Changeset, QueryDataset, QueryForm, QueryOutput, Row, StoreInfo, Term, TripleStore
from registry.store.sparql.binding import bind_variables
from registry.store.sparql.client import Answer, SparqlClient
from registry.store.sparql.leases import LEASE_GRAPH, LeasedWriter
from registry.store.sparql.reads import RESULTS, Reader, media_type


class SparqlStore(TripleStore):
    kind = "sparql"
    features: frozenset[str] = frozenset()  # LATERAL is not SPARQL 1.1: servers other than Oxigraph refuse it

    def __init__(
        self, query_url: str, update_url: str | None = None, graph_store_url: str | None = None, *,
        user: str | None = None, password: str | None = None, auth: str = "basic",
        timeout_s: float = 30.0,
    ) -> None:
        self.client = SparqlClient(query_url, update_url, graph_store_url, user=user, password=password,
                                   auth=auth, timeout_s=timeout_s)
        self.reader = Reader(self.client, excluded_graph=LEASE_GRAPH)
        self.writer = LeasedWriter(self.reader)

    @classmethod
    def from_settings(cls, settings: Settings, public: bool = False) -> SparqlStore:
        """The main store, or with `public` the store of the public projection (same credentials)."""
        query = settings.public_sparql_query if public else settings.sparql_query
        if not query:
            setting = "MPR_PUBLIC_SPARQL_QUERY" if public else "--sparql-query / MPR_SPARQL_QUERY"
            raise StoreError(f"no SPARQL query endpoint configured ({setting})")
        return cls(
            query,
            settings.public_sparql_update if public else settings.sparql_update,
            None if public else settings.graph_store,
            user=settings.sparql_user,
            password=settings.sparql_password,
            auth=settings.sparql_auth,
            timeout_s=settings.query_timeout_s + 5,
        )

    # --- reads ------------------------------------------------------------------------------------

    def select(self, query: str, substitutions: Mapping[str, Term] | None = None) -> list[Row]:
        return self.reader.select(bind_variables(query, substitutions))

    def ask(self, query: str, substitutions: Mapping[str, Term] | None = None) -> bool:
        return self.reader.ask(bind_variables(query, substitutions))

    def construct(self, query: str, substitutions: Mapping[str, Term] | None = None) -> list[Triple]:
        return self.reader.construct(bind_variables(query, substitutions))

    def triples(self, graph: NamedNode) -> list[Triple]:
        return self.reader.triples(graph)

    def count(self, graph: NamedNode | None = None) -> int:
        return self.reader.count(graph)

    def query_serialized(
        self, query: str, form: QueryForm, media_type: str,
        *, base_iri: str | None = None, dataset: QueryDataset | None = None,
    ) -> QueryOutput:
        """Forward a user's query; the server's bytes are returned only after they parsed completely.

        The base IRI travels as a BASE declaration in front of the text; a request dataset is not
        forwarded (servers differ in how it combines with their own union default graph), so it is refused.
        """
        check(query, update=False)  # no SERVICE: the server would fetch it (see `update`)
        if dataset is not None:
            raise MalformedInput("default-graph-uri and named-graph-uri are not supported with a remote store; "
                                 "use FROM / FROM NAMED or GRAPH in the query")
        if base_iri is not None:
            query = f"BASE <{base_iri}>\n{query}"
        if form in ("CONSTRUCT", "DESCRIBE"):
            return self._serialized_graph(query, form, media_type)
        return self._serialized_results(query, media_type)

    def _serialized_graph(self, query: str, form: QueryForm, wanted_type: str) -> QueryOutput:
        wanted = RdfFormat.from_media_type(wanted_type)
        if wanted is None:
            raise MalformedInput(f"no RDF format for {wanted_type}")
        answer = self.client.query(query, wanted.media_type, user_text=True)
        got = RdfFormat.from_media_type(media_type(answer.response))
        if got is None:
            raise StoreError(f"the SPARQL server answered a {form} query with "
                             f"{media_type(answer.response) or 'no Content-Type'}")
        try:
            triples = [q.triple for q in parse(answer.response.content, got)]
        except SyntaxError as exc:
            raise self.reader.broken(answer, exc) from exc
        if got == wanted:
            return QueryOutput(wanted.media_type, answer.response.content)
        return QueryOutput(wanted.media_type, serialize(triples, format=wanted) or b"")

    def _serialized_results(self, query: str, wanted_type: str) -> QueryOutput:
        """Only JSON and XML are forwarded as the server wrote them: CSV cannot be parsed back to check it,
        and Virtuoso's TSV header is not valid TSV. Those are re-serialised from a checked JSON answer."""
        results = QueryResultsFormat.from_media_type(wanted_type)
        if results is None:
            raise MalformedInput(f"no SPARQL results format for {wanted_type}")
        ask_for = results if results in (QueryResultsFormat.JSON, QueryResultsFormat.XML) else RESULTS
        answer = self.client.query(query, ask_for.media_type, user_text=True)
        got = QueryResultsFormat.from_media_type(media_type(answer.response))
        if got is None or got == QueryResultsFormat.CSV:
            raise StoreError(f"the SPARQL server answered with {media_type(answer.response) or 'nothing'}, "
                             "not a SPARQL results format this registry can check")
        if answer.truncated_at is not None:
            raise StoreError(
                f"the SPARQL server cut the answer at {answer.truncated_at} rows (its ResultSetMaxRows); "
                "add LIMIT/OFFSET to the query to read it in pages"
            )
        try:
            parsed = parse_query_results(answer.response.content, format=got)
            if got == results:
                if isinstance(parsed, QuerySolutions):
                    for _solution in parsed:
                        pass
                return QueryOutput(results.media_type, answer.response.content)
            body = parsed.serialize(format=results)
        except SyntaxError as exc:
            raise self.reader.broken(answer, exc) from exc
        return QueryOutput(results.media_type, body or b"")

    # --- writes -----------------------------------------------------------------------------------

    def update(self, update: str, *, base_iri: str | None = None) -> None:
        # A Virtuoso account with SPARQL_UPDATE may LOAD any URL: never forward a LOAD or SERVICE that
        # the registry did not write itself (the /sparql route checks too; this holds for every caller).
        text = check(update, update=True).text
        self.client.send_update(text if base_iri is None else f"BASE <{base_iri}>\n{text}", user_text=True)

    def apply(self, changeset: Changeset) -> bool:
        return self.writer.apply(changeset)

    # --- the rest ---------------------------------------------------------------------------------

    def info(self) -> StoreInfo:
        endpoints = self.client.endpoints
        extra = {"query": endpoints.query}
        if endpoints.update:
            extra["update"] = endpoints.update
        if endpoints.graph_store:
            extra["graph_store"] = endpoints.graph_store
        try:
            response = self.client.probe(RESULTS.media_type)
            self.reader.boolean(Answer(response))
        except RegistryError as exc:
            return StoreInfo(self.kind, False, exc.message, extra)
        server = response.headers.get("server", "")
        return StoreInfo(self.kind, True, endpoints.query + (f" ({server})" if server else ""), extra)

    def close(self) -> None:
        self.client.close()
