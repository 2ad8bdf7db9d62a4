"""The landing page: public passports with a search box."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from registry.api.deps import MAX_OFFSET, blocking, get_agent, get_registry
from registry.api.openapi import errors
from registry.api.pages import render_index, summary
from registry.core import Registry
from registry.errors import Gone, NotFound
from registry.passports.model import Agent, PassportRecord

MAX_PAGE = 100  # each row reads its passport (for type, place and owner)

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
    """Type, place and owner of each listed passport, read through the access layer like the page itself.

    One content read per row, hence the page size bound (MAX_PAGE).
    """
    found = []
    for record in records:
        try:
            view = registry.passports.content(agent, record.id)
        except (NotFound, Gone):  # withdrawn or removed between the listing and this read
            found.append({"title": record.title or record.id, "kind": "", "place": "", "owner": ""})
            continue
        found.append(summary(view.record, view.triples))
    return found
