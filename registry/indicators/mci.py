"""The Material Circularity Indicator (MCI) as pure functions on plain numbers.

Why pure functions: every figure must be reproducible by hand from the published formula, so the
arithmetic lives here, apart from any RDF or store code, and the tests check it term by term.

Method: Ellen MacArthur Foundation and Granta Design, "Circularity Indicators: An Approach to Measuring
Circularity. Methodology" (2015), as revised in 2019 (sustained production F_S; composting C_C and energy
recovery C_E in the unrecoverable waste). docs/methods.md lists the sources and what was checked where: the
PDF could not be read from here; V, W0 with C_C and C_E, C_E = E_E B_C, W_C, W_F, LFI and F(X) agree with
public implementations of the 2019 method (CircularEcoBIM, snippets/MCI_calculator.py, which defines
E_E = E_R / (HHV M_B)); the wording of the biological-cycle condition and the defaults are not verified.

    V    = M (1 - F_R - F_U - F_S)                 virgin feedstock
    W0   = M (1 - C_R - C_U - C_C - C_E)           unrecoverable waste from the product itself
    C_E  = E_E B_C                                 energy recovered: efficiency x share sent to recovery
    W_C  = M (1 - E_C) C_R                         waste from recycling the product at end of life
    W_F  = M (1 - E_F) F_R / E_F                   waste from producing the recycled feedstock
    W    = W0 + (W_F + W_C) / 2
    LFI  = (V + W) / (2M + (W_F - W_C) / 2)        linear flow index, 0 (restorative) .. 1 (linear)
    X    = (L / L_av) (U / U_av)                    utility
    F(X) = 0.9 / X
    MCI  = max(0, 1 - LFI F(X))                    product level

F_R, F_U: recycled and reused input fractions. F_S: the input from sustained production (biological
material from sustainably managed sources); it counts only with evidence (mpr:sustainedProductionEvidence,
e.g. an FSC/PEFC certificate), renewable content without evidence counts as virgin. C_R, C_U: fractions
collected for recycling and for reuse at end of life. C_C (composted) and B_C (sent to energy recovery)
are routes of the biological cycle: they count only for material whose input is evidenced as sustained
production, otherwise they are unrecoverable waste like landfill. E_C, E_F, E_E: efficiencies of end-of-life
recycling, of the process that made the recycled input, and of energy recovery.

Defaults where a composition states no efficiency (docs/methods.md, "MCI defaults"): the methodology asks
for process data and, lacking it, generic industry data; no such data set with an open licence was found,
so E_C and E_F take 1.0, the methodology's best case, and every figure that used it is marked an upper
bound (DEFAULT_EFFICIENCY_NOTE, counted per building); E_E takes 0.0: energy recovery earns no credit
without a stated efficiency. L, L_av, U, U_av: a part's (else its product type's) mpr:expectedLifetime,
mpr:industryAverageLifetime, mpr:functionalUnits, mpr:industryAverageFunctionalUnits; a ratio missing
either value counts as 1 (average utility).

Aggregation: a part's MCI is the product-level MCI of that part (its materials' flows summed). A building's
figure is the mass-weighted mean of its parts' product-level MCIs, sum(M_i MCI_i) / sum(M_i), the
methodology's aggregation over several products weighted by mass; it is not the MCI of the building as one
product. The "Madaster" variant (F(X) fixed at 0.9, efficiencies 0.75) was removed: the document it cited
could not be found, and Madaster's public API models other inputs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Method = Literal["emf"]
METHODS: tuple[Method, ...] = ("emf",)

# E_C and E_F where a composition states none: the methodology's best case (no generic data set with an open
# licence was found); figures that use it are upper bounds and say so.
DEFAULT_EFFICIENCY = 1.0
# E_E where none is stated: no credit for energy recovery without a stated efficiency.
DEFAULT_ENERGY_EFFICIENCY = 0.0
DEFAULT_EFFICIENCY_NOTE = ("E_C and E_F default to 1.0 (no process loss), the methodology's best case, because no "
                           "generic industry data set with an open licence was found: an MCI that used the default "
                           "is an upper bound")


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


def energy_recovered(sent_to_recovery: float, efficiency_energy: float) -> float:
    """C_E = E_E B_C."""
    return _fraction("E_E", efficiency_energy) * _fraction("B_C", sent_to_recovery)


def waste_unrecoverable(mass: float, collected_recycling: float, collected_reuse: float,
                        composted: float = 0.0, sent_to_recovery: float = 0.0, efficiency_energy: float = 0.0) -> float:
    """W0 = M (1 - C_R - C_U - C_C - C_E), with C_E = E_E B_C; the collected shares of one mass add up to at most 1."""
    routes = (_fraction("C_R", collected_recycling) + _fraction("C_U", collected_reuse)
              + _fraction("C_C", composted) + _fraction("B_C", sent_to_recovery))
    if routes > 1.0 + 1e-9:
        raise ValueError(f"C_R + C_U + C_C + B_C = {routes} exceeds 1")
    share = 1.0 - collected_recycling - collected_reuse - composted - energy_recovered(sent_to_recovery,
                                                                                        efficiency_energy)
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


@dataclass(frozen=True)
class Biological:
    """The biological-cycle inputs of one material: counted only with evidence of sustained production."""

    sustained: float = 0.0  # share of the input from sustained production (stated renewable content)
    composted: float = 0.0  # C_C
    sent_to_recovery: float = 0.0  # B_C
    evidenced: bool = False  # mpr:sustainedProductionEvidence given


def material_flows(
    mass: float, recycled: float = 0.0, reused: float = 0.0, biological: Biological = Biological(),
    collected_recycling: float = 0.0, collected_reuse: float = 0.0,
    efficiency_eol: float | None = None, efficiency_feedstock: float | None = None,
    efficiency_energy: float | None = None,
) -> Flows:
    """The flows of one material of a product; unstated efficiencies take the documented defaults."""
    if mass < 0:
        raise ValueError(f"mass must not be negative, not {mass}")
    ec = efficiency_eol if efficiency_eol is not None else DEFAULT_EFFICIENCY
    ef = efficiency_feedstock if efficiency_feedstock is not None else DEFAULT_EFFICIENCY
    ee = efficiency_energy if efficiency_energy is not None else DEFAULT_ENERGY_EFFICIENCY
    b = biological
    # Shares are checked whether or not they count, so one bad value is refused whatever the evidence says.
    _fraction("F_S", b.sustained), _fraction("C_C", b.composted), _fraction("B_C", b.sent_to_recovery)
    counted = b if b.evidenced else Biological()
    return Flows(
        mass=mass,
        virgin=virgin_feedstock(mass, recycled, reused, counted.sustained),
        w0=waste_unrecoverable(mass, collected_recycling, collected_reuse, counted.composted,
                               counted.sent_to_recovery, ee),
        wc=waste_recycling_eol(mass, collected_recycling, ec),
        wf=waste_recycled_feedstock(mass, recycled, ef),
    )


def product_mci(flows: Flows, x: float = 1.0) -> float:
    """Product-level MCI from the sum of its materials' flows."""
    return mci_from(linear_flow_index(flows), utility_factor(x))


def mass_weighted(values: Iterable[tuple[float, float]]) -> float | None:
    """Sum(M_i x_i) / Sum(M_i) over (mass, x) pairs: a product's or building's MCI from its parts', and the DGBC
    detachability of a layer or building from its elements'; None when there is no mass at all."""
    total = weighted = 0.0
    for mass, value in values:
        total += mass
        weighted += mass * value
    return weighted / total if total > 0 else None
