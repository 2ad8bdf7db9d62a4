"""Who is calling. Until organisations and stored tokens exist, one admin token (from settings) may write."""

from __future__ import annotations

import hmac

from registry.errors import Forbidden, Unauthorized
from registry.passports.model import Agent

ANONYMOUS = Agent(name="anonymous", role="anonymous")


class Authenticator:
    def __init__(self, admin_token: str | None) -> None:
        self._admin_token = admin_token

    def agent(self, authorization: str | None) -> Agent:
        """The caller behind an `Authorization` header; a bad token is an error, not anonymity."""
        if not authorization:
            return ANONYMOUS
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("malformed Authorization header; send 'Authorization: Bearer TOKEN'")
        if self._admin_token and hmac.compare_digest(token.strip(), self._admin_token):
            return Agent(name="admin", organisation=None, role="admin")
        raise Unauthorized("unknown or expired token")


def require_writer(agent: Agent) -> Agent:
    if agent.role == "anonymous":
        raise Unauthorized("writing needs a token: send 'Authorization: Bearer TOKEN'")
    if agent.role not in ("admin", "builder", "manufacturer"):
        raise Forbidden(f"role {agent.role!r} may not write passports")
    return agent


def require_admin(agent: Agent) -> Agent:
    if agent.role == "anonymous":
        raise Unauthorized("SPARQL updates need an admin token: send 'Authorization: Bearer TOKEN'")
    if agent.role != "admin":
        raise Forbidden("SPARQL updates are for administrators only")
    return agent
