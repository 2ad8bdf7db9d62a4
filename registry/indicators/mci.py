"""The Material Circularity Indicator (MCI) as pure functions on plain numbers.

Why pure functions: every figure must be reproducible by hand from the published formula, so the
arithmetic lives here, apart from any RDF or store code, and the tests check it term by term.

Method (Ellen MacArthur Foundation and Granta Design, "Circularity Indicators: An Approach to
Measuring Circularity. Methodology", 2015, with the 2019 update that adds sustained production F_S):

    V    = M (1 - F_R - F_U - F_S)                 virgin feedstock
    W0   = M (1 - C_R - C_U)                       unrecoverable waste from the product itself
    W_C  = M (1 - E_C) C_R                         waste from recycling the product at end of life
    W_F  = M (1 - E_F) F_R / E_F                   waste from producing the recycled feedstock
    W    = W0 + (W_F + W_C) / 2
    LFI  = (V + W) / (2M + (W_F - W_C) / 2)        linear flow index, 0 (restorative) .. 1 (linear)
    X    = (L / L_av) (U / U_av)                    utility
    F(X) = 0.9 / X
    MCI  = max(0, 1 - LFI F(X))

with F_R, F_U, F_S the recycled, reused and sustained-production (renewable) input fractions,
C_R, C_U the fractions collected for recycling and for reuse at end of life, E_C the efficiency of
recycling the product at end of life and E_F the efficiency of the process that made the recycled
input. The EMF method takes E_C and E_F from data (a composition's mpr:recyclingEfficiency and
mpr:feedstockRecyclingEfficiency); where a passport gives none, the registry's "emf" mode assumes 1.0
(no process loss, the upper bound of the method) and says so in the answer. L, L_av, U and U_av are a
part's (else its product type's) mpr:expectedLifetime, mpr:industryAverageLifetime, mpr:functionalUnits
and mpr:industryAverageFunctionalUnits; a ratio missing either value counts as 1 (average utility).

Madaster variant ("madaster"): Madaster's circularity indicator (Madaster Services B.V.,
"Madaster Circularity Indicator explained", 2018 and later editions) follows the same material-flow
formulas but does not use the utility factor: F(X) is fixed at 0.9 (equivalent to X = 1), and the
recycling efficiencies E_C and E_F default to 0.75 where no value is given. A product or building
MCI is the mass-weighted mean of its parts' MCIs in both modes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Method = Literal["emf", "madaster"]

EMF_DEFAULT_EFFICIENCY = 1.0
MADASTER_DEFAULT_EFFICIENCY = 0.75
MADASTER_FX = 0.9


@dataclass(frozen=True)
class Flows:
    """The material flows of one product (or the sum over its materials), in kg."""

    mass: float
    virgin: float
    w0: float
    wc: float
    wf: float

    @property
    def waste(self) -> float:
        return waste(self.w0, self.wc, self.wf)

    def __add__(self, other: Flows) -> Flows:
        return Flows(self.mass + other.mass, self.virgin + other.virgin, self.w0 + other.w0,
                     self.wc + other.wc, self.wf + other.wf)


ZERO = Flows(0.0, 0.0, 0.0, 0.0, 0.0)


def _fraction(name: str, value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a fraction from 0 to 1, not {value}")
    return value


def virgin_feedstock(mass: float, recycled: float, reused: float, sustained: float = 0.0) -> float:
    """V = M (1 - F_R - F_U - F_S)."""
    share = 1.0 - _fraction("F_R", recycled) - _fraction("F_U", reused) - _fraction("F_S", sustained)
    if share < -1e-9:
        raise ValueError(f"F_R + F_U + F_S = {1.0 - share} exceeds 1")
    return mass * max(0.0, share)


def waste_unrecoverable(mass: float, collected_recycling: float, collected_reuse: float) -> float:
    """W0 = M (1 - C_R - C_U)."""
    share = 1.0 - _fraction("C_R", collected_recycling) - _fraction("C_U", collected_reuse)
    if share < -1e-9:
        raise ValueError(f"C_R + C_U = {1.0 - share} exceeds 1")
    return mass * max(0.0, share)


def waste_recycling_eol(mass: float, collected_recycling: float, efficiency_eol: float) -> float:
    """W_C = M (1 - E_C) C_R."""
    return mass * (1.0 - _efficiency("E_C", efficiency_eol)) * _fraction("C_R", collected_recycling)


def waste_recycled_feedstock(mass: float, recycled: float, efficiency_feedstock: float) -> float:
    """W_F = M (1 - E_F) F_R / E_F."""
    e = _efficiency("E_F", efficiency_feedstock)
    return mass * (1.0 - e) * _fraction("F_R", recycled) / e


def _efficiency(name: str, value: float) -> float:
    if not 0.0 < value <= 1.0:
        raise ValueError(f"{name} must be in (0, 1], not {value}")
    return value


def waste(w0: float, wc: float, wf: float) -> float:
    """W = W0 + (W_F + W_C) / 2."""
    return w0 + (wf + wc) / 2.0


def linear_flow_index(flows: Flows) -> float:
    """LFI = (V + W) / (2M + (W_F - W_C) / 2); undefined (ValueError) for zero mass."""
    if flows.mass <= 0:
        raise ValueError("the linear flow index needs a positive mass")
    return (flows.virgin + flows.waste) / (2.0 * flows.mass + (flows.wf - flows.wc) / 2.0)


def utility(lifetime: float = 1.0, average_lifetime: float = 1.0, intensity: float = 1.0,
            average_intensity: float = 1.0) -> float:
    """X = (L / L_av) (U / U_av); 1 when the product is as long-lived and as intensely used as average."""
    if min(lifetime, average_lifetime, intensity, average_intensity) <= 0:
        raise ValueError("lifetimes and intensities of use must be positive")
    return (lifetime / average_lifetime) * (intensity / average_intensity)


def utility_factor(x: float) -> float:
    """F(X) = 0.9 / X."""
    if x <= 0:
        raise ValueError("the utility X must be positive")
    return 0.9 / x


def mci_from(lfi: float, fx: float) -> float:
    """MCI = max(0, 1 - LFI F(X))."""
    return max(0.0, 1.0 - lfi * fx)


def default_efficiency(method: Method) -> float:
    return MADASTER_DEFAULT_EFFICIENCY if method == "madaster" else EMF_DEFAULT_EFFICIENCY


def material_flows(
    mass: float, recycled: float = 0.0, reused: float = 0.0, sustained: float = 0.0,
    collected_recycling: float = 0.0, collected_reuse: float = 0.0,
    efficiency_eol: float | None = None, efficiency_feedstock: float | None = None,
    method: Method = "emf",
) -> Flows:
    """The flows of one material of a product; efficiencies default per method."""
    if mass < 0:
        raise ValueError(f"mass must not be negative, not {mass}")
    ec = efficiency_eol if efficiency_eol is not None else default_efficiency(method)
    ef = efficiency_feedstock if efficiency_feedstock is not None else default_efficiency(method)
    return Flows(
        mass=mass,
        virgin=virgin_feedstock(mass, recycled, reused, sustained),
        w0=waste_unrecoverable(mass, collected_recycling, collected_reuse),
        wc=waste_recycling_eol(mass, collected_recycling, ec),
        wf=waste_recycled_feedstock(mass, recycled, ef),
    )


def product_mci(flows: Flows, x: float = 1.0, method: Method = "emf") -> float:
    """MCI of one product from the sum of its materials' flows; Madaster fixes F(X) at 0.9."""
    fx = MADASTER_FX if method == "madaster" else utility_factor(x)
    return mci_from(linear_flow_index(flows), fx)


def mass_weighted(values: Iterable[tuple[float, float]]) -> float | None:
    """Sum(M_i MCI_i) / Sum(M_i) over (mass, mci) pairs; None when there is no mass at all."""
    total = weighted = 0.0
    for mass, value in values:
        total += mass
        weighted += mass * value
    return weighted / total if total > 0 else None
