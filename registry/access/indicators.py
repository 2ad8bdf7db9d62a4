"""Indicators and the urban mine report for a caller: figures of passports it may see, and the residual
value (restricted data) only for those who see the passport in full."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from registry.access.factors import AccessControlledFactorSets
from registry.access.passports import AccessControlledPassports
from registry.access.policy import sees_full
from registry.errors import Gone, NotFound
from registry.indicators.mci import Method
from registry.indicators.service import Indicators, IndicatorService
from registry.passports.model import Agent
from registry.reports.urban_mine import RegionFilter, UrbanMine, urban_mine


@dataclass(frozen=True)
class IndicatorView:
    indicators: Indicators
    full: bool  # False: restricted figures (residual value) are left out

    def as_dict(self, with_parts: bool = False) -> dict[str, object]:
        return self.indicators.as_dict(with_parts=with_parts, with_restricted=self.full)


class AccessControlledIndicators:
    def __init__(self, passports: AccessControlledPassports, indicators: IndicatorService,
                 factor_sets: AccessControlledFactorSets | None = None) -> None:
        self.passports = passports
        self.indicators = indicators
        self.factor_sets = factor_sets

    def compute(
        self, agent: Agent, passport_id: str, method: Method = "emf", warnings: bool = True, parts: bool = False,
        factors: str | None = None,
    ) -> IndicatorView:
        """404 and 410 exactly as reading the passport gives them, before anything is computed; a factor set
        (`ORG/SET[@VERSION]`) only if the caller may read it, else 404 as for a set that does not exist."""
        record = self.passports.record(agent, passport_id)
        if record.status == "withdrawn":
            raise Gone(f"passport {passport_id!r} was withdrawn at version {record.version}")
        chosen = None
        if factors is not None:
            if self.factor_sets is None:
                raise NotFound("this registry holds no carbon factor sets")
            chosen = self.factor_sets.for_indicators(agent, factors)
        result = self.indicators.compute(passport_id, method, warnings, parts, chosen)
        return IndicatorView(result, sees_full(agent, record.owner))

    def pending(self, agent: Agent, passport_id: str, method: Method = "emf") -> dict[str, int | None] | None:
        """IndicatorService.pending for a passport the caller may read (404 and 410 as compute gives them)."""
        record = self.passports.record(agent, passport_id)
        if record.status == "withdrawn":
            raise Gone(f"passport {passport_id!r} was withdrawn at version {record.version}")
        return self.indicators.pending(passport_id, method)

    def urban_mine(self, agent: Agent, regions: RegionFilter | None = None) -> UrbanMine:
        """Summed over the passports the caller may see (now; `Registry.reports` also at a moment)."""
        return urban_mine(partial(self.passports.page, agent), self.indicators, regions)
