"""Organisation baseline, worked by hand.

The school (tests/region_data.py): column 1000 kg concrete (recycled r, reused 0; structure layer;
A1-A3 200 kg CO2e), window frame 100 kg timber (recycled 0.1, renewable 0.6; skin layer), anchor 50 kg
steel (no fractions stated, no layer). Primary input = mass x (1 - recycled - reused - renewable):
  r = 0.2: 1000 x 0.8 = 800; 100 x (1 - 0.1 - 0.6) = 30; 50 x 1 = 50 (unstated)  -> 880 kg of 1150 kg
  r = 0.6: 1000 x 0.4 = 400; 30; 50                                               -> 480 kg
Progress from 880 to 480 kg: reduction 1 - 480/880 = 0.4545..., share of the 50 % target 0.909...
"""

from __future__ import annotations

import pytest

from registry.reports.past import PastIndicators
from tests.conftest import AUTH
from tests.region_data import Clock, school

TURTLE = "text/turtle"
ORG = "gemeente-zwolle"


@pytest.fixture
def org(client):
    """A municipality with one public school and one restricted school; tokens for the owner and an outsider."""
    tokens = client.app.state.registry.tokens
    headers = {}
    for name, (organisation, role) in {"owner": (ORG, "builder"), "other": ("bouw-b", "builder"),
                                       "auditor": ("audit-nl", "auditor")}.items():
        headers[name] = {"Authorization": f"Bearer {tokens.create(organisation, role)[1]}"}
    write = {**headers["owner"], "Content-Type": TURTLE}
    assert client.put("/passports/school", content=school(), headers=write).status_code == 201
    secret = school("Restricted school", restricted=True)
    assert client.put("/passports/hidden-school", content=secret, headers=write).status_code == 201
    return client, headers


def _baseline(client, headers, **params):
    answer = client.get(f"/organisations/{ORG}/baseline", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_primary_input_share_is_worked_by_hand(org):
    client, headers = org
    figures = _baseline(client, headers["owner"])["baseline"]
    # two schools: 2 x 880 = 1760 kg primary of 2 x 1150 = 2300 kg; 1760 / 2300 = 0.765217...
    assert figures["total_mass_kg"] == pytest.approx(2300.0)
    assert figures["primary_kg"] == pytest.approx(1760.0)
    assert figures["primary_share"] == pytest.approx(1760 / 2300)
    assert figures["primary_unstated_kg"] == pytest.approx(100.0)  # the two steel anchors


def test_mass_by_brand_layer_with_unassigned_parts(org):
    client, headers = org
    figures = _baseline(client, headers["owner"])["baseline"]
    layers = {k.rsplit("/", 1)[-1] or k: v for k, v in figures["mass_by_layer"].items()}
    assert layers == {"structure": 2000.0, "skin": 200.0, "unassigned": 100.0}


def test_carbon_and_availability_are_summed(org):
    client, headers = org
    figures = _baseline(client, headers["owner"])["baseline"]
    # per school: the column's declared 200 kg CO2e in A1-A3 + the anchor's 50 kg structural steel
    # x 0.994443589117387 (reference factor, ÖKOBAUDAT Stahlprofil) = 200 + 49.72217945586935 = 249.72217945586935;
    # two schools: 2 x 249.72217945586935 = 499.4443589117387
    assert figures["carbon_kg_co2e"] == pytest.approx(499.4443589117387)
    assert figures["available_kg_by_year"] == {"2040": pytest.approx(2300.0)}


def test_mci_is_the_mass_weighted_mean_of_the_passports(org):
    client, headers = org
    figures = _baseline(client, headers["owner"])["baseline"]
    each = [client.get(f"/passports/{p}/indicators", headers=headers["owner"]).json() for p in ("school",
                                                                                                 "hidden-school")]
    expected = sum(i["mci"] * i["mci_mass_kg"] for i in each) / sum(i["mci_mass_kg"] for i in each)
    assert figures["mci"] == pytest.approx(expected)


def test_every_figure_traces_to_passports_and_versions(org):
    client, headers = org
    figures = _baseline(client, headers["auditor"])["baseline"]
    assert sorted((p["passport"], p["version"]) for p in figures["passports"]) == [("hidden-school", 1),
                                                                                   ("school", 1)]
    csv = client.get(f"/organisations/{ORG}/baseline", params={"format": "csv"}, headers=headers["auditor"]).text
    # one row per passport, layer and material: 3 parts x 2 passports, plus the header
    assert len(csv.strip().splitlines()) == 7
    assert "school,1,Zwolle,Overijssel,https://w3id.org/mpr/layers/structure" in csv


@pytest.mark.parametrize(("who", "sees_restricted"), [("owner", True), ("auditor", True), ("other", False),
                                                      ("anonymous", False)])
def test_only_the_owner_and_auditors_see_restricted_passports_in_the_baseline(org, who, sees_restricted):
    client, headers = org
    figures = _baseline(client, headers.get(who, {}))["baseline"]
    ids = {p["passport"] for p in figures["passports"]}
    assert ("hidden-school" in ids) == sees_restricted
    assert "Restricted school" not in str(figures)


def test_progress_toward_2030_from_the_baseline_year(client):
    clock = Clock()
    client.app.state.registry.domain.passports.clock = clock
    headers = {**AUTH, "Content-Type": TURTLE}
    token = client.app.state.registry.tokens.create(ORG, "builder")[1]
    owner = {"Authorization": f"Bearer {token}", "Content-Type": TURTLE}
    clock.set("2024-01-10T12:00:00")
    assert client.put("/passports/school", content=school(), headers=owner).status_code == 201
    clock.set("2025-03-01T12:00:00")
    better = school(concrete_recycled=0.6)
    assert client.put("/passports/school", content=better, headers=owner).status_code == 200
    report = _baseline(client, headers, at="2024-12-31")
    assert report["baseline"]["primary_kg"] == pytest.approx(880.0)
    assert report["current"]["primary_kg"] == pytest.approx(480.0)
    assert report["progress"]["reduction"] == pytest.approx(1 - 480 / 880)
    assert report["progress"]["share_of_target"] == pytest.approx((1 - 480 / 880) / 0.5)


def test_the_baseline_page_shows_the_figures(org):
    client, headers = org
    page = client.get(f"/organisations/{ORG}/baseline", headers={**headers["owner"], "Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "76.5 %" in page.text  # 1760 / 2300 primary input


def test_mpr_report_baseline_prints_the_figures(tmp_path):
    import json

    from tests.test_cli import mpr

    passport = tmp_path / "school.ttl"
    passport.write_bytes(school())
    data = str(tmp_path / "data")
    assert mpr("load", "--data", data, str(passport)).returncode == 0
    done = mpr("report", "baseline", "registry", "--data", data)  # `mpr load` writes as organisation registry
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["baseline"]["primary_kg"] == pytest.approx(880.0)  # as worked above


def test_entries_stored_with_the_summaries_give_the_figures_of_the_other_paths(org):
    """The same figures three ways: from the entries stored with each summary, computed afresh, and from
    summaries stored without an entry (by older code): each passport's own figures, not only the totals."""
    client, headers = org
    registry = client.app.state.registry
    indicators, ids = registry.domain.indicators, {"school": 1, "hidden-school": 1}

    def served() -> dict[str, object]:
        registry.domain.reports.past = PastIndicators()  # nothing kept between requests
        return _baseline(client, headers["auditor"])

    _baseline(client, headers["auditor"])  # every summary stored, with its entry
    assert set(indicators.stored_entries(ids)) == set(ids)
    from_entries = served()
    indicators.describe = None  # summaries stored from now on have no entry
    indicators.content_changed_in_place()  # every stored summary stale: the next baseline computes them all
    computed = served()
    assert indicators.stored_entries(ids) == {} and set(indicators.stored_with_parts(ids)) == set(ids)
    from_summaries = served()
    assert from_entries == computed == from_summaries
    assert from_entries["baseline"]["primary_kg"] == pytest.approx(1760.0)
