"""The landing page: public passports with a search box."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from registry.api.deps import MAX_OFFSET, blocking, get_agent, get_registry
from registry.api.openapi import errors
from registry.api.pages import render_index
from registry.core import Registry
from registry.passports.model import Agent

router = APIRouter(tags=["pages"])


@router.get("/", response_class=HTMLResponse, summary="Landing page: list and search passports",
            responses=errors(400, 401))
async def home(
    q: str | None = Query(None, max_length=200, description="Words in the passport title"),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
    limit: int = Query(50, ge=1, le=200),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> HTMLResponse:
    page = await blocking(registry.passports.page, agent, offset, limit, q)
    return HTMLResponse(render_index(page.items, page.total, q, offset, limit))
