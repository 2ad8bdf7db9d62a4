"""Signing in from a browser, in real headless Chromium against `mpr serve` (issue 16).

The examples are loaded by the organisation `registry`, so a `registry` token is the office passport's owner.
The office's hollow-core slabs have a restricted residual value of EUR 7980.00 (examples/passports/
office-utrecht-1972.ttl): the owner sees it once signed in, an anonymous visitor never.
Also here: /docs and /redoc render with every request outside the registry refused (no CDN).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.browsers import skip_without_chromium
from tests.conftest import Server

skip_without_chromium()

from playwright.sync_api import Browser, BrowserContext, Page, Route  # noqa: E402

OFFICE = "/passports/office-utrecht-1972"
PRICE = "7980"  # the slabs' residual value (restricted)


def _visible_text(page: Page) -> str:
    """The page's text, keyed blank-node hashes left out (they may contain any digits)."""
    page.locator("details.raw summary").click()  # "All statements" too
    return re.sub(r"genid/[0-9a-f]+", "genid/", page.locator("body").inner_text())


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[Server, str]]:
    server = Server(tmp_path_factory.mktemp("signin") / "data")
    owner = server.create_token("registry")
    server.start()  # examples loaded
    yield server, owner
    server.stop()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    opened = browser.new_context(viewport={"width": 1200, "height": 900})
    yield opened
    opened.close()


def _sign_in(page: Page, url: str, token: str) -> None:
    page.goto(f"{url}/signin?next={OFFICE}")
    page.fill("input[name=token]", token)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith(OFFICE), page.locator("body").inner_text()


def test_signed_in_owner_sees_the_restricted_residual_value(site, context, tmp_path):
    server, owner = site
    page = context.new_page()
    _sign_in(page, server.url, owner)
    assert PRICE in _visible_text(page)
    page.screenshot(path=str(tmp_path / "office-signed-in.png"), full_page=True)


def test_anonymous_visitor_does_not_see_the_restricted_residual_value(site, context):
    server, _ = site
    page = context.new_page()
    page.goto(f"{server.url}{OFFICE}")
    assert PRICE not in _visible_text(page)


def test_session_cookie_is_http_only_and_same_site(site, context):
    server, owner = site
    _sign_in(context.new_page(), server.url, owner)
    cookie = next(c for c in context.cookies() if c["name"] == "mpr_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"


def test_sign_out_ends_the_session(site, context):
    server, owner = site
    page = context.new_page()
    _sign_in(page, server.url, owner)
    stolen = next(c for c in context.cookies() if c["name"] == "mpr_session")["value"]
    page.goto(f"{server.url}/signin")
    page.click("button[type=submit]")  # "Sign out"
    page.wait_for_url(f"{server.url}/")
    page.goto(f"{server.url}{OFFICE}")
    assert PRICE not in _visible_text(page)
    # the old cookie is worthless, wherever it was copied to
    replayed = httpx.get(f"{server.url}{OFFICE}", cookies={"mpr_session": stolen}, headers={"Accept": "text/turtle"})
    assert PRICE not in re.sub(r"genid/[0-9a-f]+", "genid/", replayed.text)  # keyed hashes hold any digits


def test_cross_site_post_without_the_csrf_token_is_refused(site, context):
    server, owner = site
    evil = context.new_page()
    # another site's page posting a sign-in form to the registry: no CSRF cookie or field comes with it
    evil.route("http://evil.localhost/**", lambda route: route.fulfill(content_type="text/html", body=(
        f'<form id=f method=post action="{server.url}/signin"><input name=token value="{owner}"></form>'
        "<script>document.getElementById('f').submit()</script>")))
    with evil.expect_navigation(url=f"{server.url}/signin"):
        evil.goto("http://evil.localhost/attack")
    assert "403" in evil.locator("h1").inner_text()
    assert not [c for c in context.cookies() if c["name"] == "mpr_session"]


def test_wrong_token_is_refused_with_a_page(site, context):
    server, _ = site
    page = context.new_page()
    page.goto(f"{server.url}/signin")
    page.fill("input[name=token]", "mpr_000000000000_not-a-real-secret-at-all")
    page.click("button[type=submit]")
    assert "401" in page.locator("h1").inner_text()


def _offline(route: Route, url: str) -> None:
    if route.request.url.startswith(url):
        route.continue_()
    else:
        route.abort()


@pytest.mark.parametrize(("path", "rendered"), [("/docs", ".opblock"), ("/redoc", "[data-section-id]")])
def test_api_documentation_renders_without_internet(site, context, path, rendered, tmp_path):
    server, _ = site
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(server.url) else outside.append(r.url))
    page.route("**/*", lambda route: _offline(route, server.url))
    page.goto(f"{server.url}{path}")
    page.wait_for_selector(rendered)
    page.wait_for_load_state("networkidle")  # ReDoc draws its footer, and asked for its logo, after the content
    # ReDoc's footer logo (https://cdn.redoc.ly/redoc/logo-mini.svg in the package's script) is not asked for
    assert outside == []
    page.screenshot(path=str(tmp_path / f"{path.strip('/')}.png"))
