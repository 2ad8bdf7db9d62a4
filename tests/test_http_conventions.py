"""HTTP conventions browsers and tools rely on (issue 16), over real uvicorn where the protocol matters:
conditional GET with If-None-Match (RFC 9110 13.1.2), CORS set by MPR_CORS_ORIGINS, error pages for browsers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from registry.api.conditional import entity_tags, weak_match
from tests.conftest import AUTH, DATA, Server

PAVILION = (DATA / "minimal-passport.ttl").read_bytes()
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SITE = "https://map.example.org"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data: Path = tmp_path_factory.mktemp("conventions")
    server = Server(data, "--no-examples", env={"MPR_CORS_ORIGINS": f"{SITE}, https://other.example"}).start()
    created = httpx.post(f"{server.url}/passports", content=PAVILION,
                         headers={"Content-Type": "text/turtle", "Slug": "pavilion", **AUTH})
    assert created.status_code == 201, created.text
    yield server
    server.stop()


def test_if_none_match_with_the_current_etag_gives_304_without_a_body(running):
    first = httpx.get(f"{running.url}/passports/pavilion", headers={"Accept": "text/turtle"})
    again = httpx.get(f"{running.url}/passports/pavilion",
                      headers={"Accept": "text/turtle", "If-None-Match": first.headers["etag"]})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", first.headers["etag"])


def test_if_none_match_compares_weakly(running):
    answer = httpx.get(f"{running.url}/passports/pavilion", headers={"If-None-Match": '"x", "pavilion-v1-ttl"'})
    assert answer.status_code == 304


def test_each_representation_of_a_version_has_its_own_etag(running):
    tags = {media: httpx.get(f"{running.url}/passports/pavilion", headers={"Accept": media}).headers["etag"]
            for media in ("text/turtle", "application/ld+json", "application/n-triples")}
    assert tags == {"text/turtle": 'W/"pavilion-v1-ttl"', "application/ld+json": 'W/"pavilion-v1-jsonld"',
                    "application/n-triples": 'W/"pavilion-v1-nt"'}


def test_the_etag_of_one_representation_does_not_revalidate_another(running):
    turtle = httpx.get(f"{running.url}/passports/pavilion", headers={"Accept": "text/turtle"}).headers["etag"]
    json_ld = httpx.get(f"{running.url}/passports/pavilion",
                        headers={"Accept": "application/ld+json", "If-None-Match": turtle})
    assert json_ld.status_code == 200 and json_ld.json()


def test_the_version_etag_does_not_revalidate_a_representation(running):
    answer = httpx.get(f"{running.url}/passports/pavilion", headers={"If-None-Match": '"pavilion-v1"'})
    assert answer.status_code == 200 and answer.content


def test_the_passport_page_revalidates_with_its_own_etag(running):
    page = httpx.get(f"{running.url}/passports/pavilion", headers={"Accept": BROWSER})
    again = httpx.get(f"{running.url}/passports/pavilion",
                      headers={"Accept": BROWSER, "If-None-Match": page.headers["etag"]})
    assert page.headers["etag"].startswith('W/"pavilion-v1-html-') and again.status_code == 304


def test_if_none_match_with_an_old_etag_gives_the_answer(running):
    answer = httpx.get(f"{running.url}/passports/pavilion", headers={"If-None-Match": '"pavilion-v0"'})
    assert answer.status_code == 200 and answer.content


def test_context_revalidates_with_its_etag(running):
    first = httpx.get(f"{running.url}/context.jsonld")
    assert httpx.get(f"{running.url}/context.jsonld",
                     headers={"If-None-Match": first.headers["etag"]}).status_code == 304


def test_entity_tags_are_parsed_not_split_on_commas():
    assert entity_tags('"a,b", W/"c"') == ['"a,b"', '"c"']
    assert entity_tags('"open') is None
    assert not weak_match('"a,b"', '"a"')
    assert weak_match("*", '"anything"')


def test_cors_preflight_from_a_configured_origin_is_allowed(running):
    answer = httpx.options(f"{running.url}/passports", headers={
        "Origin": SITE, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == SITE
    assert "access-control-allow-credentials" not in answer.headers  # tokens, never cookies, cross-site


def test_cors_names_no_other_origin(running):
    answer = httpx.get(f"{running.url}/passports", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in answer.headers


def test_cors_is_off_by_default(client):
    answer = client.get("/passports", headers={"Origin": SITE})
    assert "access-control-allow-origin" not in answer.headers


def test_a_browser_gets_a_404_page(client):
    answer = client.get("/passports/nowhere", headers={"Accept": BROWSER})
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html")
    assert "<h1>404 Not Found</h1>" in answer.text and "nowhere" in answer.text


def test_a_browser_gets_a_page_for_an_unknown_route(client):
    answer = client.get("/no/such/page", headers={"Accept": BROWSER})
    assert answer.status_code == 404 and "<h1>404 Not Found</h1>" in answer.text


def test_an_api_client_gets_json_for_a_404(client):
    answer = client.get("/passports/nowhere", headers={"Accept": "*/*"})
    assert answer.status_code == 404 and "detail" in answer.json()


def test_a_browser_gets_a_400_page_for_a_bad_parameter(client):
    answer = client.get("/passports?limit=0", headers={"Accept": BROWSER})
    assert answer.status_code == 400 and "limit" in answer.text and answer.text.startswith("<!doctype html>")


def _same_but_body(url: str, headers: dict[str, str] | None = None) -> tuple[httpx.Response, httpx.Response]:
    """The GET and the HEAD of one URL, with the headers that differ by nature (Date) set aside."""
    got, head = httpx.get(url, headers=headers), httpx.head(url, headers=headers)
    assert head.content == b""
    assert {k: v for k, v in head.headers.items() if k != "date"} == \
        {k: v for k, v in got.headers.items() if k != "date"}
    return got, head


@pytest.mark.parametrize(("path", "accept"), [("/health", "*/*"), ("/passports", "*/*"), ("/context.jsonld", "*/*"),
                                             ("/sparql", BROWSER), ("/", BROWSER), ("/static/sparql.js", "*/*")])
def test_head_answers_every_get_route_like_get_without_a_body(running, path, accept):
    got, head = _same_but_body(f"{running.url}{path}", {"Accept": accept})
    assert head.status_code == got.status_code == 200


def test_head_of_a_passport_carries_its_etag_and_revalidates(running):
    got, head = _same_but_body(f"{running.url}/passports/pavilion", {"Accept": "text/turtle"})
    assert head.headers["etag"] == 'W/"pavilion-v1-ttl"' and int(head.headers["content-length"]) == len(got.content)
    again = httpx.head(f"{running.url}/passports/pavilion",
                       headers={"Accept": "text/turtle", "If-None-Match": head.headers["etag"]})
    assert again.status_code == 304


def test_head_of_a_restricted_passport_is_the_404_of_get(running):
    restricted = PAVILION + b"\n<> <https://w3id.org/mpr#visibility> <https://w3id.org/mpr#Restricted> .\n"
    created = httpx.put(f"{running.url}/passports/hidden", content=restricted,
                        headers={"Content-Type": "text/turtle", **AUTH})
    assert created.status_code == 201, created.text
    got, head = _same_but_body(f"{running.url}/passports/hidden")
    assert head.status_code == got.status_code == 404
    nowhere, _ = _same_but_body(f"{running.url}/passports/nowhere")
    assert got.headers["content-length"] == str(len(got.content)) and b"hidden" in got.content
    assert got.content.replace(b"hidden", b"nowhere") == nowhere.content  # not a trace of its existence


def test_head_of_a_route_that_only_writes_is_still_405(running):
    assert httpx.head(f"{running.url}/tenders/check").status_code == 405


def test_the_site_has_a_favicon(running):
    answer = httpx.get(f"{running.url}/favicon.ico")
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/vnd.microsoft.icon"
    assert answer.content[:4] == b"\x00\x00\x01\x00" and int.from_bytes(answer.content[4:6], "little") >= 1


def test_the_pages_name_the_favicon(client):
    assert '<link rel="icon" href="/favicon.ico">' in client.get("/", headers={"Accept": BROWSER}).text
