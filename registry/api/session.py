"""/signin and /signout: a browser exchanges a token for a session cookie, so pages show restricted data
to owners and auditors (registry/access/sessions.py holds the sessions and their rule).

Cookies: the session cookie is HttpOnly (no script reads it), SameSite=Lax (sent when following a link to a
passport, never on another site's form post), Secure when the registry is served over https, and counts
for reads only (registry/api/deps.py:get_agent). The two forms are CSRF-safe by a double-submit token (a
SameSite=Strict cookie that must equal the form field) and by refusing a foreign `Origin` or
`Sec-Fetch-Site: cross-site`: otherwise another site could sign a visitor in as the attacker (login CSRF)
or out.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from registry.api.deps import SESSION_COOKIE, blocking, get_agent, get_registry, read_body
from registry.api.openapi import body, described, errors
from registry.api.templating import environment
from registry.core import Registry
from registry.errors import Forbidden, MalformedInput, UnsupportedMediaType
from registry.passports.model import Agent

router = APIRouter(tags=["sign-in"])
CSRF_COOKIE = "mpr_csrf"
FORM = "application/x-www-form-urlencoded"
#: A sign-in form is a token and two short fields; anything longer is not one.
MAX_FORM_BYTES = 4096




def _secure(request: Request, registry: Registry) -> bool:
    return request.url.scheme == "https" or registry.settings.base.startswith("https://")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _local(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (never `//other.site` or a full URL)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


async def _form(request: Request, registry: Registry) -> dict[str, str]:
    """The form fields, after the CSRF checks of the module docstring; Forbidden when they fail."""
    origin = request.headers.get("origin")
    if origin is not None and origin.lower() not in {_origin(str(request.base_url)), _origin(registry.settings.base)}:
        raise Forbidden(f"a form from {origin} cannot sign in or out here")
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise Forbidden("a form from another site cannot sign in or out here")
    if (request.headers.get("content-type") or "").split(";")[0].strip().lower() != FORM:
        raise UnsupportedMediaType(f"send the sign-in form as {FORM}")
    raw = await read_body(request, MAX_FORM_BYTES)
    try:
        fields = {k: v[0] for k, v in parse_qs(raw.decode("utf-8"), max_num_fields=8).items()}
    except (UnicodeDecodeError, ValueError) as exc:
        raise MalformedInput("the form is not a valid UTF-8 form") from exc
    expected = request.cookies.get(CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(fields.get("csrf", "").encode(), expected.encode()):
        raise Forbidden("the form's CSRF token is missing or stale: reload the sign-in page and try again")
    return fields


@router.get("/signin", response_class=HTMLResponse, summary="Sign-in page for browsers (a token for a session)",
            responses=errors(400, 401))
def signin_page(request: Request, next_page: str | None = Query(None, alias="next", max_length=2000),
                registry: Registry = Depends(get_registry), agent: Agent = Depends(get_agent)) -> HTMLResponse:
    csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    page = environment().get_template("signin.html").render(
        agent=agent if agent.role != "anonymous" else None, csrf=csrf, next=_local(next_page),
        hours=f"{registry.settings.session_hours:g}")
    answer = HTMLResponse(page, headers={"Cache-Control": "no-store"})
    answer.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="strict", secure=_secure(request, registry))
    return answer


@router.post("/signin", summary="Exchange a token for a session cookie (form: token, csrf, next)",
             status_code=303, responses=described(303, "Signed in: back to the page") | errors(400, 401, 403, 413, 415),
             openapi_extra=body(FORM))
async def sign_in(request: Request, registry: Registry = Depends(get_registry)) -> Response:
    fields = await _form(request, registry)
    session = await blocking(registry.auth.sign_in, fields.get("token", ""))
    earlier = request.cookies.get(SESSION_COOKIE)
    if earlier:  # a new sign-in replaces the old session rather than leaving it alive
        await blocking(registry.auth.sign_out, earlier)
    answer = RedirectResponse(_local(fields.get("next")), status_code=303)
    answer.set_cookie(SESSION_COOKIE, session.cookie, expires=session.expires, httponly=True, samesite="lax",
                      secure=_secure(request, registry))
    return answer


@router.post("/signout", summary="End the browser session (form: csrf)", status_code=303,
             responses=described(303, "Signed out") | errors(400, 403, 413, 415), openapi_extra=body(FORM))
async def sign_out(request: Request, registry: Registry = Depends(get_registry)) -> Response:
    await _form(request, registry)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        await blocking(registry.auth.sign_out, cookie)
    answer = RedirectResponse("/", status_code=303)
    answer.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax", secure=_secure(request, registry))
    return answer


class PrivateWhenSignedIn:
    """Any answer may depend on the session cookie: every answer says so (`Vary: Cookie`, so no cache hands an
    anonymous page to a signed-in owner), and answers to a signed-in browser are kept from shared caches
    (`Cache-Control: private` where the route set no policy of its own)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        signed_in = f"{SESSION_COOKIE}=" in Headers(scope=scope).get("cookie", "")

        async def marked(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.add_vary_header("Cookie")
                if signed_in and "cache-control" not in headers:
                    headers["Cache-Control"] = "private"
            await send(message)

        await self.app(scope, receive, marked)
