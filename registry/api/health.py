"""GET /health: is the registry up, how many passports, which store, and does it answer."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from registry.api.deps import blocking, get_agent, get_registry
from registry.api.openapi import described, errors
from registry.core import Registry
from registry.errors import RegistryError
from registry.passports.model import Agent

router = APIRouter(tags=["health"])


@router.get("/health", responses=described(503, "The store is unreachable (the body says why)")
            | errors(401))
async def health(registry: Registry = Depends(get_registry), agent: Agent = Depends(get_agent)) -> JSONResponse:
    info = await blocking(registry.store.info)
    body: dict[str, object] = {"status": "ok", "store": info.kind, "reachable": info.reachable}
    if info.detail:
        body["store_detail"] = info.detail
    if not info.reachable:
        body["status"] = "unavailable"
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
    try:
        # Counted as the caller may see them: the number of restricted passports is not public either.
        body["passports"] = (await blocking(registry.passports.page, agent, 0, 1)).total
    except RegistryError as exc:
        body.update(status="unavailable", reachable=False, store_detail=exc.message)
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
    return JSONResponse(body)
