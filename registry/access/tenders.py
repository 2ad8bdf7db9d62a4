"""Criteria profiles and tender checks for a caller.

Profiles are versioned records like passports (registry/access/records.py): procurers (and admins)
write their own organisation's; a profile marked `mpr:visibility mpr:Restricted` is a draft only its
organisation and auditors see, and publishing it is a new version without that mark. A tender check
reads offers exactly as the caller may read them (a passport it may not see is 404), with the product
types they refer to as far as the caller may see those, and stores nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyoxigraph import NamedNode, RdfFormat, Triple

from registry.access.passports import AccessControlledPassports
from registry.access.policy import PROFILE_WRITERS
from registry.access.records import GuardedRecords
from registry.errors import Conflict, MalformedInput, NotFound
from registry.indicators.data import graph_of
from registry.namespaces import mpr
from registry.nesting import load_json
from registry.passports.model import Agent, ChangeInfo, Diff, Page, WriteResult, diff_of
from registry.passports.service import PassportService
from registry.procurement.criteria import Profile, read_profile
from registry.procurement.tender import Offer, TenderReport, check_offers
from registry.validation import Validator

INSTANCE_OF = mpr("instanceOf")
MAX_OFFERS = 200
CHECK_FORM = '{"profile": NAME, "passports": [ID, ...]} or {"profile": NAME, "organisation": ORG}'


class AccessControlledProfiles(GuardedRecords):
    def __init__(self, profiles: PassportService, restricted: frozenset[NamedNode], validator: Validator) -> None:
        super().__init__(profiles, restricted, PROFILE_WRITERS)
        self.validator = validator

    def shipped(self) -> list[str]:
        return self.validator.profiles()

    def _not_shipped(self, record_id: str | None) -> None:
        if record_id in self.validator.source.profiles:
            raise Conflict(f"{record_id!r} is the name of a shipped profile; choose another id")

    def create(self, agent: Agent, data: bytes, fmt: RdfFormat, record_id: str | None = None,
               reason: str | None = None) -> WriteResult:
        self.check_writer(agent)
        self._not_shipped(record_id)
        return super().create(agent, data, fmt, record_id, reason)

    def replace(self, agent: Agent, record_id: str, data: bytes, fmt: RdfFormat, expected_version: int | None = None,
                reason: str | None = None) -> tuple[WriteResult, bool]:
        self.check_writer(agent)
        self._not_shipped(record_id)
        return super().replace(agent, record_id, data, fmt, expected_version, reason)

    def history(self, agent: Agent, profile_id: str) -> list[ChangeInfo]:
        """Changes that made a version the caller may not read (a draft of another organisation) are left out."""
        hidden = self.hidden_versions(agent, self.record(agent, profile_id))
        return [c for c in self.records.history(profile_id) if c.version not in hidden]

    def diff(self, agent: Agent, profile_id: str, from_version: int, to_version: int) -> Diff:
        old = self.content(agent, profile_id, from_version).triples
        new = self.content(agent, profile_id, to_version).triples
        return diff_of(from_version, to_version, old, new)

    def page(self, agent: Agent, offset: int = 0, limit: int = 50) -> Page:
        visible: str | bool | None = True if agent.role in ("auditor", "admin") else agent.organisation
        return self.records.list(offset, limit, visible_to=visible)

    def profile(self, agent: Agent, name: str, version: int | None = None) -> Profile:
        """A shipped profile by name (shapes/profiles/NAME.ttl), else a stored one the caller may read."""
        if name in self.validator.source.profiles and version is None:
            return read_profile(name, self.validator.source.profiles[name])
        try:
            view = self.content(agent, name, version)
        except NotFound as exc:
            raise NotFound(f"no profile {name!r}; shipped: {', '.join(self.shipped())}") from exc
        return read_profile(name, view.triples, view.version)


class TenderChecks:
    def __init__(self, passports: AccessControlledPassports, profiles: AccessControlledProfiles,
                 validator: Validator) -> None:
        self.passports = passports
        self.profiles = profiles
        self.validator = validator

    def offer(self, agent: Agent, passport_id: str) -> Offer:
        view = self.passports.content(agent, passport_id)
        graphs = {view.record.iri: list(view.triples)}
        versions = {view.record.iri: view.version}
        types = {graph_of(t.object.value) for t in view.triples
                 if t.predicate == INSTANCE_OF and isinstance(t.object, NamedNode)} - set(graphs)
        base = f"{self.passports.passports.base}/passports/"
        for graph in sorted(types):
            if not graph.startswith(base):
                continue
            try:
                typed = self.passports.content(agent, graph[len(base):])
            except NotFound:
                continue  # a product type the caller may not see counts as not shown
            graphs[graph] = list(typed.triples)
            versions[graph] = typed.version
        return Offer(passport_id, view.version, graphs, versions)

    def check(self, agent: Agent, profile: str, passports: Sequence[str]) -> TenderReport:
        chosen = self.profiles.profile(agent, profile)
        if not passports:
            raise MalformedInput("name at least one passport to check")
        if len(passports) > MAX_OFFERS:
            raise MalformedInput(f"at most {MAX_OFFERS} passports per check; {len(passports)} were named")
        offers = [self.offer(agent, p) for p in dict.fromkeys(passports)]
        vocabulary: list[Triple] = list(self.validator.source.vocabulary)
        return check_offers(chosen, offers, vocabulary)

    def check_request(self, agent: Agent, body: bytes) -> TenderReport:
        """From a JSON body: a profile and passports, or a whole organisation's catalogue."""
        request = load_json(body)
        if not isinstance(request, dict) or not isinstance(request.get("profile"), str):
            raise MalformedInput(f"send {CHECK_FORM}")
        passports = request.get("passports")
        organisation = request.get("organisation")
        if isinstance(organisation, str) and passports is None:
            passports = sorted(iri.rsplit("/", 1)[-1] for iri in self.passports.owned(agent, organisation))
        if not isinstance(passports, list) or not all(isinstance(p, str) for p in passports):
            raise MalformedInput(f"send {CHECK_FORM}")
        return self.check(agent, request["profile"], passports)
