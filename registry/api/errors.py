"""Domain errors to HTTP, in one place. Every error body is JSON `{"detail": ...}`, except for browsers.

A browser (an Accept that prefers text/html, as every browser's navigation does) gets the same status and
message as a page: raw JSON for a mistyped link tells a person nothing (issue 16). Clients that accept
JSON, or anything (`*/*`, curl's default), get JSON as before.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from registry import errors
from registry.api.negotiation import choose
from registry.api.templating import environment

log = logging.getLogger("registry.api")

STATUS: dict[type[errors.RegistryError], int] = {
    errors.MalformedInput: 400,
    errors.InvalidParameter: 400,
    errors.Unauthorized: 401,
    errors.Forbidden: 403,
    errors.QueryRefused: 403,
    errors.NotFound: 404,
    errors.NotAcceptable: 406,
    errors.Conflict: 409,
    errors.Gone: 410,
    errors.PreconditionFailed: 412,
    errors.BodyTooLarge: 413,
    errors.UnsupportedMediaType: 415,
    errors.InvalidPassport: 422,
    errors.CredentialRejected: 422,
    errors.NotComputable: 422,
    errors.InvalidFactorSet: 422,
    errors.StoreError: 502,
    errors.Busy: 503,
    errors.QueryTimeout: 503,
    errors.StoreUnavailable: 503,
}
RETRY_AFTER = {errors.Busy: "2", errors.QueryTimeout: "10", errors.StoreUnavailable: "5"}


def status_of(exc: errors.RegistryError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500




def wants_html(request: Request | None) -> bool:
    """A browser navigating: text/html preferred over JSON (`*/*` alone means JSON, the API's answer)."""
    if request is None:
        return False
    return choose(request.headers.get("accept"), ["application/json", "text/html"], strict=False) == "text/html"


def error_response(request: Request | None, status: int, body: dict[str, object],
                   headers: dict[str, str] | None = None) -> Response:
    """The one way an error is answered: a page for browsers, JSON `{"detail": ...}` for everyone else."""
    if wants_html(request):
        phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
        page = environment().get_template("error.html").render(status=status, phrase=phrase, detail=body["detail"])
        return HTMLResponse(page, status_code=status, headers={**(headers or {}), "Vary": "Accept"})
    return JSONResponse(body, status_code=status, headers=headers)


def to_response(exc: errors.RegistryError, request: Request | None = None) -> Response:
    body: dict[str, object] = {"detail": exc.message}
    report = exc.extra.get("report")
    if report is not None:
        body["report"] = report.as_dict()
    for key, value in exc.extra.items():
        if key != "report" and value is not None:
            body[key] = value
    headers = {}
    if isinstance(exc, errors.Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    for cls, seconds in RETRY_AFTER.items():
        if isinstance(exc, cls):
            headers["Retry-After"] = seconds
    return error_response(request, status_of(exc), body, headers)


class Unexpected:
    """An exception no handler knows becomes a logged JSON 500, and the connection stays usable.

    Starlette's outermost middleware answers such an exception with 500 but raises it again, and
    uvicorn then closes the connection under the client: its next kept-alive request was reset
    (19 of 20 failed through real uvicorn). This is the edge of the server, so it is the one place
    that catches every exception, on purpose; nothing below it may.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception:  # the server's edge: see the class docstring
            log.exception("unexpected error answering %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise  # half an answer is out: only closing the connection can tell the client
            answer = JSONResponse({"detail": "internal error: the registry could not answer; it was logged"},
                                  status_code=500)
            await answer(scope, receive, send)


def install(app: FastAPI) -> None:
    async def handle(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, errors.RegistryError)
        return to_response(exc, request)

    async def http_error(request: Request, exc: Exception) -> Response:
        """Starlette's own errors (no such route: 404, wrong method: 405) answered as ours are."""
        assert isinstance(exc, HTTPException)
        return error_response(request, exc.status_code, {"detail": exc.detail}, dict(exc.headers or {}))

    app.add_exception_handler(errors.RegistryError, handle)
    app.add_exception_handler(HTTPException, http_error)
    app.add_middleware(Unexpected)
