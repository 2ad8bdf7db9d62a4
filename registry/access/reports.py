"""Reports over many passports (urban mine, organisation baselines) for a caller, now or at a moment.

A report covers the passports the caller may read, at the versions it may read: now, the list the
passport guard gives; at an earlier moment (`?at=`), the versions current then that the caller may
read (a version published as restricted stays hidden from outsiders, registry/access/records.py).
An organisation's baseline covers the passports it owns: its own members, auditors and admins see all
of them, everyone else the public ones only, so a baseline never reveals a restricted passport.
This is only the door: what the reports compute and keep is registry/reports/service.py.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from registry.access.passports import AccessControlledPassports
from registry.passports.model import Agent
from registry.passports.timeline import versions_at
from registry.reports.baseline import Baseline
from registry.reports.scope import Scope, all_pages
from registry.reports.service import ReportService
from registry.reports.urban_mine import RegionFilter, UrbanMine


class AccessControlledReports:
    def __init__(self, passports: AccessControlledPassports, reports: ReportService) -> None:
        self.passports = passports
        self.reports = reports

    def _scope(self, agent: Agent, moment: datetime | None, owner: str | None = None) -> Scope:
        """The passports and versions this caller may read (of `owner` only, if given: a baseline)."""
        if moment is None:
            if owner is None:
                return self.reports.now(all_pages(partial(self.passports.page, agent)))
            return self.reports.now(self.passports.owned(agent, owner), owner)
        everything = versions_at(self.passports.passports, moment, owner)  # read once, for both
        return self.reports.at(self.passports.visible_at(agent, moment, owner, everything), moment, owner, everything)

    def urban_mine(self, agent: Agent, moment: datetime | None = None,
                   regions: RegionFilter | None = None) -> UrbanMine:
        return self.reports.urban_mine(self._scope(agent, moment), regions)

    def baseline(self, agent: Agent, organisation: str, moment: datetime | None = None) -> Baseline:
        """The figures at `moment` (the baseline year), and, when that lies in the past, now and the progress."""
        base = self._scope(agent, moment, organisation)
        if moment is None or moment >= datetime.now(UTC):
            return self.reports.baseline(organisation, base)
        return self.reports.baseline(organisation, base, partial(self._scope, agent, None, organisation))
