"""Portfolio matching: the optimiser (scipy HiGHS) against greedy on a case where greedy is provably worse.

The case: supply A (1000 kg concrete) stands where demand D1 is; demand D2 is 0.1 degree south of A;
supply B (1000 kg concrete) is 0.3 degree north of D1 and 0.4 degree north of D2. D1 takes supply
within 50 km, D2 within 20 km; each needs 1000 kg. With 0.1 degree = 11.119508 km:
  A->D1   0 km: saved 90 - 0                     = 90.0     kg CO2e  (the single best pair)
  A->D2  11.12 km: saved 90 - 11.119508 x 0.1     = 88.888049
  B->D1  33.36 km: saved 90 - 33.358525 x 0.1     = 86.664148
  B->D2  44.48 km: beyond D2's 20 km, not allowed
Greedy takes A->D1 first; then A is used up and D1 is full, so D2 gets nothing: 90.0 in total.
Giving A to D2 and B to D1 serves both: 88.888049 + 86.664148 = 175.552197, which is the optimum
(each demand is served by at most the 1000 kg it needs, each supply gives at most 1000 kg, and no
other arcs exist), so greedy is worse here by 85.552197 kg CO2e.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from registry.matching.portfolio import Arc, greedy, optimise
from tests.matching_data import KM_PER_TENTH_DEGREE, demand, passport, put

SAVED_A_D2 = 90 - KM_PER_TENTH_DEGREE * 0.1
SAVED_B_D1 = 90 - 3 * KM_PER_TENTH_DEGREE * 0.1


def test_optimiser_beats_greedy_where_greedy_is_provably_worse(client: TestClient) -> None:
    put(client, "a", passport("A", 5.0, 52.0))
    put(client, "b", passport("B", 5.0, 52.3))
    body = {"demands": [demand(lat=52.0, radius=50, label="D1"), demand(lat=51.9, radius=20, label="D2")]}
    response = client.post("/match/portfolio", json=body)
    assert response.status_code == 200, response.text
    plan = response.json()
    assert plan["greedy"]["saved_kg"] == pytest.approx(90.0)
    assert plan["saved_kg"] == pytest.approx(SAVED_A_D2 + SAVED_B_D1, rel=1e-6)   # 175.552197
    assert plan["saved_kg"] - plan["greedy"]["saved_kg"] == pytest.approx(85.552197, abs=1e-5)
    pairs = {(a["supply"]["label"], a["demand_label"]): a["quantity"] for a in plan["allocations"]}
    assert pairs == {("A part", "D2"): pytest.approx(1000.0), ("B part", "D1"): pytest.approx(1000.0)}
    greedy_pairs = {(a["supply"]["label"], a["demand_index"]) for a in plan["greedy"]["allocations"]}
    assert greedy_pairs == {("A part", 0)}


def test_portfolio_splits_quantities_and_respects_supply_limits() -> None:
    # One item of 1000 kg, two demands of 600 kg; splitting serves 1000 kg in total, never more.
    arcs = [Arc(0, 0, 1000.0, 90.0, 0.0), Arc(0, 1, 1000.0, 80.0, 0.0)]
    plan = optimise(arcs, [600.0, 600.0], 1)
    given = {a.demand: a.quantity for a in plan.allocations}
    assert given == {0: pytest.approx(600.0), 1: pytest.approx(400.0)}
    assert plan.saved_kg == pytest.approx(0.6 * 90 + 0.4 * 80)   # 86.0


def test_transport_objective_covers_demand_with_least_transport() -> None:
    # Two items of 1000 kg can each cover the 1000 kg demand: 10 km (1.0 kg CO2e) or 30 km (3.0).
    arcs = [Arc(0, 0, 1000.0, 89.0, 1.0), Arc(1, 0, 1000.0, 87.0, 3.0)]
    plan = optimise(arcs, [1000.0], 2, objective="transport")
    assert [(a.supply, round(a.fraction, 6)) for a in plan.allocations] == [(0, 1.0)]
    assert plan.transport_kg == pytest.approx(1.0)


def test_greedy_baseline_on_the_same_arcs_is_worse() -> None:
    arcs = [Arc(0, 0, 1000.0, 90.0, 0.0), Arc(0, 1, 1000.0, SAVED_A_D2, 1.1),
            Arc(1, 0, 1000.0, SAVED_B_D1, 3.3)]
    assert greedy(arcs, [1000.0, 1000.0], 2).saved_kg == pytest.approx(90.0)
    assert optimise(arcs, [1000.0, 1000.0], 2).saved_kg == pytest.approx(SAVED_A_D2 + SAVED_B_D1)


def test_portfolio_bad_input_is_400(client: TestClient) -> None:
    assert client.post("/match/portfolio", json={"demands": []}).status_code == 400
    malformed = client.post("/match/portfolio", content=b"{", headers={"Content-Type": "application/json"})
    assert malformed.status_code == 400
    bad = client.post("/match/portfolio", json={"demands": [demand()], "objective": "speed"})
    assert bad.status_code == 400 and "objective" in bad.json()["detail"]
    assert client.post("/match/portfolio", json={"demands": ["nope"]}).status_code == 404
