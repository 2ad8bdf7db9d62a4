"""The application factory: everything the app uses is built here from settings and passed in."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.concurrency import run_in_threadpool

import registry
from registry.api import (
    carriers,
    context,
    credentials,
    demands,
    errors,
    factors,
    health,
    home,
    imports,
    indicators,
    mappings,
    materials,
    openapi,
    organisations,
    passports,
    procurement,
    redoc,
    reports,
    session,
    sparql,
    tokens,
    validate,
)
from registry.api.conditional import ConditionalGet
from registry.api.head import HeadAsGet
from registry.core import Registry, build_registry, load_examples_if_empty
from registry.settings import Settings

log = logging.getLogger("registry.api")


def _log_failure(done: asyncio.Future[None]) -> None:
    if not done.cancelled() and done.exception() is not None:
        log.error("building the supply index failed: %s", done.exception())


def _allow_cross_origin(app: FastAPI, settings: Settings) -> None:
    """CORS for the origins of MPR_CORS_ORIGINS, off by default. Bearer tokens only, never cookies: a session
    cookie (registry/api/session.py) must not ride along on another site's request."""
    origins = settings.cors_origin_list
    if origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=origins, allow_credentials=False,
            allow_methods=["GET", "HEAD", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Accept", "If-Match", "If-None-Match", "Slug",
                           "X-Change-Reason"],
            expose_headers=["ETag", "Location", "Retry-After", "Link"], max_age=600,
        )


def _let_go(app: FastAPI) -> None:
    """Drop the app's hold on its registry at shutdown. FastAPI keeps endpoint callables in a process-wide
    cache (4,096 entries), and per-app endpoints (the OpenAPI document, the offline docs) keep their app alive
    with it: without this, every app a process ever ran would keep its registry (shapes, vocabularies,
    indexes) in memory."""
    del app.state.registry


def create_app(settings: Settings | None = None, core: Registry | None = None) -> FastAPI:
    """Build the ASGI app. Pass `core` to share an already-open registry (tests, benchmarks)."""
    settings = settings or (core.settings if core else Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        nonlocal core
        owned = core is None
        app.state.registry = core if core is not None else await run_in_threadpool(build_registry, settings)
        core = None  # held by app.state only, which shutdown clears (_let_go)
        await run_in_threadpool(load_examples_if_empty, app.state.registry)
        # Summaries made stale by an upgrade (method, reference data) are recomputed behind the writes, so the
        # first baseline after it does not compute them all (registry/indicators/background.py).
        app.state.registry.domain.indicators.catch_up(app.state.registry.domain.passports.active)
        # The supply index is built in the background, so a large registry starts serving at once;
        # the first supply search waits for it. A failure is logged; that search then tries again.
        warm = asyncio.get_running_loop().run_in_executor(None, app.state.registry.domain.matching.supply.refresh)
        warm.add_done_callback(_log_failure)
        try:
            yield
        finally:
            await asyncio.wait([warm])  # never close the store under a running build
            if owned:
                app.state.registry.close()
            _let_go(app)

    # FastAPIOffline: /docs and /redoc load Swagger UI and ReDoc from the package (MIT, PyPI fastapi-offline),
    # under /static-offline-docs, never from a CDN: the documentation works without internet (issue 16).
    # /redoc is our own (registry/api/redoc.py): the package's page still fetches ReDoc's logo from its CDN.
    app = FastAPIOffline(
        redoc_url=None,
        title="Material Passport Registry",
        version=registry.__version__,
        description="An open registry of digital material passports: SHACL-validated RDF in a triple store, "
        "served through REST and SPARQL 1.1.",
        lifespan=lifespan,
    )
    errors.install(app)
    app.add_middleware(ConditionalGet)
    app.add_middleware(session.PrivateWhenSignedIn)
    _allow_cross_origin(app, settings)
    app.add_middleware(HeadAsGet)  # outermost: every layer below sees the GET it stands for

    async def bad_parameters(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        return errors.error_response(request, 400, {"detail": f"invalid request: {problems}"})

    app.add_exception_handler(RequestValidationError, bad_parameters)
    for module in (home, health, context, carriers, passports, indicators, reports, sparql, validate, imports,
                   materials, demands, session, credentials, organisations, procurement, mappings, factors,
                   tokens, redoc):
        app.include_router(module.router)
    # Vendored browser assets (Leaflet, YASGUI; registry/static/vendor/README.md): the pages need no CDN.
    app.mount("/static", StaticFiles(packages=[("registry", "static")]), name="static")
    openapi.install(app)
    return app


def app_from_environment() -> FastAPI:
    """Entry point for `uvicorn --factory` (and worker processes): settings come from MPR_* variables."""
    return create_app(Settings())
