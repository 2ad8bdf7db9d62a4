"""HEAD is GET without a body (RFC 9110 9.3.2), for every GET route at once.

FastAPI routes declared with `@router.get` answer only GET, so `curl -I` got 405 everywhere. Rather than
declare HEAD on each route, a HEAD request runs as the GET it stands for and its body is dropped: the
status and headers (ETag, Content-Type, Content-Length) are the GET's, and so are the access rules, since
the same route with the same caller decides. A restricted passport is the same 404 to HEAD as to GET.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
