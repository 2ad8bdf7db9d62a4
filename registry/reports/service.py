"""Reports over many passports (urban mine, organisation baselines), over the passports a caller may read.

Why a service of its own: a report keeps state between requests, the baseline figures of passport
versions (registry/reports/past.py), and that state belongs to the domain, next to the indicators it
was computed with, not to the access rule. The access layer (registry/access/reports.py) only chooses
which passports and versions a caller may see, and hands them here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial

from registry.concepts import ConceptScheme
from registry.indicators.service import IndicatorService
from registry.passports.service import PassportService
from registry.passports.timeline import VersionAt
from registry.reports.baseline import Baseline, describe, figures, progress
from registry.reports.past import PastIndicators
from registry.reports.scope import Scope, current_scope, snapshot_scope
from registry.reports.urban_mine import RegionFilter, UrbanMine, urban_mine_over


class ReportService:
    def __init__(self, passports: PassportService, indicators: IndicatorService, concepts: ConceptScheme) -> None:
        self.passports = passports
        self.indicators = indicators
        self.concepts = concepts
        self.past = PastIndicators()  # baseline figures of passport versions, kept between requests
        # Every summary stored from now on carries its passport's baseline entry, so a baseline's first call
        # reads those instead of every passport's layers, fractions and places (bench/RESULTS.md).
        indicators.describe = partial(describe, indicators.store)

    def now(self, versions: dict[str, int], owner: str | None = None) -> Scope:
        """These passports (IRI -> current version) now; `owner` set: a baseline, all of them its passports."""
        return current_scope(self.indicators, versions, self.past if owner is not None else None, owner)

    def at(self, chosen: Mapping[str, VersionAt], moment: datetime, owner: str | None = None,
           everything: Mapping[str, VersionAt] | None = None) -> Scope:
        """These versions as they were at `moment`, rebuilt from the history; `owner` set: a baseline.
        `everything`: the records' versions at `moment` (versions_at), when the caller has read them already:
        every record's, or with `owner` set that owner's (other records' are then read as needed)."""
        baseline = owner is not None
        return snapshot_scope(self.passports, self.concepts, chosen, moment, self.past if baseline else None,
                              everything, self.indicators if baseline else None, complete=not baseline)

    def urban_mine(self, scope: Scope, regions: RegionFilter | None = None) -> UrbanMine:
        return urban_mine_over(scope, regions or RegionFilter())

    def baseline(self, organisation: str, base: Scope, current: Callable[[], Scope] | None = None) -> Baseline:
        """The figures of `base` (the baseline moment); with `current` (the moment lies in the past), the
        figures now and the progress. `current` is made after the baseline's figures, which it may reuse."""
        then = figures(base)
        if current is None:
            return Baseline(organisation, then)
        later = figures(current())
        return Baseline(organisation, then, later, progress(then, later))
