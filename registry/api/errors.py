"""Domain errors to HTTP, in one place. Every error body is JSON `{"detail": ...}`."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from registry import errors

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


def to_response(exc: errors.RegistryError) -> JSONResponse:
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
    return JSONResponse(body, status_code=status_of(exc), headers=headers)


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
    async def handle(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, errors.RegistryError)
        return to_response(exc)

    app.add_exception_handler(errors.RegistryError, handle)
    app.add_middleware(Unexpected)
