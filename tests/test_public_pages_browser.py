"""The baseline page of a public body in a real headless Chromium, at desktop width."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browsers import chromium, skip_without_chromium
from tests.conftest import Server

skip_without_chromium()

from playwright.sync_api import Page  # noqa: E402


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("public-pages") / "data").start()  # examples loaded, owner "registry"
    yield server
    server.stop()


@pytest.fixture
def page() -> Iterator[Page]:
    with chromium() as browser:
        yield browser.new_page()


def test_the_baseline_page_shows_figures_layers_and_the_passports_behind_them(site, page):
    response = page.goto(f"{site.url}/organisations/registry/baseline")
    assert response is not None and response.status == 200
    assert "Baseline of registry" in page.locator("h1").inner_text()
    body = page.locator("body").inner_text()
    assert "primary (virgin) input" in body and "Mass by shearing layer" in body
    row = page.locator("tr", has_text="office-utrecht-1972")
    assert row.count() == 1 and "Utrecht" in row.inner_text()
    assert page.locator("a", has_text="CSV").get_attribute("href") == "?format=csv"
