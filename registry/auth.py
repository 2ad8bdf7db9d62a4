"""Who is calling: an `Authorization: Bearer` header becomes an Agent (anonymous without one).

A bootstrap admin token may come from settings (`MPR_ADMIN_TOKEN`); every other token is one of
the stored, organisation-bound tokens of `registry.access.tokens`.
"""

from __future__ import annotations

import hmac
import logging

from registry.access.sessions import Session, SessionService
from registry.access.tokens import TokenService
from registry.errors import Unauthorized
from registry.passports.model import Agent

log = logging.getLogger("registry.access")
ANONYMOUS = Agent(name="anonymous", role="anonymous")
ADMIN = Agent(name="admin", organisation=None, role="admin")


class Authenticator:
    def __init__(self, admin_token: str | None, tokens: TokenService, sessions: SessionService) -> None:
        self._admin_token = admin_token
        self._tokens = tokens
        self._sessions = sessions

    def agent(self, authorization: str | None, session: str | None = None) -> Agent:
        """The caller behind an `Authorization` header, else behind a browser session cookie; a bad token is an
        error, not anonymity (a stale session cookie is anonymity: registry/access/sessions.py)."""
        if not authorization:
            found = self._sessions.agent(session) if session else None
            return found or ANONYMOUS
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            log.warning("refused a malformed Authorization header")
            raise Unauthorized("malformed Authorization header; send 'Authorization: Bearer TOKEN'")
        if self._admin_token and hmac.compare_digest(token.encode(), self._admin_token.encode()):
            return ADMIN
        return self._tokens.verify(token)


    def sign_in(self, token: str) -> Session:
        """A browser session for an organisation's token, checked as a bearer token is."""
        return self._sessions.start(token)

    def sign_out(self, session: str) -> None:
        self._sessions.end(session)
