"""The remote backend: any SPARQL 1.1 server over HTTP (Oxigraph server, Virtuoso, Fuseki, GraphDB, Neptune).

Protocol
    Queries go as URL-encoded POST forms (`query=...`), the one query transport every server takes
    (Virtuoso 7.2 hangs on a POST with `Content-Type: application/sparql-query`); updates go as
    `application/sparql-update` bodies. With a Graph Store endpoint configured, `triples(graph)` is a
    Graph Store Protocol GET. One pooled `httpx.Client` serves every thread; only reads, which are
    idempotent, are retried (once more after a dropped keep-alive connection or a refused connect).

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

Substitutions (bound variables)
    Domain code binds variables the way pyoxigraph does (pre-binding: the value is seen everywhere,
    in FILTERs and sub-queries too). Appending one `VALUES` clause at the end of the query is not the
    same: a trailing VALUES joins after the WHERE clause is evaluated, so `FILTER(?v > ?since)` or a
    sub-query would see the variable unbound. So a `VALUES (?a ?b) { (...) }` block (terms in
    pyoxigraph's N-Triples syntax, which is SPARQL syntax) is put at the start of every group graph
    pattern of the query, found with the SPARQL tokenizer of `registry.sparql.guard`. Nothing of the
    query text is replaced, and values are never pasted into it as text.

Writes across several workers: `apply`
    A conditional `DELETE {..} INSERT {..} WHERE {guard}` is NOT a compare-and-set on these servers:
    measured with 8 concurrent requests whose guard was the same version, `oxigraph serve` 0.5 applied
    all 8 (snapshot isolation without write-write conflict detection) and Virtuoso 7.2 applied two of
    them in one run of three. So the store serialises writers itself with short leases kept in the
    store, in the graph `urn:mpr:write-leases`:

    1. claim: INSERT DATA `<graph> mpr:leasedTo <urn:uuid:token>` for every graph the changeset
       touches, plus the lease's expiry time (idempotent, safe to retry);
    2. check, in ONE query (one snapshot): the live leases on those graphs, and whether the guard
       holds. Another live lease: withdraw the claim, back off a random while, try again (a claim is
       only kept by a writer that saw no other, so of writers that overlap in time at most one
       proceeds; all may back off, hence the random delays). The guard does not hold: withdraw the
       claim and return False;
    3. write, in ONE update request: DELETE DATA (removed triples, this lease, expired leases seen),
       then INSERT DATA (added triples), one operation per GRAPH block (see `_data_update`). The server
       applies one request as one transaction (Oxigraph: always, also when killed mid-write, see the
       interrupted-write test; Virtuoso: as long as no operation in it fails).
    Three requests per write (claim, check, write) instead of one conditional update: the price of a
    guard that holds with several workers. The guard is still evaluated by the server, in step 2.
    Did it take effect? A 2xx answer says so. When the answer is lost (connection cut, server killed)
    the lease is the marker: it is deleted in the same transaction as the write, so "lease gone" means
    "written"; "lease still there" means nothing was written. If the server cannot be asked, the
    caller gets StoreUnavailable, the store holds the old or the new state, and the lease expires.

    Limits: leases bind only registry workers (an admin's SPARQL UPDATE through /sparql does not
    take them); expiry uses the workers' clocks (keep them within seconds); lease graph triples are
    briefly visible to queries of the union default graph.
"""

from __future__ import annotations

import logging
import random
import re
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import httpx
from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    RdfFormat,
    Triple,
    parse,
    parse_query_results,
    serialize,
)

import registry
from registry.canonical import canonical
from registry.errors import Conflict, MalformedInput, QueryTimeout, RegistryError, StoreError, StoreUnavailable
from registry.settings import Settings
from registry.sparql.guard import _TOKEN as SPARQL_TOKEN  # the one SPARQL tokenizer of the project
from registry.sparql.guard import check, keywords
from registry.store.base import (
    Changeset,
    GraphChange,
    QueryDataset,
    QueryForm,
    QueryOutput,
    Row,
    StoreInfo,
    Term,
    TripleStore,
    solution_rows,
)
from registry.store.sparql_text import triples_block

log = logging.getLogger(__name__)

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_DATETIME = NamedNode(XSD + "dateTime")
VIRTUOSO_GEOMETRY = "http://www.openlinksw.com/schemas/virtrdf#Geometry"
WKT_LITERAL = NamedNode("http://www.opengis.net/ont/geosparql#wktLiteral")

LEASE_GRAPH = NamedNode("urn:mpr:write-leases")
LEASED_TO = NamedNode("urn:mpr:leasedTo")
LEASE_EXPIRES = NamedNode("urn:mpr:leaseExpires")

# JSON, not XML: XML parsers turn a "\r" in a literal into "\n", and Virtuoso writes it raw. (Virtuoso's
# JSON writes booleans as "1"; `normalise` gives them their canonical form again.)
RESULTS = QueryResultsFormat.JSON
MAX_ROWS_HEADER = "x-sparql-maxrows"
PARTIAL_HEADER = "x-sql-state"  # Virtuoso "anytime" answers: partial results after its time limit
_VARIABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_QUERY_ECHO = re.compile(r"\n\s*SPARQL query:.*", re.DOTALL)


def _safe_url(url: str) -> str:
    """The URL without any user:password@ part, for messages and logs."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _credentials_in(url: str) -> tuple[str | None, str | None]:
    parts = urlsplit(url)
    return parts.username, parts.password


def _now() -> datetime:
    return datetime.now(UTC)


def _time_literal(value: datetime) -> Literal:
    return Literal(value.isoformat().replace("+00:00", "Z"), datatype=XSD_DATETIME)


def normalise(term: Term) -> Term:
    """A term as the registry wrote it: canonical literal forms, and Virtuoso's geometry type undone."""
    if isinstance(term, Literal) and term.datatype.value == VIRTUOSO_GEOMETRY:
        return Literal(term.value, datatype=WKT_LITERAL)
    return canonical(term)


def _normalise_triple(t: Triple) -> Triple:
    return Triple(normalise(t.subject), t.predicate, normalise(t.object))  # type: ignore[arg-type]


# --- substitutions --------------------------------------------------------------------------------


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
    out: list[str] = []
    previous = ""  # the last significant token, upper-cased if a word
    depth = 0
    scopes: list[tuple[int, frozenset[str]]] = [(-1, frozenset(substitutions))]
    seen_query_form = False
    projection: set[str] | None = None  # variables of a sub-SELECT's projection being read
    projection_parens = 0
    in_values_header = False
    pending = False  # a `{` was just written that may take the block

    def block() -> str:
        visible = scopes[-1][1]
        return values_block({k: v for k, v in substitutions.items() if k in visible}) if visible else ""

    for match in SPARQL_TOKEN.finditer(query):
        kind, text = match.lastgroup, match.group()
        if kind in ("space", "comment"):
            out.append(text)
            continue
        word = text.upper() if kind == "word" else ""
        if pending:
            if word != "SELECT":
                out.append(block())
            pending = False
        if projection is not None:  # reading `SELECT ... WHERE {` of a sub-query
            if text == "(":
                projection_parens += 1
            elif text == ")":
                projection_parens -= 1
            elif projection_parens == 0 and kind == "var":
                projection.add(text[1:])
            elif projection_parens == 0 and text == "*":
                projection.update(substitutions)
            if projection_parens == 0 and (word == "WHERE" or text == "{"):
                scopes.append((depth, scopes[-1][1] & frozenset(projection)))
                projection = None
        if word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
            if seen_query_form and word == "SELECT":
                projection, projection_parens = set(), 0
            seen_query_form = True
        if word == "VALUES":
            in_values_header = True
        elif text == "{":
            if in_values_header:
                in_values_header = False  # the data block of an inline VALUES
            elif previous != "CONSTRUCT":
                pending = True
            depth += 1
        elif text == "}":
            depth -= 1
            while len(scopes) > 1 and scopes[-1][0] > depth:
                scopes.pop()
        out.append(text)
        previous = word or text
    if pending:
        out.append(block())
    return "".join(out)


# --- the store ------------------------------------------------------------------------------------


@dataclass
class _Answer:
    response: httpx.Response

    @property
    def truncated_at(self) -> int | None:
        value = self.response.headers.get(MAX_ROWS_HEADER)
        return int(value) if value and value.strip().isdigit() else None


@dataclass(frozen=True)
class _Lease:
    token: NamedNode
    expiry: Literal | None

    def alive(self, now: datetime) -> bool:
        """A lease without a readable expiry is treated as expired, so it can never block writers forever."""
        if self.expiry is None:
            return False
        try:
            return datetime.fromisoformat(self.expiry.value) > now
        except ValueError:
            return False

    def triples(self, graphs: Sequence[NamedNode]) -> list[Triple]:
        found = [Triple(g, LEASED_TO, self.token) for g in graphs]
        if self.expiry is not None:
            found.append(Triple(self.token, LEASE_EXPIRES, self.expiry))
        return found


class SparqlStore(TripleStore):
    kind = "sparql"

    PAGE_ROWS = 5000  # below Virtuoso's default ResultSetMaxRows
    VERIFY_AT = 1000  # whole-graph reads this large are checked against a COUNT
    CHUNK = 2000  # triples per GRAPH block in an update (Virtuoso's parser gives up near 5,000)
    LEASE_S = 60.0
    LOCK_WAIT_S = 15.0
    READ_ATTEMPTS = 3

    def __init__(
        self,
        query_url: str,
        update_url: str | None = None,
        graph_store_url: str | None = None,
        *,
        user: str | None = None,
        password: str | None = None,
        auth: str = "basic",
        timeout_s: float = 30.0,
        connect_timeout_s: float = 5.0,
    ) -> None:
        url_user, url_password = _credentials_in(query_url)
        user = user or url_user
        password = password or url_password
        self.query_url = _safe_url(query_url)
        self.update_url = _safe_url(update_url) if update_url else None
        self.graph_store_url = _safe_url(graph_store_url) if graph_store_url else None
        self._secret = password or ""
        credentials: httpx.Auth | None = None
        if user is not None:
            if auth == "digest":
                credentials = httpx.DigestAuth(user, password or "")
            elif auth == "basic":
                credentials = httpx.BasicAuth(user, password or "")
            else:
                raise StoreError(f"unknown SPARQL authentication {auth!r}: use 'basic' or 'digest'")
        self.timeout_s = timeout_s
        self._client = httpx.Client(
            auth=credentials,
            timeout=httpx.Timeout(timeout_s, connect=connect_timeout_s),
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
            transport=httpx.HTTPTransport(retries=1),  # retries refused connects only: nothing was sent
            headers={"User-Agent": f"material-passport-registry/{registry.__version__}"},
            follow_redirects=False,
        )
        self._stale_leases: list[Triple] = []

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

    # --- HTTP -------------------------------------------------------------------------------------

    def _redact(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text

    def _server_message(self, response: httpx.Response) -> str:
        text = _QUERY_ECHO.sub("", response.text).strip()  # Virtuoso echoes the whole query
        text = " ".join(text.split())
        return self._redact(text[:400] + ("..." if len(text) > 400 else ""))

    def _unavailable(self, url: str, exc: httpx.HTTPError) -> StoreUnavailable:
        if isinstance(exc, httpx.TimeoutException):
            reason = "did not answer in time"
        elif isinstance(exc, httpx.ConnectError):
            reason = "refused the connection or cannot be reached"
        else:
            reason = f"broke off the exchange ({type(exc).__name__})"
        return StoreUnavailable(f"the SPARQL server at {_safe_url(url)} {reason}; retry shortly")

    def _check(self, response: httpx.Response, url: str, user_text: bool) -> httpx.Response:
        status = response.status_code
        if status < 300:
            if response.headers.get(PARTIAL_HEADER):
                raise QueryTimeout(
                    f"the SPARQL server stopped the query at its own time limit and sent a partial answer "
                    f"({self._redact(response.headers.get('x-sql-message', ''))}); nothing of it was used"
                )
            return response
        where = _safe_url(url)
        if status == 401:
            raise StoreError(
                f"the SPARQL server at {where} wants credentials, or refused the ones configured "
                "(MPR_SPARQL_USER, MPR_SPARQL_PASSWORD, MPR_SPARQL_AUTH=basic|digest)"
            )
        if status == 403:
            raise StoreError(f"the SPARQL server at {where} refused this request (403 Forbidden)")
        if status in (502, 503, 504):
            raise StoreUnavailable(f"the SPARQL server at {where} is unavailable (HTTP {status}); retry shortly")
        message = self._server_message(response)
        if 400 <= status < 500 and user_text:
            raise MalformedInput(f"the SPARQL server could not run this request: {message}")
        if status == 500 and ("SECURITY" in message or "permission" in message.lower()):
            raise StoreError(
                f"the SPARQL server at {where} refused the update: the account has no update rights "
                f"(Virtuoso answers this with HTTP 500; grant SPARQL_UPDATE or use /sparql-auth): {message}"
            )
        raise StoreError(f"the SPARQL server at {where} answered HTTP {status}: {message}")

    def _read(
        self, method: str, url: str, *, user_text: bool = False, missing_ok: bool = False, **kwargs: object
    ) -> httpx.Response:
        """An idempotent request, retried after a dropped connection; the body is read completely."""
        for attempt in range(self.READ_ATTEMPTS):
            try:
                response = self._client.request(method, url, **kwargs)  # type: ignore[arg-type]
            except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
                if attempt + 1 == self.READ_ATTEMPTS:
                    raise self._unavailable(url, exc) from exc
                time.sleep(0.1 * (attempt + 1))
                continue
            except httpx.HTTPError as exc:
                raise self._unavailable(url, exc) from exc
            if missing_ok and response.status_code == 404:
                return response
            return self._check(response, url, user_text)
        raise AssertionError("unreachable")

    def _query(self, text: str, accept: str, *, user_text: bool = True) -> _Answer:
        response = self._read(
            "POST", self.query_url, user_text=user_text, data={"query": text}, headers={"Accept": accept}
        )
        return _Answer(response)

    def _send_update(self, text: str, *, user_text: bool = False) -> None:
        if not self.update_url:
            raise StoreError("no SPARQL update endpoint configured (--sparql-update / MPR_SPARQL_UPDATE)")
        try:
            response = self._client.post(
                self.update_url, content=text.encode("utf-8"),
                headers={"Content-Type": "application/sparql-update; charset=utf-8"},
            )
        except httpx.HTTPError as exc:
            raise self._unavailable(self.update_url, exc) from exc
        self._check(response, self.update_url, user_text)

    def _write_idempotent(self, text: str) -> None:
        """An update that may safely be sent twice (INSERT DATA / DELETE DATA of the same triples)."""
        try:
            self._send_update(text)
        except StoreUnavailable:
            time.sleep(0.1)
            self._send_update(text)

    # --- parsing ------------------------------------------------------------------------------------

    def _solutions(self, answer: _Answer) -> tuple[list[str], list[Row]]:
        fmt = self._results_format(answer.response)
        try:
            result = parse_query_results(answer.response.content, format=fmt)
            if not isinstance(result, QuerySolutions):
                raise MalformedInput("expected a SELECT query")
            return solution_rows(result, normalise)
        except SyntaxError as exc:
            raise self._broken(answer, exc) from exc

    def _boolean(self, answer: _Answer) -> bool:
        try:
            result = parse_query_results(answer.response.content, format=self._results_format(answer.response))
        except SyntaxError as exc:
            raise self._broken(answer, exc) from exc
        if not isinstance(result, QueryBoolean):
            raise MalformedInput("expected an ASK query")
        return bool(result)

    def _graph(self, response: httpx.Response, default: RdfFormat = RdfFormat.N_TRIPLES) -> list[Triple]:
        fmt = RdfFormat.from_media_type(self._media_type(response)) or default
        try:
            return [_normalise_triple(q.triple) for q in parse(response.content, fmt)]
        except SyntaxError as exc:
            raise self._broken(_Answer(response), exc) from exc

    @staticmethod
    def _media_type(response: httpx.Response) -> str:
        return response.headers.get("content-type", "").split(";")[0].strip().lower()

    def _results_format(self, response: httpx.Response) -> QueryResultsFormat:
        return QueryResultsFormat.from_media_type(self._media_type(response)) or RESULTS

    def _broken(self, answer: _Answer, exc: SyntaxError) -> RegistryError:
        tail = answer.response.content[-120:].decode("utf-8", "replace")
        if "cancelled" in tail or "timeout" in tail.lower():
            return QueryTimeout(
                "the SPARQL server stopped the query at its time limit and cut the answer short; "
                "nothing of it was used"
            )
        return StoreError(
            f"the SPARQL server sent an incomplete or malformed answer ({self._redact(str(exc))[:200]}); "
            "nothing of it was used"
        )

    # --- reads ----------------------------------------------------------------------------------------

    def select(self, query: str, substitutions: Mapping[str, Term] | None = None) -> list[Row]:
        text = bind_variables(query, substitutions)
        answer = self._query(text, RESULTS.media_type)
        _names, rows = self._solutions(answer)
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
            answer = self._query(f"{text}\nLIMIT {cap} OFFSET {offset}", RESULTS.media_type)
            _names, page = self._solutions(answer)
            rows.extend(page)
            if len(page) < cap:
                return rows
            offset += cap

    def ask(self, query: str, substitutions: Mapping[str, Term] | None = None) -> bool:
        return self._boolean(self._query(bind_variables(query, substitutions), RESULTS.media_type))

    def construct(self, query: str, substitutions: Mapping[str, Term] | None = None) -> list[Triple]:
        answer = self._query(bind_variables(query, substitutions), RdfFormat.N_TRIPLES.media_type)
        return self._graph(answer.response)

    def triples(self, graph: NamedNode) -> list[Triple]:
        if self.graph_store_url:
            response = self._read(
                "GET", self.graph_store_url, missing_ok=True, params={"graph": graph.value},
                headers={"Accept": RdfFormat.N_TRIPLES.media_type},
            )
            found = [] if response.status_code == 404 else self._graph(response)
        else:
            answer = self._query(f"SELECT ?s ?p ?o WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}", RESULTS.media_type)
            _names, rows = self._solutions(answer)
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
                answer = self._query(
                    f"SELECT ?s ?p ?o WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }} LIMIT {page_rows} OFFSET {offset}",
                    RESULTS.media_type,
                )
                cap = answer.truncated_at
                if cap is not None and cap < page_rows:
                    page_rows = cap
                    break  # the server's cap is below our page size: start again with pages it allows
                _names, rows = self._solutions(answer)
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
            query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != {LEASE_GRAPH}) }}"
        _names, rows = self._solutions(self._query(query, RESULTS.media_type))
        return int(rows[0]["n"].value) if rows and "n" in rows[0] else 0

    def query_serialized(
        self, query: str, form: QueryForm, media_type: str,
        *, base_iri: str | None = None, dataset: QueryDataset | None = None,
    ) -> QueryOutput:
        """Forward a user's query; the server's bytes are returned only after they parsed completely.

        When the server cannot produce the wanted syntax (CSV cannot be parsed back, so it is never asked
        for), the answer is fetched in a syntax that can be checked and re-serialised here. The base IRI
        travels as a BASE declaration in front of the text; a request dataset is not forwarded (servers
        differ in how it combines with their own union default graph), so it is refused.
        """
        check(query, update=False)  # no SERVICE: the server would fetch it (see `update`)
        if dataset is not None:
            raise MalformedInput("default-graph-uri and named-graph-uri are not supported with a remote store; "
                                 "use FROM / FROM NAMED or GRAPH in the query")
        if base_iri is not None:
            query = f"BASE <{base_iri}>\n{query}"
        if form in ("CONSTRUCT", "DESCRIBE"):
            wanted = RdfFormat.from_media_type(media_type)
            if wanted is None:
                raise MalformedInput(f"no RDF format for {media_type}")
            answer = self._query(query, wanted.media_type, user_text=True)
            got = RdfFormat.from_media_type(self._media_type(answer.response))
            if got is None:
                raise StoreError(f"the SPARQL server answered a {form} query with "
                                 f"{self._media_type(answer.response) or 'no Content-Type'}")
            try:
                triples = [q.triple for q in parse(answer.response.content, got)]
            except SyntaxError as exc:
                raise self._broken(answer, exc) from exc
            if got == wanted:
                return QueryOutput(wanted.media_type, answer.response.content)
            return QueryOutput(wanted.media_type, serialize(triples, format=wanted) or b"")
        results = QueryResultsFormat.from_media_type(media_type)
        if results is None:
            raise MalformedInput(f"no SPARQL results format for {media_type}")
        # Only JSON and XML are forwarded as the server wrote them: CSV cannot be parsed back to check it,
        # and Virtuoso's TSV header is not valid TSV. Those are re-serialised from a checked JSON answer.
        ask_for = results if results in (QueryResultsFormat.JSON, QueryResultsFormat.XML) else RESULTS
        answer = self._query(query, ask_for.media_type, user_text=True)
        got = QueryResultsFormat.from_media_type(self._media_type(answer.response))
        if got is None or got == QueryResultsFormat.CSV:
            raise StoreError(f"the SPARQL server answered with {self._media_type(answer.response) or 'nothing'}, "
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
            raise self._broken(answer, exc) from exc
        return QueryOutput(results.media_type, body or b"")

    # --- writes ---------------------------------------------------------------------------------------

    def update(self, update: str, *, base_iri: str | None = None) -> None:
        # A Virtuoso account with SPARQL_UPDATE may LOAD any URL: never forward a LOAD or SERVICE that
        # the registry did not write itself (the /sparql route checks too; this holds for every caller).
        text = check(update, update=True).text
        self._send_update(text if base_iri is None else f"BASE <{base_iri}>\n{text}", user_text=True)

    def _data_update(self, changes: Sequence[GraphChange]) -> str:
        """DELETE DATA then INSERT DATA, one operation per GRAPH block of at most CHUNK triples.

        One block per operation because Virtuoso 7.2's DELETE DATA with several GRAPH blocks silently
        keeps language-tagged and custom-typed literals; at most CHUNK triples because its SPARQL parser
        runs out of stack near 5,000. The server still gets one request, one transaction.
        """
        deletes, inserts = [], []
        for change in changes:
            for i in range(0, len(change.remove), self.CHUNK):
                block = triples_block(change.remove[i:i + self.CHUNK])
                deletes.append(f"DELETE DATA {{ GRAPH {change.graph} {{\n{block}\n}} }}")
            for i in range(0, len(change.add), self.CHUNK):
                block = triples_block(change.add[i:i + self.CHUNK])
                inserts.append(f"INSERT DATA {{ GRAPH {change.graph} {{\n{block}\n}} }}")
        return " ;\n".join(deletes + inserts)

    def _lease_check(self, graphs: Sequence[NamedNode], guard: str) -> tuple[list[_Lease], bool]:
        """Leases on these graphs and whether the guard holds, read in one query (one snapshot)."""
        leases = (f"{{ GRAPH {LEASE_GRAPH} {{ ?g {LEASED_TO} ?t }} "
                  f"OPTIONAL {{ GRAPH {LEASE_GRAPH} {{ ?t {LEASE_EXPIRES} ?x }} }} "
                  f"VALUES ?g {{ {' '.join(str(g) for g in graphs)} }} }}")
        # The VALUES row in front of the guard makes Virtuoso evaluate a guard that is only a
        # FILTER NOT EXISTS (alone in its group, Virtuoso 7.2 ignores that filter).
        holds = (f"UNION {{ SELECT (1 AS ?ok) WHERE {{ VALUES ?mpr_guard {{ 1 }} {guard} }} LIMIT 1 }}"
                 if guard else "")
        _names, rows = self._solutions(self._query(
            f"SELECT ?t ?x ?ok WHERE {{ {leases} {holds} }}", RESULTS.media_type))
        found: dict[NamedNode, _Lease] = {}
        ok = not guard
        for row in rows:
            token, expiry = row.get("t"), row.get("x")
            if "ok" in row:
                ok = True
            elif isinstance(token, NamedNode):
                found[token] = _Lease(token, expiry if isinstance(expiry, Literal) else None)
        return list(found.values()), ok

    def _release(self, triples: Sequence[Triple]) -> None:
        if not triples:
            return
        try:
            self._write_idempotent(self._data_update([GraphChange(LEASE_GRAPH, remove=triples)]))
        except RegistryError:
            self._stale_leases.extend(triples)  # released later, or expires
            log.warning("could not withdraw a write lease; it expires within %.0f s", self.LEASE_S)

    def apply(self, changeset: Changeset) -> bool:
        if changeset.size == 0:
            return self.ask(f"ASK {{ VALUES ?mpr_guard {{ 1 }} {changeset.guard} }}") if changeset.guard else True
        if self._stale_leases:
            stale, self._stale_leases = self._stale_leases, []
            self._release(stale)
        graphs = sorted({c.graph for c in changeset.changes}, key=str)
        give_up = time.monotonic() + self.LOCK_WAIT_S
        for attempt in range(1_000):
            token = NamedNode(f"urn:uuid:{uuid.uuid4()}")
            claimed_at = time.monotonic()
            lease = [Triple(g, LEASED_TO, token) for g in graphs]
            lease.append(Triple(token, LEASE_EXPIRES, _time_literal(_now() + timedelta(seconds=self.LEASE_S))))
            self._write_idempotent(self._data_update([GraphChange(LEASE_GRAPH, add=lease)]))
            try:
                others, guard_holds = self._lease_check(graphs, changeset.guard)
            except RegistryError:
                self._release(lease)
                raise
            now = _now()
            live = [x for x in others if x.token != token and x.alive(now)]
            expired = [x for x in others if x.token != token and not x.alive(now)]
            if live:
                self._release(lease)
                if time.monotonic() > give_up:
                    raise Conflict("other writers keep changing the same data; try again")
                time.sleep(random.uniform(0.005, 0.02) * min(attempt + 1, 10))
                continue
            if not guard_holds:
                self._release(lease)
                return False
            if time.monotonic() - claimed_at > self.LEASE_S / 2:
                self._release(lease)
                continue  # too slow to trust the lease for the write: claim again
            cleanup = [t for x in expired for t in x.triples(graphs)]
            return self._write_under_lease(changeset, lease, cleanup)
        raise Conflict("other writers keep changing the same data; try again")

    def _write_under_lease(self, changeset: Changeset, lease: list[Triple], cleanup: list[Triple]) -> bool:
        text = self._data_update([*changeset.changes, GraphChange(LEASE_GRAPH, remove=lease + cleanup)])
        try:
            self._send_update(text)
        except StoreUnavailable as exc:
            # The answer was lost: the lease tells whether the transaction committed.
            try:
                first = lease[0]
                still_leased = self.ask(
                    f"ASK {{ GRAPH {LEASE_GRAPH} {{ {first.subject} {first.predicate} {first.object} }} }}")
            except RegistryError:
                self._stale_leases.extend(lease)
                raise StoreUnavailable(
                    f"{exc.message} (a write was in flight: the store holds either all of it or none of it)"
                ) from exc
            if not still_leased:
                return True
            self._release(lease)
            raise
        except RegistryError:
            self._release(lease)
            raise
        return True

    # --- the rest -------------------------------------------------------------------------------------

    def info(self) -> StoreInfo:
        extra = {"query": self.query_url}
        if self.update_url:
            extra["update"] = self.update_url
        if self.graph_store_url:
            extra["graph_store"] = self.graph_store_url
        try:
            response = self._client.post(self.query_url, data={"query": "ASK {}"},
                                         headers={"Accept": RESULTS.media_type}, timeout=5.0)
            self._check(response, self.query_url, False)
            self._boolean(_Answer(response))
        except httpx.HTTPError as exc:
            return StoreInfo(self.kind, False, self._unavailable(self.query_url, exc).message, extra)
        except RegistryError as exc:
            return StoreInfo(self.kind, False, exc.message, extra)
        server = response.headers.get("server", "")
        return StoreInfo(self.kind, True, f"{self.query_url}" + (f" ({server})" if server else ""), extra)

    def close(self) -> None:
        self._client.close()
