"""API tokens, kept in the store as salted hashes so every API worker sees the same tokens.

A token is `mpr_<id>_<secret>`: the id finds the record, the 256-bit secret is checked against a
salted SHA-256. A fast hash is the right tool for long random secrets (nothing to brute-force);
the secret itself is shown once, at creation, and never stored or logged.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

from pyoxigraph import Literal, NamedNode, Triple

from registry.access.policy import ROLES, check_admin
from registry.errors import MalformedInput, NotFound, Unauthorized
from registry.namespaces import DCTERMS, RDF_TYPE, RDFS, SCHEMA, XSD, mpr, sparql_prefixes
from registry.passports.model import Agent
from registry.rdf import datetime_literal
from registry.store.base import Changeset, GraphChange, Row, Term, TripleStore

log = logging.getLogger("registry.access")
TOKEN_PATTERN = re.compile(r"^mpr_([0-9a-f]{12})_([A-Za-z0-9_-]{20,})$")
TOKEN_ID_PATTERN = re.compile(r"^[0-9a-f]{12}$")
ORG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
XSD_DATE = NamedNode(XSD + "date")
XSD_BOOLEAN = NamedNode(XSD + "boolean")
P = sparql_prefixes()


def _digest(salt: str, secret: str) -> str:
    return hashlib.sha256((salt + secret).encode()).hexdigest()


@dataclass(frozen=True)
class TokenInfo:
    id: str
    organisation: str
    role: str
    created: str
    expires: str | None
    revoked: bool
    label: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def expired_before(self, day: date) -> bool:
        """Already unusable on `day`: `expires` is the last valid day."""
        return self.expires is not None and date.fromisoformat(self.expires) < day


class TokenService:
    def __init__(self, store: TripleStore, base: str, clock: Callable[[], datetime] = lambda: datetime.now(UTC)):
        self.store = store
        self.base = base.rstrip("/")
        self.graph = NamedNode(f"{self.base}/admin/tokens")
        self.clock = clock

    def node(self, token_id: str) -> NamedNode:
        return NamedNode(f"{self.base}/admin/tokens/{token_id}")

    def organisation_iri(self, organisation: str) -> NamedNode:
        return NamedNode(f"{self.base}/organisations/{quote(organisation, safe='')}")

    def create(
        self, organisation: str, role: str, expires: date | None = None, label: str | None = None
    ) -> tuple[TokenInfo, str]:
        """A new token; the returned secret string is the only copy there will ever be."""
        if role not in ROLES:
            raise MalformedInput(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
        if not ORG_PATTERN.match(organisation):
            raise MalformedInput(
                f"invalid organisation {organisation!r}: use 1-64 lower-case letters, digits, '.', '_' or '-'"
            )
        token_id, secret, salt = secrets.token_hex(6), secrets.token_urlsafe(32), secrets.token_hex(16)
        node, org = self.node(token_id), self.organisation_iri(organisation)
        now = self.clock()
        triples = [
            Triple(node, RDF_TYPE, mpr("ApiToken")),
            Triple(node, mpr("tokenHash"), Literal(f"{salt}${_digest(salt, secret)}")),
            Triple(node, mpr("role"), Literal(role)),
            Triple(node, mpr("organisation"), org),
            Triple(node, NamedNode(DCTERMS + "created"), datetime_literal(now)),
            Triple(org, RDF_TYPE, NamedNode(SCHEMA + "Organization")),
            Triple(org, NamedNode(RDFS + "label"), Literal(organisation)),
        ]
        if expires is not None:
            triples.append(Triple(node, mpr("expires"), Literal(expires.isoformat(), datatype=XSD_DATE)))
        if label:
            triples.append(Triple(node, NamedNode(RDFS + "label"), Literal(label)))
        self.store.apply(Changeset([GraphChange(self.graph, add=triples)]))
        return self.get(token_id), f"mpr_{token_id}_{secret}"

    def _rows(self, token_id: str | None = None) -> list[Row]:
        query = (
            P + "SELECT ?g ?t ?hash ?role ?orgName ?created ?expires ?revoked ?label WHERE { GRAPH ?g { "
            "?t a mpr:ApiToken ; mpr:tokenHash ?hash ; mpr:role ?role ; mpr:organisation ?org ; "
            "dcterms:created ?created . ?org rdfs:label ?orgName . OPTIONAL { ?t mpr:expires ?expires } "
            "OPTIONAL { ?t mpr:revoked ?revoked } OPTIONAL { ?t rdfs:label ?label } } } ORDER BY ?created"
        )
        bindings: dict[str, Term] = {"g": self.graph}
        if token_id is not None:
            bindings["t"] = self.node(token_id)
        return self.store.select(query, bindings)

    def _info(self, row: Row) -> TokenInfo:
        return TokenInfo(
            id=row["t"].value.rsplit("/", 1)[1],
            organisation=row["orgName"].value,
            role=row["role"].value,
            created=row["created"].value,
            expires=row["expires"].value if "expires" in row else None,
            revoked="revoked" in row and row["revoked"].value == "true",
            label=row["label"].value if "label" in row else None,
        )

    def get(self, token_id: str) -> TokenInfo:
        rows = self._rows(token_id) if TOKEN_ID_PATTERN.match(token_id) else []
        if not rows:
            raise NotFound(f"no token {token_id!r}")
        return self._info(rows[0])

    def list(self) -> list[TokenInfo]:
        return [self._info(r) for r in self._rows()]

    def revoke(self, token_id: str) -> TokenInfo:
        self.get(token_id)
        node = self.node(token_id)
        self.store.apply(Changeset([GraphChange(self.graph, add=[
            Triple(node, mpr("revoked"), Literal("true", datatype=XSD_BOOLEAN))])]))
        return self.get(token_id)

    def token_id(self, token: str) -> str | None:
        """The id part of a well-formed token string (not checked against the store)."""
        match = TOKEN_PATTERN.match(token)
        return match.group(1) if match else None

    def verify(self, token: str) -> Agent:
        """The agent a token stands for, or Unauthorized saying why (logged without the secret)."""
        match = TOKEN_PATTERN.match(token)
        if not match:
            log.warning("refused a malformed token")
            raise Unauthorized("malformed token")
        token_id, secret = match.groups()
        rows = self._rows(token_id)
        if not rows:
            log.warning("refused unknown token %s", token_id)
            raise Unauthorized("unknown token")
        row = rows[0]
        salt, _, digest = row["hash"].value.partition("$")
        if not hmac.compare_digest(_digest(salt, secret), digest):
            log.warning("refused token %s: wrong secret", token_id)
            raise Unauthorized("unknown token")
        return self._agent(self._info(row))

    def agent_of(self, token_id: str) -> Agent:
        """The agent of a token known by its id, checked as `verify` checks it (revoked, expired): how a
        browser session (registry/access/sessions.py) stays bound to the token it was opened with."""
        rows = self._rows(token_id)
        if not rows:
            raise Unauthorized("unknown token")
        return self._agent(self._info(rows[0]))

    def _agent(self, info: TokenInfo) -> Agent:
        if info.revoked:
            log.warning("refused revoked token %s", info.id)
            raise Unauthorized("this token was revoked")
        if info.expired_before(self.clock().date()):
            log.warning("refused expired token %s", info.id)
            raise Unauthorized(f"this token expired on {info.expires}")
        return Agent(name=info.label or f"token {info.id}", organisation=info.organisation, role=info.role)


class AccessControlledTokens:
    """Token administration over HTTP (`/admin/tokens`): admins only, so `mpr token create --url` can mint
    tokens while `mpr serve` holds the embedded store. Tokens live in the store the server reads on every
    request, so a token made here works at once, in every worker."""

    def __init__(self, tokens: TokenService) -> None:
        self._tokens = tokens

    def create(
        self, agent: Agent, organisation: str, role: str, expires: date | None = None, label: str | None = None
    ) -> tuple[TokenInfo, str]:
        check_admin(agent, "creating tokens")
        return self._tokens.create(organisation, role, expires, label)

    def list(self, agent: Agent) -> list[TokenInfo]:
        check_admin(agent, "listing tokens")
        return self._tokens.list()

    def revoke(self, agent: Agent, token_id: str) -> TokenInfo:
        check_admin(agent, "revoking tokens")
        return self._tokens.revoke(token_id)
