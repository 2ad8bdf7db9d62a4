"""POST /validate: the SHACL report for a passport, nothing stored; ?profile=NAME adds criteria, ?engine=NAME
chooses the SHACL engine (400 for an unknown one)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request

from registry.api.deps import blocking, get_registry, read_body
from registry.api.openapi import PASSPORT_BODY, errors
from registry.api.responses import JSONResponse
from registry.core import Registry
from registry.rdf import upload_format
from registry.validation import ENGINES, check_engine

router = APIRouter(tags=["validation"])


@router.post("/validate", summary="Validate a passport without storing it",
             responses=errors(400, 404, 413, 415, 422), openapi_extra=PASSPORT_BODY)
async def validate(
    request: Request,
    profile: list[str] = Query([], description="Criteria profile(s) to add, e.g. recycled-content-30"),
    engine: str | None = Query(None, description=f"SHACL engine: {' or '.join(ENGINES)}; default as configured"),
    registry: Registry = Depends(get_registry),
) -> JSONResponse:
    engine = engine and check_engine(engine)
    fmt = upload_format(request.headers.get("content-type"))
    body = await read_body(request, registry.settings.max_body_bytes)
    report = await blocking(registry.passports.check, body, fmt, profile, engine)
    return JSONResponse(report.as_dict())


@router.get("/validate/profiles", summary="Criteria profiles an auditor can add to validation")
async def profiles(registry: Registry = Depends(get_registry)) -> JSONResponse:
    return JSONResponse({"profiles": registry.validator.profiles()})
