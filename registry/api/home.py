"""The landing page: public passports with a search box; the site's icon."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response

from registry.api.deps import MAX_OFFSET, blocking, get_agent, get_registry
from registry.api.openapi import errors
from registry.api.pages import render_index, summary
from registry.core import Registry
from registry.passports.model import Agent, PassportRecord

MAX_PAGE = 100

router = APIRouter(tags=["pages"])


@router.get("/", response_class=HTMLResponse, summary="Landing page: list and search passports",
            responses=errors(400, 401))
async def home(
    q: str | None = Query(None, max_length=200, description="Words in the passport title"),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    limit: int = Query(20, ge=1, le=MAX_PAGE),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> HTMLResponse:
    page = await blocking(registry.passports.page, agent, offset, limit, q)
    summaries = await blocking(_summaries, registry, agent, page.items)
    return HTMLResponse(render_index(page.items, summaries, page.total, q, offset, limit))


def _summaries(registry: Registry, agent: Agent, records: list[PassportRecord]) -> list[dict[str, str]]:
    """Type, place and owner of each listed passport: one query for the page, through the access layer."""
    found = registry.passports.summaries(agent, records)
    return [summary(record, found[record.id]) for record in records]


@cache
def favicon() -> bytes:
    """The icon browsers ask for at /favicon.ico on every site, JSON views included (read once: 2 kB)."""
    return files("registry").joinpath("static/favicon.ico").read_bytes()


@router.get("/favicon.ico", include_in_schema=False)
async def favicon_ico() -> Response:
    return Response(await blocking(favicon), media_type="image/vnd.microsoft.icon",
                    headers={"Cache-Control": "public, max-age=86400"})
