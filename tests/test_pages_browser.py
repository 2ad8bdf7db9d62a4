"""The pages in a real headless Chromium, at phone and desktop width, as a QR scan or a person opens them.

Screenshots are kept as test artefacts in one folder per run; its path is printed (pytest -s shows it).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import openpyxl
import pytest
import rdflib
import zxingcpp
from PIL import Image

from tests.browsers import skip_without_chromium
from tests.conftest import ADMIN, Server

skip_without_chromium()

from playwright.sync_api import Browser, Page  # noqa: E402

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Server]:
    server = Server(tmp_path_factory.mktemp("pages") / "data").start()  # examples loaded
    yield server
    server.stop()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desktop(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP, device_scale_factor=1)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("artefacts")
    print(f"\nscreenshots of the pages: {folder}")
    return folder


def overflow(page: Page) -> int:
    """Pixels the page is wider than the screen (a phone then scrolls sideways)."""
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def decode_qr(page: Page, shot: Path) -> str:
    """The text a scanner reads from a screenshot of just the passport's QR code (zxing)."""
    page.locator(".qr svg").screenshot(path=str(shot))
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(shot.read_bytes())))
    assert len(found) == 1, f"no QR code read from {shot}"
    return found[0].text


def passport_iri(page: Page) -> str:
    return page.locator("p.meta code").first.inner_text()


def test_passport_page_shows_what_where_materials_and_history(site, phone, tmp_path):
    response = phone.goto(f"{site.url}/passports/office-utrecht-1972")
    assert response is not None and response.status == 200
    assert "Rijnsweerd" in phone.locator("h1").inner_text()
    body = phone.locator("body").inner_text()
    assert "Utrecht" in body and "Material Circularity Indicator" in body
    assert phone.locator("h2", has_text="History").count() == 1
    assert phone.locator(".qr svg").count() == 1
    assert phone.locator(".chart svg").count() == 1
    shot = tmp_path / "passport-phone.png"
    phone.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_passport_page_fits_a_phone_screen(site, phone):
    phone.goto(f"{site.url}/passports/office-utrecht-1972")
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0


def test_landing_page_lists_the_example_passports(site, phone):
    phone.goto(f"{site.url}/")
    assert len(phone.locator("td a").all_inner_texts()) >= 3
    phone.locator("td a", has_text="Rijnsweerd").first.click()
    phone.wait_for_url("**/passports/office-utrecht-1972")


def test_format_links_download_linked_data(site, phone):
    phone.goto(f"{site.url}/passports/ergo-chair")
    href = phone.locator("a[data-media-type='text/turtle']").get_attribute("href")
    response = phone.request.get(f"{site.url}/passports/ergo-chair{href}")
    assert response.status == 200 and "schema:gtin" in response.text()


def test_restricted_data_is_absent_from_the_public_page(site, phone):
    phone.goto(f"{site.url}/passports/office-utrecht-1972")
    phone.locator("details.raw summary").click()  # open "All statements" too
    # Blank-node IRIs carry keyed hashes that may contain any digits: leave them out of the search.
    body = re.sub(r"genid/[0-9a-f]+", "genid/", phone.locator("body").inner_text())
    assert "office chairs ErgoSit 300" in body
    assert "Buy-back offer" not in body and "1080" not in body  # the chairs' residual value (restricted)


def test_restricted_passport_page_is_not_found_for_the_public(site, phone):
    response = phone.goto(f"{site.url}/passports/housing-almere-2004")
    assert response is not None and response.status == 404


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_qr_code_on_the_passport_page_decodes_to_the_passport_which_resolves(site, request, artefacts, width):
    page: Page = request.getfixturevalue(width)
    page.goto(f"{site.url}/passports/ergo-chair")
    decoded = decode_qr(page, artefacts / f"qr-{width}.png")
    assert decoded == passport_iri(page)
    response = page.request.get(site.url + urlsplit(decoded).path, headers={"Accept": "text/html"})
    assert response.status == 200 and "ErgoSit 300" in response.text()


def test_qr_code_decodes_at_print_size(site, desktop, artefacts):
    desktop.emulate_media(media="print")
    desktop.goto(f"{site.url}/passports/office-utrecht-1972")
    box = desktop.locator(".qr svg").bounding_box()
    assert box is not None and round(box["width"]) == 113  # 3 cm at the CSS 96 px per inch
    assert decode_qr(desktop, artefacts / "qr-print.png") == passport_iri(desktop)
    desktop.pdf(path=str(artefacts / "passport-print.pdf"))


def test_printed_passport_shows_every_part_unfolded(site, desktop):
    desktop.goto(f"{site.url}/passports/office-utrecht-1972")
    detail = desktop.locator(".tree li.element", has_text="beams under 1st floor").locator("div.meta")
    assert not detail.is_visible()  # folded on screen
    desktop.emulate_media(media="print")
    assert detail.is_visible() and detail.inner_text() == "connection: cast in situ"


def test_passport_page_lists_parts_by_storey_with_their_materials(site, desktop):
    desktop.goto(f"{site.url}/passports/office-utrecht-1972")
    storeys = desktop.locator(".tree > li.storey > details > summary .part-name").all_inner_texts()
    assert storeys[:4] == ["ground floor", "first floor", "second floor", "third floor"]
    first_floor = desktop.locator(".tree > li.storey", has_text="first floor").first.text_content() or ""
    assert "office chairs ErgoSit 300" in first_floor and "297.9\u00a0kg" in first_floor
    assert "hollow-core slabs" in first_floor and "mortared" in first_floor
    assert "available from 2028-03-01" in first_floor


def test_passport_page_shows_the_pcb_in_the_facade_joints(site, desktop):
    desktop.goto(f"{site.url}/passports/office-utrecht-1972")
    row = desktop.locator("table.hazards tr", has_text="PCB").inner_text()
    assert "polychlorinated biphenyls" in row and "1336-36-3" in row and "17 09 02*" in row


def test_product_passport_shows_gtin_manufacturer_and_mass_in_kg(site, desktop):
    desktop.goto(f"{site.url}/passports/ergo-chair")
    table = desktop.locator("table").first.inner_text()
    assert "08712345678906" in table and "ErgoSit Fabriek B.V." in table and "ES300-ANT" in table
    # 1.809 + 0.35075 + ... kg of ergo-chair.ttl: 12.4 kg, not "0.0 t"
    assert desktop.locator(".figure", has_text="total mass").locator("b").inner_text() == "12.4\u00a0kg"


def test_carbon_modules_are_in_en_15804_order(site, desktop):
    desktop.goto(f"{site.url}/passports/ergo-chair")
    figures = desktop.locator(".figure", has_text="embodied carbon").all_inner_texts()
    modules = [f.split("embodied carbon ")[1].split()[0] for f in figures]
    assert modules == ["A1-A3", "A4", "C3", "C4", "D"]


def test_composition_chart_names_the_small_materials(site, desktop):
    desktop.goto(f"{site.url}/passports/office-utrecht-1972")
    chart = desktop.locator(".chart svg").inner_html()
    rows = desktop.locator("h2#materials + .chart + table tr").all()[1:]
    top_level = [r for r in rows if r.locator("td").nth(1).inner_text() == ""]
    # The 7 largest top-level materials drawn, the others summed into one bar that says how many.
    assert len(top_level) > 8 and f"{len(top_level) - 7} other materials" in chart
    assert "(&lt; 0.1 %)" in chart  # the smallest shares are labelled, not hidden


def test_figures_do_not_break_inside_a_number_on_a_phone(site, phone):
    phone.goto(f"{site.url}/passports/office-utrecht-1972")
    cells = phone.locator("td.num, .figure b")
    assert cells.count() > 20
    # One line box per figure: a number split over two lines has two client rects.
    lines = cells.evaluate_all("""cells => cells.filter(c => c.innerText.trim()).map(c => {
        const range = document.createRange(); range.selectNodeContents(c);
        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        return [c.innerText, tops.size]; })""")
    assert [text for text, count in lines if count != 1] == []


def test_landing_page_shows_type_place_owner_and_id(site, desktop):
    desktop.goto(f"{site.url}/")
    row = desktop.locator("table.passports tr", has_text="office-utrecht-1972").inner_text()
    assert "building" in row and "Utrecht" in row and "Rijnsweerd Vastgoed B.V." in row


def test_landing_page_pages_through_the_passports(site, desktop):
    desktop.goto(f"{site.url}/?limit=1")
    first = desktop.locator("table.passports td code").inner_text()
    desktop.locator("a[rel=next]").click()
    desktop.wait_for_url("**offset=1**")
    assert desktop.locator("table.passports td code").inner_text() != first


def requests_elsewhere(page: Page, site: Server) -> list[str]:
    """Every request the page makes that does not go to the registry itself (a CDN, a tile server)."""
    elsewhere: list[str] = []
    page.on("request", lambda r: elsewhere.append(r.url) if not r.url.startswith(site.url) else None)
    return elsewhere


def test_materials_page_finds_the_office_beams_by_place_and_shows_markers(site, desktop, artefacts):
    elsewhere = requests_elsewhere(desktop, site)
    desktop.goto(f"{site.url}/materials")
    # Rijnsweerd office: POINT(5.1525 52.0872) in office-utrecht-1972.ttl; 2 km around the Utrecht Science Park.
    desktop.fill("input[name=lon]", "5.16")
    desktop.fill("input[name=lat]", "52.085")
    desktop.fill("input[name=radius_km]", "2")
    desktop.click("form.filters button[type=submit]")
    desktop.wait_for_url("**radius_km=2**")
    table = desktop.locator("table.supply").inner_text()
    assert "beams under 1st floor (21)" in table and "Eindhoven" not in table
    assert {r for r in desktop.locator("table.supply td:last-child").all_inner_texts()} == {"office-utrecht-1972"}
    assert int(desktop.locator("#map").get_attribute("data-markers") or 0) > 0
    desktop.locator(".leaflet-marker-icon").first.wait_for()  # a cluster of the office's items, drawn without tiles
    desktop.screenshot(path=str(artefacts / "materials-desktop.png"), full_page=True)
    assert elsewhere == []


def test_materials_page_exports_what_it_shows(site, desktop):
    desktop.goto(f"{site.url}/materials?lon=5.1525&lat=52.0872&radius_km=1")
    csv_href = desktop.locator("a", has_text="CSV").get_attribute("href")
    xlsx_href = desktop.locator("a", has_text="XLSX").get_attribute("href")
    csv_text = desktop.request.get(site.url + (csv_href or ""))
    assert csv_text.headers["content-type"].startswith("text/csv") and "beams under 1st floor" in csv_text.text()
    xlsx = desktop.request.get(site.url + (xlsx_href or ""))
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.body())).active
    rows = [[("" if v is None else str(v)) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == next(csv.reader(io.StringIO(csv_text.text())))  # the same columns as the CSV
    assert any("beams under 1st floor (21)" in row for row in rows[1:])


@pytest.mark.parametrize("path", ["/", "/materials", "/passports/office-utrecht-1972", "/passports/ergo-chair",
                                  "/reports/urban-mine", "/demands/new"])
def test_pages_fit_a_phone_screen(site, phone, artefacts, path):
    response = phone.goto(site.url + path)
    assert response is not None and response.status == 200
    phone.screenshot(path=str(artefacts / f"phone{path.replace('/', '-') or '-home'}.png"), full_page=True)
    assert overflow(phone) <= 0


ODD = [("/materials", q) for q in ("lon=x", "lat=91", "radius_km=-1", "material=no-such-thing", "offset=99999999999",
                                    "limit=0", "available_from=2024-13-01", "condition=shiny", "sort=sideways",
                                    "lon=5&lat=52&radius_km=1e308", "material=%00", "lon=&lat=")] + [
    ("/reports/urban-mine", q) for q in ("material=no-such-thing", "format=pdf", "province=" + "x" * 300)] + [
    ("/", q) for q in ("offset=-1", "limit=100000", "q=" + "x" * 300)] + [
    ("/demands/no-such-demand/matches", ""), ("/passports/no-such-passport", ""),
    ("/passports/ergo-chair", "version=0"), ("/passports/ergo-chair", "version=99")]


@pytest.mark.parametrize(("path", "query"), ODD)
def test_pages_answer_odd_queries_with_a_4xx_naming_the_problem(site, desktop, path, query):
    response = desktop.goto(f"{site.url}{path}?{query}")
    assert response is not None and 400 <= response.status < 500, (response.status if response else None)
    assert desktop.locator("body").inner_text().strip()


def fill_demand(page: Page, site: Server) -> None:
    page.goto(f"{site.url}/demands/new")
    page.fill("input[name=label]", "columns for a pavilion")
    page.select_option("select[name=wants]", label="reinforced concrete")
    page.fill("input[name=quantity]", "30")
    page.select_option("select[name=unit]", label="t")
    page.fill("input[name=lon]", "5.12")
    page.fill("input[name=lat]", "52.09")
    page.fill("input[name=radiusKm]", "25")


def test_demand_form_stores_a_demand_and_opens_its_ranked_matches(site, desktop, artefacts):
    fill_demand(desktop, site)
    desktop.fill("input[name=token]", ADMIN)
    desktop.click("form#demand button[type=submit]")
    desktop.wait_for_url("**/matches")
    scores = [float(s.removeprefix("score ")) for s in desktop.locator("ol.matches > li .num").all_inner_texts()]
    assert scores and scores == sorted(scores, reverse=True)
    first = desktop.locator("ol.matches > li").first.inner_text()
    assert "office-utrecht-1972" in first and "material: exact material" in first  # a reason, from the service
    desktop.screenshot(path=str(artefacts / "matches-desktop.png"), full_page=True)


def test_demand_form_without_a_token_says_why_nothing_was_stored(site, desktop):
    fill_demand(desktop, site)
    desktop.click("form#demand button[type=submit]")
    error = desktop.locator("#demand-error")
    error.wait_for()
    assert error.inner_text().startswith("401")


def test_urban_mine_page_filters_by_region_and_year(site, desktop, artefacts):
    desktop.goto(f"{site.url}/reports/urban-mine")
    assert desktop.locator(".chart svg").count() == 2
    desktop.select_option("select[name=municipality]", "Utrecht")
    desktop.select_option("select[name=year]", "2028")
    desktop.click("form.filters button[type=submit]")
    desktop.wait_for_url("**year=2028**")
    regions = desktop.locator("table.regions td:first-child").all_inner_texts()
    years = set(desktop.locator("table.cells td:first-child").all_inner_texts())
    assert regions == ["Utrecht"] and years == {"2028"}
    desktop.screenshot(path=str(artefacts / "urban-mine-desktop.png"), full_page=True)


def test_urban_mine_csv_link_carries_the_filters(site, desktop):
    desktop.goto(f"{site.url}/reports/urban-mine?municipality=Utrecht&year=2028")
    href = desktop.locator("a", has_text="CSV").get_attribute("href")
    rows = list(csv.DictReader(io.StringIO(desktop.request.get(site.url + (href or "")).text())))
    assert rows and {(r["municipality"], r["province"], r["year"]) for r in rows} == {("Utrecht", "Utrecht", "2028")}


def test_sparql_link_opens_yasgui_which_runs_a_query(site, desktop, artefacts):
    elsewhere = requests_elsewhere(desktop, site)
    desktop.goto(f"{site.url}/")
    desktop.locator("header.site a", has_text="SPARQL").click()
    desktop.locator(".yasqe").wait_for()
    desktop.click(".yasqe_queryButton")
    results = desktop.locator(".yasr table").first
    results.wait_for()
    assert "Office building Rijnsweerd, Utrecht (1972)" in desktop.locator(".yasr").inner_text()
    desktop.screenshot(path=str(artefacts / "sparql-desktop.png"), full_page=True)
    assert elsewhere == []


def test_sparql_without_a_query_still_describes_the_service_to_programs(site, desktop):
    response = desktop.request.get(f"{site.url}/sparql", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=response.text(), format="turtle")
    service = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#").Service
    assert response.status == 200 and len(set(graph.subjects(rdflib.RDF.type, service))) == 1


def test_materials_map_shows_every_result_not_just_the_table_page(site, desktop):
    desktop.goto(f"{site.url}/materials?limit=5")
    total = int(desktop.locator("p.meta", has_text="items found").inner_text().split()[0])
    assert total > 5 and desktop.locator("table.supply tr").count() == 1 + 5
    items = desktop.request.get(f"{site.url}/materials?limit=1000&format=application/json").json()["items"]
    placed = [i for i in items if i["lon"] is not None and i["lat"] is not None]
    assert len(items) == total and int(desktop.locator("#map").get_attribute("data-markers") or 0) == len(placed)
