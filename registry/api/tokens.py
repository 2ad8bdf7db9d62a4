"""/admin/tokens: token administration for admins, so tokens can be made while `mpr serve` owns the store
(`mpr token create --url`). The secret is in the answer to the POST and nowhere else, ever."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from registry.api.deps import blocking, get_agent, get_registry, read_body
from registry.api.openapi import body, errors
from registry.core import Registry
from registry.errors import MalformedInput
from registry.passports.model import Agent

router = APIRouter(tags=["tokens"])
#: A token request is four short fields; anything longer is refused before parsing.
MAX_REQUEST_BYTES = 4096


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organisation: str = Field(max_length=64, description="Organisation the token acts for, e.g. acme-bouw")
    role: str = Field(max_length=32, description="builder, manufacturer, exchange, auditor or admin")
    expires: date | None = Field(None, description="Last valid day (YYYY-MM-DD)")
    label: str | None = Field(None, max_length=200, description="Who or what uses it")


def _parse(raw: bytes) -> TokenRequest:
    try:
        return TokenRequest.model_validate_json(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors())
        raise MalformedInput(f"invalid token request: {problems}") from exc


@router.post("/admin/tokens", status_code=201, summary="Create a token (admins); the secret is shown once",
             responses=errors(400, 401, 403, 413), openapi_extra=body("application/json"))
async def create_token(
    request: Request, registry: Registry = Depends(get_registry), agent: Agent = Depends(get_agent),
) -> JSONResponse:
    wanted = _parse(await read_body(request, MAX_REQUEST_BYTES))
    info, secret = await blocking(registry.token_admin.create, agent, wanted.organisation, wanted.role,
                                  wanted.expires, wanted.label)
    answer: dict[str, object] = {**info.as_dict(), "token": secret}
    if info.expired_before(datetime.now(UTC).date()):
        answer["warning"] = f"this token expired on {info.expires}: every request with it gets 401"
    return JSONResponse(answer, status_code=201, headers={"Location": f"/admin/tokens/{info.id}"})


@router.get("/admin/tokens", summary="List tokens (admins); never their secrets", responses=errors(401, 403))
async def list_tokens(registry: Registry = Depends(get_registry), agent: Agent = Depends(get_agent)) -> JSONResponse:
    tokens = await blocking(registry.token_admin.list, agent)
    return JSONResponse({"tokens": [t.as_dict() for t in tokens]})


@router.delete("/admin/tokens/{token_id}", summary="Revoke a token (admins): later requests with it get 401",
               responses=errors(401, 403, 404))
async def revoke_token(
    token_id: str, registry: Registry = Depends(get_registry), agent: Agent = Depends(get_agent),
) -> JSONResponse:
    info = await blocking(registry.token_admin.revoke, agent, token_id)
    return JSONResponse(info.as_dict())
