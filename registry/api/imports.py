"""/imports: IFC models, spreadsheets and EPDs become passports through the same validation and storage as uploads."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from registry.access.imports import Imported
from registry.api.deps import blocking, get_agent, get_registry, read_body
from registry.api.openapi import answers, body, described, errors
from registry.api.responses import JSONResponse
from registry.core import Registry
from registry.errors import MalformedInput, UnsupportedMediaType
from registry.importers import epd, ifc, spreadsheet
from registry.passports.model import Agent
from registry.rdf import media_type_of

router = APIRouter(prefix="/imports", tags=["imports"])

XLSX = spreadsheet.XLSX_TYPES[0]
DRY_RUN = described(200, "dry_run: the passport and the reports, nothing stored")


async def _upload(request: Request, limit: int) -> tuple[bytes, str, str]:
    """The file's bytes, name and media type, from a raw body or a one-file multipart form.

    The whole body is read through `read_body` first, so the size limit holds for multipart uploads too.
    """
    media_type = media_type_of(request.headers.get("content-type"))
    body = await read_body(request, limit)
    if media_type != "multipart/form-data":
        return body, "upload", media_type

    async def stream() -> AsyncGenerator[bytes, None]:
        yield body

    try:
        form = await MultiPartParser(request.headers, stream(), max_files=1, max_fields=10).parse()
    except MultiPartException as exc:
        raise MalformedInput(f"the multipart form could not be read: {exc.message}") from exc
    files = [v for v in form.values() if isinstance(v, UploadFile)]
    if not files:
        raise MalformedInput("the multipart form has no file; send it in a field named 'file'")
    upload = files[0]
    data = await upload.read()
    return data, upload.filename or "upload", media_type_of(upload.content_type)


def _kind_of_sheet(name: str, media_type: str) -> str:
    if media_type in spreadsheet.XLSX_TYPES or name.lower().endswith(".xlsx"):
        return "xlsx"
    if media_type in spreadsheet.CSV_TYPES or name.lower().endswith(".csv"):
        return "csv"
    raise UnsupportedMediaType(f"cannot read a spreadsheet sent as {media_type or 'no Content-Type'}; "
                               f"send XLSX ({XLSX}) or CSV (text/csv)")


def import_answer(imported: Imported) -> JSONResponse:
    """201 with the stored passport, or 200 with the dry run's passport, report and validation."""
    if imported.written is None:
        assert imported.validation is not None
        return JSONResponse({"report": imported.report, "validation": imported.validation.as_dict(),
                             "passport": imported.turtle.decode("utf-8")})
    result = imported.written
    return JSONResponse({**result.as_dict(), "report": imported.report}, status_code=201,
                        headers={"Location": f"/passports/{result.id}", "ETag": result.etag})


@router.post("/ifc", status_code=201, summary="Create a passport from an IFC model (IFC2X3, IFC4)",
             responses=DRY_RUN | errors(400, 401, 403, 404, 409, 413, 415, 422),
             openapi_extra=body(*ifc.MEDIA_TYPES, "multipart/form-data"))
async def import_ifc(
    request: Request,
    dry_run: bool = Query(False, description="Return the passport and the import report without storing"),
    mappings: str | None = Query(None, description="Apply this organisation's material-name mappings "
                                 "(/organisations/{org}/material-mappings)"),
    slug: str | None = Header(None, description="Proposed passport id"),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> JSONResponse:
    data, name, media_type = await _upload(request, registry.settings.max_body_bytes)
    if media_type and media_type not in ifc.MEDIA_TYPES and not name.lower().endswith(".ifc"):
        raise UnsupportedMediaType(f"cannot read an IFC model sent as {media_type}; send application/x-step "
                                   "or a multipart upload of an .ifc file")
    return import_answer(await blocking(registry.imports.ifc, agent, data, name, slug, dry_run, mappings))


@router.post("/spreadsheet", status_code=201, summary="Create a passport from the XLSX or CSV template",
             responses=DRY_RUN | errors(400, 401, 403, 404, 409, 413, 415, 422),
             openapi_extra=body(*spreadsheet.XLSX_TYPES, *spreadsheet.CSV_TYPES, "multipart/form-data"))
async def import_spreadsheet(
    request: Request,
    dry_run: bool = Query(False, description="Return the passport and the report without storing"),
    mappings: str | None = Query(None, description="Apply this organisation's material-name mappings"),
    slug: str | None = Header(None, description="Proposed passport id"),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> JSONResponse:
    data, name, media_type = await _upload(request, registry.settings.max_body_bytes)
    kind = _kind_of_sheet(name, media_type)
    imported = await blocking(registry.imports.spreadsheet, agent, data, name, kind, slug, dry_run, mappings)
    return import_answer(imported)


@router.post("/epd", status_code=201,
             summary="Create a product-type passport from an EPD (openEPD JSON or ILCD+EPD XML)",
             responses=DRY_RUN | errors(400, 401, 403, 409, 413, 415, 422),
             openapi_extra=body(*epd.JSON_TYPES, *epd.XML_TYPES, "multipart/form-data"))
async def import_epd(
    request: Request,
    dry_run: bool = Query(False, description="Return the passport and the report without storing"),
    slug: str | None = Header(None, description="Proposed passport id"),
    registry: Registry = Depends(get_registry),
    agent: Agent = Depends(get_agent),
) -> JSONResponse:
    data, name, media_type = await _upload(request, registry.settings.max_body_bytes)
    if media_type and media_type not in (*epd.JSON_TYPES, *epd.XML_TYPES, "application/octet-stream") \
            and not name.lower().endswith((".json", ".xml")):
        raise UnsupportedMediaType(f"cannot read an EPD sent as {media_type}; send openEPD as application/json "
                                   "or ILCD+EPD as application/xml")
    kind = epd.detect(data, name, media_type)
    return import_answer(await blocking(registry.imports.epd, agent, data, name, kind, slug, dry_run))


@router.get("/spreadsheet/template", summary="The XLSX template for spreadsheet imports", responses=answers(XLSX))
async def spreadsheet_template() -> Response:
    return Response(
        await blocking(spreadsheet.template_bytes), media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="passport-template.xlsx"'},
    )
