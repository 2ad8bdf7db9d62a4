"""Domain errors to HTTP, in one place. Every error body is JSON `{"detail": ...}`."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from registry import errors

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


def install(app: FastAPI) -> None:
    async def handle(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, errors.RegistryError)
        return to_response(exc)

    app.add_exception_handler(errors.RegistryError, handle)
