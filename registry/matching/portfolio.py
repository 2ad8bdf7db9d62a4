"""Portfolio matching: many demands against many supply items at once.

Why a linear programme (HiGHS through scipy.optimize.linprog) rather than ranking each demand on
its own: a supply item given to one demand is lost to the others, so picking the best pair first
(greedy) can leave a demand with nothing while a slightly worse pair would have served both.

Model (a transportation problem): y[a] in [0, 1] is the fraction of supply item i(a) given to
demand j(a) along arc a. Each item is given at most once in total (sum over its arcs <= 1); each
demand receives at most what it needs in its own unit (sum of q[a] * y[a] <= need[j]); quantities
may be split. Objective "carbon": maximise the carbon saved, sum of saved[a] * y[a]. Objective
"transport": first maximise the share of every demand that is covered, then, keeping that, minimise
transport carbon. The greedy baseline is kept here so tests and benchmarks compare on equal data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix, vstack

from registry.errors import MalformedInput

OBJECTIVES = ("carbon", "transport")


@dataclass(frozen=True)
class Arc:
    """Supply item `supply` may serve demand `demand`: giving all of it supplies `quantity` (in the
    demand's unit), saves `saved_kg` CO2e and costs `transport_kg` CO2e of transport."""

    supply: int
    demand: int
    quantity: float
    saved_kg: float
    transport_kg: float


@dataclass(frozen=True)
class Allocation:
    supply: int
    demand: int
    fraction: float
    quantity: float
    saved_kg: float
    transport_kg: float


@dataclass
class Plan:
    allocations: list[Allocation]
    method: str

    @property
    def saved_kg(self) -> float:
        return sum(a.saved_kg for a in self.allocations)

    @property
    def transport_kg(self) -> float:
        return sum(a.transport_kg for a in self.allocations)


def _allocations(arcs: Sequence[Arc], y: np.ndarray) -> list[Allocation]:
    return [Allocation(a.supply, a.demand, float(f), a.quantity * float(f), a.saved_kg * float(f),
                       a.transport_kg * float(f))
            for a, f in zip(arcs, y, strict=True) if f > 1e-9]


def _constraints(arcs: Sequence[Arc], needs: Sequence[float], n_supply: int) -> tuple[csr_matrix, np.ndarray]:
    n = len(arcs)
    rows = [a.supply for a in arcs] + [n_supply + a.demand for a in arcs]
    cols = list(range(n)) * 2
    vals = [1.0] * n + [a.quantity for a in arcs]
    matrix = csr_matrix((vals, (rows, cols)), shape=(n_supply + len(needs), n))
    return matrix, np.concatenate([np.ones(n_supply), np.asarray(needs, dtype=float)])


def optimise(arcs: Sequence[Arc], needs: Sequence[float], n_supply: int, objective: str = "carbon") -> Plan:
    """The optimal plan (HiGHS). `needs[j]` is demand j's quantity in its own unit."""
    if objective not in OBJECTIVES:
        raise MalformedInput(f"objective {objective!r} is not one of {', '.join(OBJECTIVES)}")
    arcs = [a for a in arcs if a.quantity > 0 and (objective != "carbon" or a.saved_kg > 0)]
    if not arcs:
        return Plan([], "linprog-highs")
    a_ub, b_ub = _constraints(arcs, needs, n_supply)
    bounds = (0.0, 1.0)
    if objective == "carbon":
        result = linprog(-np.array([a.saved_kg for a in arcs]), A_ub=a_ub, b_ub=b_ub, bounds=bounds,
                         method="highs")
    else:
        cover = np.array([a.quantity / needs[a.demand] if needs[a.demand] > 0 else 0.0 for a in arcs])
        first = linprog(-cover, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
        best = -first.fun
        a_ub = vstack([a_ub, csr_matrix(-cover)])
        b_ub = np.append(b_ub, -best * (1 - 1e-9))
        result = linprog(np.array([a.transport_kg for a in arcs]), A_ub=a_ub, b_ub=b_ub, bounds=bounds,
                         method="highs")
    if result.status != 0:
        raise RuntimeError(f"the optimiser did not solve the plan: {result.message}")
    return Plan(_allocations(arcs, result.x), "linprog-highs")


def greedy(arcs: Sequence[Arc], needs: Sequence[float], n_supply: int) -> Plan:
    """Baseline: take arcs by carbon saved (largest first), give each as much as is left on both sides."""
    left_supply = [1.0] * n_supply
    left_need = list(needs)
    allocations = []
    for arc in sorted(arcs, key=lambda a: a.saved_kg, reverse=True):
        if arc.saved_kg <= 0 or arc.quantity <= 0:
            continue
        fraction = min(left_supply[arc.supply], left_need[arc.demand] / arc.quantity)
        if fraction <= 1e-12:
            continue
        left_supply[arc.supply] -= fraction
        left_need[arc.demand] -= fraction * arc.quantity
        allocations.append(Allocation(arc.supply, arc.demand, fraction, arc.quantity * fraction,
                                      arc.saved_kg * fraction, arc.transport_kg * fraction))
    return Plan(allocations, "greedy")
