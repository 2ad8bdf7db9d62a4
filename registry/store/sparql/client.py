"""HTTP to a SPARQL 1.1 server: one pooled client, retries of reads, status checks, no credential leaks.

Queries go as URL-encoded POST forms (`query=...`), the one query transport every server takes
(Virtuoso 7.2 hangs on a POST with `Content-Type: application/sparql-query`); updates go as
`application/sparql-update` bodies. One pooled `httpx.Client` serves every thread; only reads, which
are idempotent, are retried (once more after a dropped keep-alive connection or a refused connect).

Whose text it was decides what a 4xx means: a user's query through /sparql that the server refuses is
the user's mistake (400); the registry's own query refused is a fault of the registry or the server (502).
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

import registry
from registry.errors import MalformedInput, QueryTimeout, StoreError, StoreUnavailable

MAX_ROWS_HEADER = "x-sparql-maxrows"
PARTIAL_HEADER = "x-sql-state"  # Virtuoso "anytime" answers: partial results after its time limit
# SQLSTATEs of a transaction Virtuoso rolled back, e.g. as the victim of a deadlock (SR172): two writers at once
# (a request's write and the background summaries', seen in CI). The registry's own updates are DELETE DATA /
# INSERT DATA, the same after a second sending, so they are sent again; a user's update is not retried.
ROLLED_BACK = "40"  # SQLSTATE class 40, transaction rollback (40001: the deadlock victim)
UPDATE_ATTEMPTS = 5
_QUERY_ECHO = re.compile(r"\n\s*SPARQL query:.*", re.DOTALL)
READ_ATTEMPTS = 3
CONNECT_TIMEOUT_S = 5.0


def safe_url(url: str) -> str:
    """The URL without any user:password@ part, for messages and logs."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


@dataclass
class Answer:
    """A complete HTTP answer, and whether Virtuoso says it cut it at its ResultSetMaxRows."""

    response: httpx.Response

    @property
    def truncated_at(self) -> int | None:
        value = self.response.headers.get(MAX_ROWS_HEADER)
        return int(value) if value and value.strip().isdigit() else None


@dataclass(frozen=True)
class Endpoints:
    """Where queries, updates and Graph Store reads go, without credentials."""

    query: str
    update: str | None = None
    graph_store: str | None = None


def _auth(user: str | None, password: str | None, auth: str) -> httpx.Auth | None:
    if user is None:
        return None
    if auth == "digest":
        return httpx.DigestAuth(user, password or "")
    if auth == "basic":
        return httpx.BasicAuth(user, password or "")
    raise StoreError(f"unknown SPARQL authentication {auth!r}: use 'basic' or 'digest'")


class SparqlClient:
    """The store's only way to the server; every error it raises names the server, never a password."""

    def __init__(
        self, query_url: str, update_url: str | None = None, graph_store_url: str | None = None, *,
        user: str | None = None, password: str | None = None, auth: str = "basic",
        timeout_s: float = 30.0,
    ) -> None:
        parts = urlsplit(query_url)
        user, password = user or parts.username, password or parts.password
        self.endpoints = Endpoints(safe_url(query_url), safe_url(update_url) if update_url else None,
                                   safe_url(graph_store_url) if graph_store_url else None)
        self._secret = password or ""
        self._http = httpx.Client(
            auth=_auth(user, password, auth),
            timeout=httpx.Timeout(timeout_s, connect=CONNECT_TIMEOUT_S),
            limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
            transport=httpx.HTTPTransport(retries=1),  # retries refused connects only: nothing was sent
            headers={"User-Agent": f"material-passport-registry/{registry.__version__}"},
            follow_redirects=False,
        )

    def redact(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text

    def _server_message(self, response: httpx.Response) -> str:
        text = _QUERY_ECHO.sub("", response.text).strip()  # Virtuoso echoes the whole query
        text = " ".join(text.split())
        return self.redact(text[:400] + ("..." if len(text) > 400 else ""))

    @staticmethod
    def unavailable(url: str, exc: httpx.HTTPError) -> StoreUnavailable:
        if isinstance(exc, httpx.TimeoutException):
            reason = "did not answer in time"
        elif isinstance(exc, httpx.ConnectError):
            reason = "refused the connection or cannot be reached"
        else:
            reason = f"broke off the exchange ({type(exc).__name__})"
        return StoreUnavailable(f"the SPARQL server at {safe_url(url)} {reason}; retry shortly")

    def check(self, response: httpx.Response, url: str, user_text: bool) -> httpx.Response:
        """The response if it is a complete success; otherwise the error that says whose fault it is."""
        status = response.status_code
        if status < 300:
            if _rolled_back(response):
                raise StoreUnavailable(f"the SPARQL server at {safe_url(url)} rolled the request back as the victim "
                                       "of a deadlock with another writer; retry shortly")
            if response.headers.get(PARTIAL_HEADER):
                raise QueryTimeout(
                    f"the SPARQL server stopped the query at its own time limit and sent a partial answer "
                    f"({self.redact(response.headers.get('x-sql-message', ''))}); nothing of it was used"
                )
            return response
        where = safe_url(url)
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
        if 400 <= status < 500:
            raise StoreError(f"the SPARQL server at {where} refused a request of the registry itself "
                             f"(HTTP {status}): {message}")
        if status == 500 and ("SECURITY" in message or "permission" in message.lower()):
            raise StoreError(
                f"the SPARQL server at {where} refused the update: the account has no update rights "
                f"(Virtuoso answers this with HTTP 500; grant SPARQL_UPDATE or use /sparql-auth): {message}"
            )
        raise StoreError(f"the SPARQL server at {where} answered HTTP {status}: {message}")

    def read(self, method: str, url: str, *, user_text: bool = False, missing_ok: bool = False,
             **kwargs: Any) -> httpx.Response:
        """An idempotent request, retried after a dropped connection; the body is read completely."""
        for attempt in range(READ_ATTEMPTS):
            try:
                response = self._http.request(method, url, **kwargs)
            except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
                if attempt + 1 == READ_ATTEMPTS:
                    raise self.unavailable(url, exc) from exc
                time.sleep(0.1 * (attempt + 1))
                continue
            except httpx.HTTPError as exc:
                raise self.unavailable(url, exc) from exc
            if missing_ok and response.status_code == 404:
                return response
            if _rolled_back(response) and attempt + 1 < READ_ATTEMPTS:
                time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))  # a deadlock victim: the other finishes
                continue
            return self.check(response, url, user_text)
        raise AssertionError("unreachable")

    def query(self, text: str, accept: str, *, user_text: bool = False) -> Answer:
        """`user_text`: the query is a user's (through /sparql), so the server's 4xx is the user's 400."""
        return Answer(self.read("POST", self.endpoints.query, user_text=user_text,
                                data={"query": text}, headers={"Accept": accept}))

    def send_update(self, text: str, *, user_text: bool = False) -> None:
        url = self.endpoints.update
        if not url:
            raise StoreError("no SPARQL update endpoint configured (--sparql-update / MPR_SPARQL_UPDATE)")
        for attempt in range(1 if user_text else UPDATE_ATTEMPTS):
            try:
                response = self._http.post(url, content=text.encode("utf-8"),
                                           headers={"Content-Type": "application/sparql-update; charset=utf-8"})
            except httpx.HTTPError as exc:
                raise self.unavailable(url, exc) from exc
            if not _rolled_back(response):
                break
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))  # the other writer finishes meanwhile
        self.check(response, url, user_text)

    def write_idempotent(self, text: str) -> None:
        """An update that may safely be sent twice (INSERT DATA / DELETE DATA of the same triples)."""
        try:
            self.send_update(text)
        except StoreUnavailable:
            time.sleep(0.1)
            self.send_update(text)

    def probe(self, accept: str) -> httpx.Response:
        """`ASK {}` with a short time limit, not retried: for /health, which must answer quickly."""
        url = self.endpoints.query
        try:
            response = self._http.post(url, data={"query": "ASK {}"}, headers={"Accept": accept}, timeout=5.0)
        except httpx.HTTPError as exc:
            raise self.unavailable(url, exc) from exc
        return self.check(response, url, False)

    def close(self) -> None:
        self._http.close()


def _rolled_back(response: httpx.Response) -> bool:
    """Did Virtuoso roll this request back (a deadlock victim), rather than cut a query short at its time limit?
    By SQLSTATE class 40, or by its message: a deadlock inside a built-in function ("Transaction deadlock, from
    SQL built-in function", seen in CI) came with another state."""
    state: str = response.headers.get(PARTIAL_HEADER, "")
    message: str = response.headers.get("x-sql-message", "")
    return state.startswith(ROLLED_BACK) or (bool(state) and "deadlock" in message.lower())
