"""Reports over many passports (urban mine, organisation baselines) for a caller, now or at a moment.

A report covers the passports the caller may read, at the versions it may read: now, the list the
passport guard gives; at an earlier moment (`?at=`), the versions current then that the caller may
read (a version published as restricted stays hidden from outsiders, registry/access/records.py).
An organisation's baseline covers the passports it owns: its own members, auditors and admins see all
of them, everyone else the public ones only, so a baseline never reveals a restricted passport.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from registry.access.passports import AccessControlledPassports
from registry.concepts import ConceptScheme
from registry.indicators.service import IndicatorService
from registry.passports.model import Agent
from registry.reports.baseline import Baseline, figures, progress
from registry.reports.past import PastIndicators
from registry.reports.scope import Scope, all_pages, current_scope, snapshot_scope
from registry.reports.urban_mine import RegionFilter, UrbanMine, urban_mine_over


class AccessControlledReports:
    def __init__(self, passports: AccessControlledPassports, indicators: IndicatorService,
                 concepts: ConceptScheme) -> None:
        self.passports = passports
        self.indicators = indicators
        self.concepts = concepts
        self.past = PastIndicators()  # past versions' baseline figures, kept between requests `?at=` (reports/past.py)

    def _scope(self, agent: Agent, moment: datetime | None, owner: str | None = None) -> Scope:
        """`owner` set: a baseline, whose figures of past versions are kept between requests (reports/past.py)."""
        if moment is None:
            if owner is None:
                return current_scope(self.indicators, all_pages(partial(self.passports.page, agent)))
            return current_scope(self.indicators, self.passports.owned(agent, owner), self.past)
        chosen = self.passports.visible_at(agent, moment, owner)
        return snapshot_scope(self.passports.passports, self.concepts, chosen, moment,
                              self.past if owner is not None else None)

    def urban_mine(self, agent: Agent, moment: datetime | None = None,
                   regions: RegionFilter | None = None) -> UrbanMine:
        return urban_mine_over(self._scope(agent, moment), regions or RegionFilter())

    def baseline(self, agent: Agent, organisation: str, moment: datetime | None = None) -> Baseline:
        """The figures at `moment` (the baseline year), and, when that lies in the past, now and the progress."""
        base = figures(self._scope(agent, moment, organisation))
        if moment is None or moment >= datetime.now(UTC):
            return Baseline(organisation, base)
        current = figures(self._scope(agent, None, organisation))
        return Baseline(organisation, base, current, progress(base, current))
