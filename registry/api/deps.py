"""Request-scoped helpers shared by the routers: the registry, the caller, a size-limited body."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from fastapi import Query, Request, Security
from fastapi.security import HTTPAuthorizationCredentials
from starlette.concurrency import run_in_threadpool

from registry.api.openapi import BEARER
from registry.core import Registry
from registry.errors import BodyTooLarge, MalformedInput
from registry.passports.model import Agent
from registry.passports.timeline import parse_at

T = TypeVar("T")

# Upper bounds of paging and version parameters: far beyond any real registry, and small enough
# for every store (Oxigraph's SPARQL parser refuses an OFFSET past 2^64 with a message of its own).
MAX_OFFSET = 10**9
MAX_VERSION = 10**9

AT = Query(None, max_length=40, description="The moment shown: YYYY-MM-DD (end of that day, UTC) or an "
           "xsd:dateTime; the versions current then, rebuilt from the history")


def moment(at: str | None) -> datetime | None:
    """`?at=` as a moment; 400 naming the accepted forms when it is neither a date nor a dateTime."""
    return parse_at(at) if at is not None else None


def get_registry(request: Request) -> Registry:
    registry: Registry = request.app.state.registry
    return registry


#: The browser session cookie set by /signin (registry/api/session.py).
SESSION_COOKIE = "mpr_session"
SAFE_METHODS = ("GET", "HEAD")


def get_agent(request: Request, _documented: HTTPAuthorizationCredentials | None = Security(BEARER)) -> Agent:
    """The caller; `BEARER` only puts the token into the OpenAPI document, the header is read here.

    A session cookie counts for reads only (GET, HEAD): a write needs a bearer token, so no other site can
    make a signed-in browser write (CSRF) whatever its cookies' SameSite rules; the sign-in and sign-out forms
    have a CSRF check of their own (registry/api/session.py).
    """
    session = request.cookies.get(SESSION_COOKIE) if request.method in SAFE_METHODS else None
    return get_registry(request).auth.agent(request.headers.get("authorization"), session)


async def read_body(request: Request, limit: int) -> bytes:
    """Read the body as it streams in and stop at `limit` bytes: an oversized upload is never held whole."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise BodyTooLarge(f"the body is {int(declared)} bytes; the limit is {limit} bytes")
        except ValueError as exc:
            raise MalformedInput("invalid Content-Length header") from exc
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"the body is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def blocking(work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Store and validation calls block; run them in the thread pool, never on the event loop."""
    return await run_in_threadpool(work, *args, **kwargs)
