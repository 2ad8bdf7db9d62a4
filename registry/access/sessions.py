"""Browser sessions: a token, given once on the sign-in page, exchanged for a session cookie.

Browsers cannot send `Authorization: Bearer` on a link or a page load, so owners and auditors could never
see their restricted data in pages (issue 16). A session is opaque and server-side, kept in the store
beside the tokens (`{base}/admin/sessions`) so every API worker sees it and sign-out ends it everywhere:
the cookie `mps_<id>_<secret>` finds the record by id and is checked against a salted hash of the secret,
as tokens are (registry/access/tokens.py); the secret itself is never stored.

One door: a session stands for the token it was opened with. Every request resolves it through
`TokenService.agent_of`, so the session is the same principal under the same rules, and revoking or
expiry of the token ends its sessions at once. The bootstrap admin token (MPR_ADMIN_TOKEN) cannot open
one: it is for the API and the CLI, and a browser holding admin rights is too large a target.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pyoxigraph import Literal, NamedNode, Triple

from registry.access.tokens import TokenService
from registry.errors import Unauthorized
from registry.namespaces import DCTERMS, PROV, RDF_TYPE, SCHEMA, mpr, sparql_prefixes
from registry.passports.model import Agent
from registry.rdf import datetime_literal
from registry.store.base import Changeset, GraphChange, Row, TripleStore

log = logging.getLogger("registry.access")
SESSION_PATTERN = re.compile(r"^mps_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")
#: Expired sessions removed per sign-in (5 triples each): bounds the write; the rest go at the next sign-ins.
SWEEP = 200
P = sparql_prefixes()


def _digest(salt: str, secret: str) -> str:
    return hashlib.sha256((salt + secret).encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    cookie: str  # the only copy of the secret: set it as the cookie, never log it
    expires: datetime
    agent: Agent


class SessionService:
    def __init__(self, store: TripleStore, tokens: TokenService, lifetime: timedelta,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.store = store
        self.tokens = tokens
        self.lifetime = lifetime
        self.clock = clock
        self.graph = NamedNode(f"{tokens.base}/admin/sessions")

    def _node(self, session_id: str) -> NamedNode:
        return NamedNode(f"{self.tokens.base}/admin/sessions/{session_id}")

    def start(self, token: str) -> Session:
        """Sign in with an organisation's token (checked by the token service); Unauthorized otherwise."""
        token_id = self.tokens.token_id(token.strip())
        if token_id is None:
            raise Unauthorized("sign in with an organisation's token (mpr_...); the admin token is for the API")
        agent = self.tokens.verify(token.strip())
        session_id, secret, salt = secrets.token_hex(8), secrets.token_urlsafe(32), secrets.token_hex(16)
        now = self.clock()
        expires = now + self.lifetime
        node = self._node(session_id)
        add = [
            Triple(node, RDF_TYPE, mpr("BrowserSession")),
            Triple(node, mpr("sessionHash"), Literal(f"{salt}${_digest(salt, secret)}")),
            Triple(node, NamedNode(PROV + "wasDerivedFrom"), self.tokens.node(token_id)),
            Triple(node, NamedNode(DCTERMS + "created"), datetime_literal(now)),
            Triple(node, NamedNode(SCHEMA + "expires"), datetime_literal(expires)),
        ]
        self.store.apply(Changeset([GraphChange(self.graph, remove=self._expired(now), add=add)]))
        return Session(f"mps_{session_id}_{secret}", expires, agent)

    def agent(self, cookie: str) -> Agent | None:
        """The agent of a live session; None for anything else (a stale cookie makes a visitor anonymous,
        it does not lock them out of public pages)."""
        row = self._row(cookie)
        if row is None:
            return None
        try:
            return self.tokens.agent_of(row["token"].value.rsplit("/", 1)[1])
        except Unauthorized:
            return None

    def end(self, cookie: str) -> None:
        """Sign out: the record goes, so the cookie is worthless wherever it was copied to."""
        match = SESSION_PATTERN.match(cookie)
        if match is None or self._row(cookie) is None:
            return
        node = self._node(match.group(1))
        mine = [t for t in self.store.triples(self.graph) if t.subject == node]
        self.store.apply(Changeset([GraphChange(self.graph, remove=mine)]))

    def _row(self, cookie: str) -> Row | None:
        match = SESSION_PATTERN.match(cookie)
        if match is None:
            return None
        session_id, secret = match.groups()
        rows = self.store.select(
            P + "SELECT ?g ?s ?hash ?token ?expires WHERE { GRAPH ?g { ?s a mpr:BrowserSession ; "
            "mpr:sessionHash ?hash ; prov:wasDerivedFrom ?token ; schema:expires ?expires } }",
            {"g": self.graph, "s": self._node(session_id)})
        if not rows:
            return None
        salt, _, digest = rows[0]["hash"].value.partition("$")
        if not hmac.compare_digest(_digest(salt, secret), digest):
            log.warning("refused session %s: wrong secret", session_id)
            return None
        if datetime.fromisoformat(rows[0]["expires"].value) <= self.clock():
            return None
        return rows[0]

    def _expired(self, now: datetime) -> list[Triple]:
        rows = self.store.select(
            P + "SELECT ?g ?now ?s ?p ?o WHERE { GRAPH ?g { ?s a mpr:BrowserSession ; schema:expires ?e . "
            f"FILTER(?e <= ?now) ?s ?p ?o }} }} LIMIT {SWEEP * 5}",
            {"g": self.graph, "now": datetime_literal(now)})
        return [Triple(r["s"], r["p"], r["o"]) for r in rows]  # type: ignore[arg-type]
