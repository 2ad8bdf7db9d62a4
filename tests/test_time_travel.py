"""?at= on passports and reports: the versions current at that moment, rebuilt from the history.

Timeline used by every test (the passport service's clock is set per change):
  2024-01-10 v1 created (concrete recycled content 0.2, title "School v1")
  2024-06-10 v2 updated (recycled 0.6, title "School v2")
  2025-01-10 v3 withdrawn
"""

from __future__ import annotations

import pytest

from tests.conftest import AUTH
from tests.region_data import Clock, school

TURTLE = {**AUTH, "Content-Type": "text/turtle"}


@pytest.fixture
def timeline(client):
    clock = Clock()
    client.app.state.registry.domain.passports.clock = clock
    clock.set("2024-01-10T12:00:00")
    assert client.put("/passports/s", content=school("School v1"), headers=TURTLE).status_code == 201
    clock.set("2024-06-10T12:00:00")
    body = school("School v2", concrete_recycled=0.6)
    assert client.put("/passports/s", content=body, headers=TURTLE).status_code == 200
    clock.set("2025-01-10T12:00:00")
    assert client.delete("/passports/s", headers=AUTH).status_code == 200
    return client


def _read(client, at: str):
    return client.get("/passports/s", params={"at": at}, headers={"Accept": "application/n-triples"})


def test_a_date_between_versions_gives_the_earlier_version(timeline):
    answer = _read(timeline, "2024-03-01")
    assert answer.status_code == 200 and answer.headers["etag"] == 'W/"s-v1-nt"'
    assert "School v1" in answer.text


def test_a_datetime_just_after_an_update_gives_the_new_version(timeline):
    answer = _read(timeline, "2024-06-10T12:00:01Z")
    assert answer.headers["etag"] == 'W/"s-v2-nt"' and "School v2" in answer.text


def test_a_moment_after_the_withdrawal_is_gone(timeline):
    assert _read(timeline, "2025-02-01").status_code == 410


def test_a_moment_before_creation_is_not_found(timeline):
    assert _read(timeline, "2023-12-31").status_code == 404


@pytest.mark.parametrize("bad", ["yesterday", "2024-13-01", "2024-02-30T00:00:00", ""])
def test_a_bad_moment_is_a_400_naming_the_forms(timeline, bad):
    answer = _read(timeline, bad)
    assert answer.status_code == 400 and "YYYY-MM-DD" in answer.json()["detail"]


def test_version_and_at_together_are_refused(timeline):
    answer = timeline.get("/passports/s", params={"at": "2024-03-01", "version": "1"})
    assert answer.status_code == 400


def test_the_list_at_a_moment_shows_the_version_then_and_leaves_out_withdrawn_ones(timeline):
    then = timeline.get("/passports", params={"at": "2024-07-01"}).json()
    assert [(i["id"], i["version"]) for i in then["items"]] == [("s", 2)]
    assert timeline.get("/passports", params={"at": "2025-02-01"}).json()["total"] == 0


def test_the_urban_mine_at_a_moment_sums_that_version(timeline):
    # v1 and v2 differ in recycled content only: both hold 1150 kg; after the withdrawal nothing
    then = timeline.get("/reports/urban-mine", params={"at": "2024-03-01"}).json()
    assert then["versions"] == {"s": 1} and then["total_kg"] == 1150.0
    assert timeline.get("/reports/urban-mine", params={"at": "2025-02-01"}).json()["total_kg"] == 0.0
    assert timeline.get("/reports/urban-mine").json()["total_kg"] == 0.0  # now: withdrawn


def test_a_version_published_restricted_stays_hidden_at_its_moment(client):
    clock = Clock()
    client.app.state.registry.domain.passports.clock = clock
    clock.set("2024-01-10T12:00:00")
    assert client.put("/passports/r", content=school("Secret", restricted=True), headers=TURTLE).status_code == 201
    clock.set("2024-06-10T12:00:00")
    assert client.put("/passports/r", content=school("Open"), headers=TURTLE).status_code == 200
    assert client.get("/passports/r", params={"at": "2024-03-01"}).status_code == 404
    assert client.get("/passports/r", params={"at": "2024-03-01"}, headers=AUTH).status_code == 200
    listed = client.get("/passports", params={"at": "2024-03-01"}).json()
    assert listed["total"] == 0


def test_a_moment_before_year_one_in_utc_is_a_400(timeline):
    answer = _read(timeline, "0001-01-01T00:00:00+01:00")
    assert answer.status_code == 400 and "outside the years" in answer.json()["detail"]


def test_an_outsider_sees_a_version_published_before_the_passport_was_restricted(client):
    clock = Clock()
    client.app.state.registry.domain.passports.clock = clock
    clock.set("2024-01-10T12:00:00")
    assert client.put("/passports/p", content=school("Open first"), headers=TURTLE).status_code == 201
    clock.set("2024-06-10T12:00:00")
    secret = school("Secret later", restricted=True)
    assert client.put("/passports/p", content=secret, headers=TURTLE).status_code == 200
    before = client.get("/passports", params={"at": "2024-03-01"}).json()
    assert [(i["id"], i["version"]) for i in before["items"]] == [("p", 1)]
    assert client.get("/passports", params={"at": "2024-07-01"}).json()["total"] == 0


def test_every_records_published_visibilities_read_at_once_agree_with_one_at_a_time(client):
    clock = Clock()
    service = client.app.state.registry.domain.passports
    service.clock = clock
    histories = {"opened": [True, False], "closed": [False, True], "gone": [True, None], "plain": [False],
                 "twice": [True, False, True]}
    for step in range(3):
        clock.set(f"2024-0{step + 1}-10T12:00:00")
        for name, steps in histories.items():
            if step < len(steps) and steps[step] is None:
                assert client.delete(f"/passports/{name}", headers=AUTH).status_code == 200
            elif step < len(steps):
                body = school(name, restricted=steps[step])
                assert client.put(f"/passports/{name}", content=body, headers=TURTLE).status_code in (200, 201)
    published = service.published()
    one_at_a_time = {service.names(n).iri: service.visibilities(n) for n in histories}
    assert {iri: p.visibilities for iri, p in published.items()} == one_at_a_time
    assert published[service.names("twice").iri].visibilities == {1: "restricted", 2: "public", 3: "restricted"}
    assert published[service.names("gone").iri].visibilities == {1: "restricted", 2: "restricted"}
