"""The material-names page in real headless Chromium against `mpr serve` (issue 15 item 3).

A member of `acme` signs in, has an IFC model imported as a dry run from the page, maps the unmapped name it
lists and saves; the next import with `?mappings=acme` then maps that name. The model (tests/ifc_authoring.py):
one 2.0 m3 wall of 12.5 mm "Aquapanel" (unmapped by the vocabulary) and 87.5 mm calcium silicate.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.browsers import skip_without_chromium
from tests.conftest import Server
from tests.test_material_mappings import aquapanel_wall

skip_without_chromium()

from playwright.sync_api import Browser, Page  # noqa: E402

PATH = "/organisations/acme/material-mappings"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[Server, str]]:
    server = Server(tmp_path_factory.mktemp("mappings") / "data", "--no-examples")
    token = server.create_token("acme")
    server.start()
    yield server, token
    server.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    yield context.new_page()
    context.close()


def _dry_run(url: str, token: str) -> dict[str, object]:
    response = httpx.post(f"{url}/imports/ifc?dry_run=true&mappings=acme", content=aquapanel_wall(),
                          headers={"Authorization": f"Bearer {token}", "Content-Type": "application/x-step"})
    assert response.status_code == 200, response.text
    report: dict[str, object] = response.json()["report"]
    return report


def test_name_mapped_on_the_page_is_mapped_by_the_next_import(site, page, tmp_path: Path):
    server, token = site
    assert [n["name"] for n in _dry_run(server.url, token)["unmapped_names"]] == ["Aquapanel"]  # type: ignore[index]
    page.goto(f"{server.url}/signin?next={PATH}")
    page.fill("input[name=token]", token)
    page.click("button[type=submit]")
    page.wait_for_url(f"**{PATH}")
    model = tmp_path / "wall.ifc"
    model.write_bytes(aquapanel_wall())
    page.fill("input#token", token)
    page.set_input_files("form#dry-run input[name=file]", str(model))
    page.click("form#dry-run button[type=submit]")
    row = page.locator("#new-rows tr", has=page.locator("td.volume"))
    row.first.wait_for()
    assert row.count() == 1 and row.locator("input[name=name]").input_value() == "Aquapanel"
    assert row.locator("td.volume").inner_text() == "0.25 m³"  # 12.5 / 100 mm of the 2.0 m3 wall
    row.locator("select[name=concept]").select_option(label="fibre cement")
    with page.expect_navigation():
        page.click("form#mapping-form button[type=submit]")
    assert "Aquapanel" in page.locator("table#mappings").inner_text()
    report = _dry_run(server.url, token)
    assert report["unmapped_names"] == []
    assert report["mapped_share"]["share"] == 1.0  # type: ignore[index]
