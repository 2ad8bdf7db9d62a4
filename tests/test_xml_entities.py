"""XML inputs with a DOCTYPE (entity expansion, external entities) are refused before any parser expands them."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import httpx
import pytest
from pyoxigraph import RdfFormat, parse, serialize

from registry.errors import MalformedInput
from registry.xml_guard import refuse_dtd
from tests.conftest import AUTH, DATA, Server

RDFXML = {"Content-Type": "application/rdf+xml"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RDF_BODY = (
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">'
    '<rdf:Description rdf:about="http://example.org/a"><ex:p>{text}</ex:p></rdf:Description></rdf:RDF>'
)


def billion_laughs(depth: int = 9) -> bytes:
    """Ten references per level: depth 9 expands 3 bytes to 3 GB; the document itself is under 1 kB."""
    entities = '<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, depth + 1)
    )
    body = RDF_BODY.format(text=f"&l{depth};")
    return f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [{entities}]>\n{body}'.encode()


EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
    + RDF_BODY.format(text="&secret;")
).encode()
PARAMETER_ENTITY = (
    '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote;]>\n'
    + RDF_BODY.format(text="x")
).encode()


def peak_rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc status")


@pytest.fixture(scope="module")
def running(tmp_path_factory) -> Server:
    server = Server(tmp_path_factory.mktemp("xml") / "data", "--no-examples").start()
    yield server
    server.stop()


@pytest.mark.parametrize("document", [billion_laughs(), EXTERNAL_ENTITY, PARAMETER_ENTITY],
                         ids=["billion-laughs", "external-entity", "parameter-entity"])
def test_the_guard_refuses_any_doctype_naming_the_rule(document):
    with pytest.raises(MalformedInput, match="DOCTYPE"):
        refuse_dtd(document)


def test_a_doctype_after_the_root_element_is_refused_too():
    with pytest.raises(MalformedInput):
        refuse_dtd(RDF_BODY.format(text="x").encode() + b'<!DOCTYPE x [<!ENTITY a "b">]>')


def test_plain_rdf_xml_passes_the_guard():
    refuse_dtd(RDF_BODY.format(text="plain").encode())


def test_billion_laughs_to_validate_is_400_fast_and_the_server_does_not_grow(running):
    pid = running.process.pid
    before = peak_rss_kb(pid)
    started = time.monotonic()
    response = httpx.post(f"{running.url}/validate", content=billion_laughs(), headers=RDFXML, timeout=30)
    elapsed = time.monotonic() - started
    assert response.status_code == 400
    assert "DOCTYPE" in response.json()["detail"]
    assert elapsed < 2
    assert peak_rss_kb(pid) - before < 20_000  # kB; the unguarded parser grew by gigabytes


def test_billion_laughs_passport_is_400_and_nothing_is_stored(running):
    response = httpx.post(f"{running.url}/passports", content=billion_laughs(),
                          headers={**RDFXML, **AUTH, "Slug": "lol"}, timeout=30)
    assert response.status_code == 400
    assert "DOCTYPE" in response.json()["detail"]
    assert httpx.get(f"{running.url}/passports/lol", timeout=10).status_code == 404


def test_external_entity_passport_is_400_and_nothing_is_stored(running):
    response = httpx.post(f"{running.url}/passports", content=EXTERNAL_ENTITY,
                          headers={**RDFXML, **AUTH, "Slug": "xxe"}, timeout=30)
    assert response.status_code == 400
    assert httpx.get(f"{running.url}/passports/xxe", timeout=10).status_code == 404


def test_rdf_xml_without_a_doctype_is_still_accepted(running):
    triples = [q.triple for q in parse((DATA / "minimal-passport.ttl").read_bytes(), RdfFormat.TURTLE,
                                       base_iri=f"{running.url}/passports/plain-xml")]
    body = serialize(triples, format=RdfFormat.RDF_XML) or b""
    response = httpx.post(f"{running.url}/validate", content=body, headers=RDFXML, timeout=30)
    assert response.status_code == 200, response.text


def test_xlsx_with_entities_in_a_part_is_400_before_openpyxl_reads_it(client):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", billion_laughs(6))
        archive.writestr("xl/workbook.xml", b"<workbook/>")
    response = client.post("/imports/spreadsheet", content=out.getvalue(), headers={**AUTH, "Content-Type": XLSX})
    assert response.status_code == 400
    assert "DOCTYPE" in response.json()["detail"]
