"""Conditional GET (RFC 9110 13.1.2, 15.4.5): `If-None-Match` matching the answer's ETag gives 304, no body.

One middleware for every route: a route that sends an `ETag` gets revalidation for free, and no route
has to compare tags itself. It saves the transfer, not the work: the route has built its answer when the
tag is compared (the passport's ETag already costs the read that builds the body).
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: What a 304 carries over from the 200 it replaces (RFC 9110 15.4.5).
KEPT = {b"cache-control", b"content-location", b"date", b"etag", b"expires", b"vary"}
#: Longest If-None-Match header read; longer ones are ignored (answered in full), never parsed.
MAX_HEADER = 8192


def entity_tags(header: str) -> list[str] | None:
    """The opaque tags of an If-None-Match list (weak or strong: `W/` dropped, quotes kept); None if malformed.

    Parsed, not split on commas: a tag may contain a comma (etagc allows %x21-7E but DQUOTE).
    """
    tags, i, n = [], 0, len(header)
    while i < n:
        if header[i] in " \t,":
            i += 1
            continue
        if header.startswith("W/", i):
            i += 2
        if i >= n or header[i] != '"':
            return None
        end = header.find('"', i + 1)
        if end < 0:
            return None
        tags.append(header[i:end + 1])
        i = end + 1
    return tags


def weak_match(header: str, etag: str) -> bool:
    """RFC 9110 8.8.3.2 weak comparison: equal opaque tags, whether or not either is weak; `*` matches any."""
    if header.strip() == "*":
        return True
    tags = entity_tags(header) if len(header) <= MAX_HEADER else None
    opaque = etag[2:] if etag.startswith("W/") else etag
    return tags is not None and opaque in tags


class ConditionalGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        condition = Headers(scope=scope).get("if-none-match")
        if condition is None:
            await self.app(scope, receive, send)
            return
        not_modified = False

        async def answer(message: Message) -> None:
            nonlocal not_modified
            if message["type"] == "http.response.start" and message["status"] == 200:
                etag = Headers(raw=message["headers"]).get("etag")
                if etag is not None and weak_match(condition, etag):
                    not_modified = True
                    headers = [(k, v) for k, v in message["headers"] if k.lower() in KEPT]
                    message = {**message, "status": 304, "headers": headers}
            elif message["type"] == "http.response.body" and not_modified:
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app(scope, receive, answer)
