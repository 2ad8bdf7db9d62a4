"""The pages' reading of passports (no browser): odd but valid data draws a page, never a 500."""

from __future__ import annotations

import re

from registry.api import home
from registry.api.pages import summary
from registry.core import build_registry, load_examples_if_empty
from registry.passports.model import Agent
from registry.settings import Settings
from tests.conftest import AUTH, DATA

HTML = {"Accept": "text/html"}
TURTLE = {"Content-Type": "text/turtle", **AUTH}
MINIMAL = (DATA / "minimal-passport.ttl").read_bytes()
# A bracket that is a sub-element of column C1 and also listed on the storey: drawn once, where first met.
SHARED = MINIMAL + b"""
<#column-1> bot:hasSubElement <#bracket> .
<#storey-0> bot:hasElement <#bracket> .
<#bracket> a bot:Element ; rdfs:label "Bracket B1" .
"""


def _text(html: str) -> str:
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html))  # not \s: it would eat no-break spaces


def test_a_part_listed_twice_is_drawn_once(client):
    assert client.put("/passports/shared", content=SHARED, headers=TURTLE).status_code == 201
    page = client.get("/passports/shared", headers=HTML)
    assert page.status_code == 200
    tree = page.text[page.text.index('<ul class="tree">'):page.text.index("<h2>History")]
    assert tree.count(">Bracket B1<") == 1 and tree.count(">Column C1<") == 1


def test_a_placeholder_title_gives_way_to_the_building_name(client):
    body = MINIMAL.replace(b'dcterms:title "Test pavilion"@en', b'dcterms:title "IfcProject"')
    body = body.replace(b'rdfs:label "Test pavilion"', b'rdfs:label "Paviljoen De Uithof"')
    assert client.put("/passports/imported", content=body, headers=TURTLE).status_code == 201
    page = client.get("/passports/imported", headers=HTML)
    assert "<h1>Paviljoen De Uithof</h1>" in page.text
    landing = _text(client.get("/", headers=HTML).text)
    assert "Paviljoen De Uithof building" in landing and "IfcProject" not in landing


def test_a_small_building_shows_its_mass_in_kg(client):
    assert client.put("/passports/pavilion", content=MINIMAL, headers=TURTLE).status_code == 201
    page = _text(client.get("/passports/pavilion", headers=HTML).text)
    assert "total mass 675.0\u00a0kg" in page  # 0.27 m3 x 2500 kg/m3 (minimal-passport.ttl)


def _summaries_read_one_by_one(registry, agent) -> list[dict[str, str]]:
    """What the landing page showed before the batched read: every row's passport read whole."""
    records = registry.passports.page(agent, 0, 100).items
    return [summary(view.record, view.triples)
            for view in (registry.passports.content(agent, r.id) for r in records)]


def test_landing_page_rows_are_those_of_reading_every_passport_whole(tmp_path):
    registry = build_registry(Settings(data=tmp_path / "data", admin_token="t", load_examples=True))
    try:
        load_examples_if_empty(registry)
        for agent in (Agent("anonymous"), Agent("admin", None, "admin"), Agent("x", "registry", "builder")):
            records = registry.passports.page(agent, 0, 100).items
            assert len(records) >= 7  # the eight examples, one restricted to its owner
            assert home._summaries(registry, agent, records) == _summaries_read_one_by_one(registry, agent)
        office = home._summaries(registry, Agent("anonymous"),
                                 [registry.domain.passports.record("office-utrecht-1972")])
        assert office[0]["place"] == "Utrecht" and office[0]["kind"] == "building"
    finally:
        registry.close()
