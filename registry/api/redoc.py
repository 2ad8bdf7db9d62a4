"""GET /redoc: ReDoc from the fastapi-offline package, with nothing fetched from outside the registry.

fastapi-offline serves ReDoc's script from the package, but the script's footer ("API docs by Redocly")
still loads its logo from https://cdn.redoc.ly/redoc/logo-mini.svg, and ReDoc has no option to leave it out.
This route serves the same script with that address replaced by an empty `data:` image: ReDoc's own
`onError` then hides the logo, and the page makes no request off the host.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html
from fastapi.responses import HTMLResponse, Response

from registry.api.deps import blocking

router = APIRouter(include_in_schema=False)

SCRIPT = Path(fastapi_offline.__file__).parent / "static" / "redoc.standalone.js"
LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
SCRIPT_PATH = "/redoc/redoc.standalone.js"
FAVICON = "/static-offline-docs/favicon.png"  # fastapi-offline's mount, as its /docs page uses


@cache
def offline_script() -> bytes:
    """The package's ReDoc script without its one outside address (read once: it is about 1 MB)."""
    script = SCRIPT.read_bytes()
    if LOGO not in script:
        raise RuntimeError(f"{SCRIPT} no longer names {LOGO.decode()}: check it for other outside addresses")
    return script.replace(LOGO, b"data:,")


@router.get("/redoc")
async def redoc(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "")
    return get_redoc_html(openapi_url=f"{root}{request.app.openapi_url}", title=f"{request.app.title} - ReDoc",
                          redoc_js_url=f"{root}{SCRIPT_PATH}", redoc_favicon_url=f"{root}{FAVICON}",
                          with_google_fonts=False)


@router.get(SCRIPT_PATH)
async def redoc_script() -> Response:
    return Response(await blocking(offline_script), media_type="text/javascript",
                    headers={"Cache-Control": "public, max-age=86400"})
