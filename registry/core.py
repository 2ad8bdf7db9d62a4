"""The registry's domain core, assembled from settings: store, validator and services, nothing global."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode, RdfFormat, Triple

from registry.access.credentials import AccessControlledCredentials
from registry.access.demands import AccessControlledDemands
from registry.access.factors import AccessControlledFactorSets
from registry.access.imports import AccessControlledImports
from registry.access.indicators import AccessControlledIndicators
from registry.access.mappings import AccessControlledMappings
from registry.access.matching import AccessControlledMatching
from registry.access.passports import AccessControlledPassports
from registry.access.projection import restricted_properties
from registry.access.public import PublicProjection
from registry.access.reports import AccessControlledReports
from registry.access.secrets import skolem_key
from registry.access.sessions import SessionService
from registry.access.tenders import AccessControlledProfiles, TenderChecks
from registry.access.tokens import AccessControlledTokens, TokenService
from registry.auth import Authenticator
from registry.concepts import ConceptScheme
from registry.credentials.keys import KeyRing
from registry.credentials.service import CredentialService
from registry.credentials.status import StatusList
from registry.errors import Conflict
from registry.importers.mappings import MaterialMappings
from registry.indicators import IndicatorService
from registry.indicators.factorsets import FactorSets
from registry.matching import MatchingService, build_matching
from registry.namespaces import mpr
from registry.passports import Agent, PassportService
from registry.procurement.criteria import check_profile
from registry.reports.service import ReportService
from registry.settings import Settings
from registry.sparql.runner import QueryRunner
from registry.store.base import TripleStore
from registry.store.oxigraph import OxigraphStore
from registry.validation import Validator

LOADER = Agent(name="example-loader", organisation="registry", role="admin")


def open_store(settings: Settings) -> TripleStore:
    if settings.remote:
        from registry.store.sparql import SparqlStore  # only needed, and importable, for remote use

        return SparqlStore.from_settings(settings)
    return OxigraphStore(settings.data / "full")


def open_public_store(settings: Settings) -> TripleStore | None:
    """The public dataset's store (docs/architecture.md 2); None when a remote deployment did not configure one."""
    if settings.remote:
        if not settings.public_sparql_query:
            return None
        from registry.store.sparql import SparqlStore

        return SparqlStore.from_settings(settings, public=True)
    return OxigraphStore(settings.data / "public")


@dataclass
class Domain:
    """The domain services without the access rule: for wiring, loading files and the local operator's
    CLI. The HTTP layer never uses them (tests/test_access_routes.py holds it to that)."""

    passports: PassportService
    demands: PassportService
    indicators: IndicatorService
    matching: MatchingService
    credentials: CredentialService
    profiles: PassportService  # criteria profiles of procurers, versioned like passports
    mappings: MaterialMappings
    factor_sets: FactorSets  # organisations' carbon factor sets (issue 17)
    reports: ReportService  # urban mine and baselines, with the figures they keep between requests


@dataclass
class Registry:
    """The core a caller talks to: every service that reads or writes passport data takes the caller
    (an Agent) and applies the access rule of `registry.access` itself."""

    settings: Settings
    store: TripleStore
    validator: Validator
    concepts: ConceptScheme  # the ontology's concept schemes, shared by indicators, matching and importers
    tokens: TokenService  # unguarded: the local operator's CLI; HTTP goes through token_admin
    token_admin: AccessControlledTokens
    auth: Authenticator
    public_store: TripleStore | None  # public projection, queried by anonymous users and exchanges
    queries: QueryRunner
    domain: Domain
    passports: AccessControlledPassports
    demands: AccessControlledDemands
    imports: AccessControlledImports
    indicators: AccessControlledIndicators
    matching: AccessControlledMatching
    credentials: AccessControlledCredentials
    reports: AccessControlledReports
    profiles: AccessControlledProfiles
    tenders: TenderChecks
    mappings: AccessControlledMappings
    factor_sets: AccessControlledFactorSets

    def close(self) -> None:
        self.domain.indicators.close()  # its background worker reads the store
        self.queries.close()
        self.store.close()
        if self.public_store is not None:
            self.public_store.close()


def credential_service(settings: Settings, store: TripleStore) -> CredentialService:
    """Keys live in the data folder (never the store: registry/credentials/keys.py); made on first use."""
    return CredentialService(KeyRing(settings.keys_dir or settings.data / "keys"), StatusList(store, settings.base),
                             settings.base,
                             settings.max_body_bytes)


def _claiming_status(
    passports: PassportService, status: StatusList, then: Callable[[str, int, Sequence[Triple]], None] | None
) -> Callable[[str, int, Sequence[Triple]], None]:
    """Every new passport version claims its status-list entry as it is written, so that fetching its
    credential (an anonymous GET) finds the entry instead of writing one. A withdrawal has no content
    and no credential. Versions written before this hook (or whose claim a crash cut off) still claim
    theirs on first use (registry/credentials/status.py)."""

    def changed(record_id: str, version: int, content: Sequence[Triple]) -> None:
        if then is not None:
            then(record_id, version, content)
        if content:
            status.index(passports.names(record_id).iri, version)

    return changed


def _guarded(
    domain: Domain, restricted: frozenset[NamedNode], concepts: ConceptScheme, settings: Settings,
    validator: Validator,
) -> dict[str, Any]:
    passports = AccessControlledPassports(domain.passports, restricted)
    demands = AccessControlledDemands(domain.demands, domain.matching, restricted)
    profiles = AccessControlledProfiles(domain.profiles, restricted, validator)
    mappings = AccessControlledMappings(domain.mappings)
    factor_sets = AccessControlledFactorSets(domain.factor_sets)
    return {
        "factor_sets": factor_sets,
        "profiles": profiles,
        "tenders": TenderChecks(passports, profiles, validator),
        "passports": passports,
        "demands": demands,
        "mappings": mappings,
        "imports": AccessControlledImports(passports, concepts, settings.base, mappings),
        "indicators": AccessControlledIndicators(passports, domain.indicators, factor_sets),
        "matching": AccessControlledMatching(domain.matching, demands),
        "credentials": AccessControlledCredentials(domain.credentials, passports, restricted, concepts.label),
        "reports": AccessControlledReports(passports, domain.reports),
    }


def _all_of(
    hooks: list[Callable[[str, int, Sequence[Triple]], None]],
) -> Callable[[str, int, Sequence[Triple]], None] | None:
    """One on_change hook that calls each of `hooks` in order (None when there are none)."""
    if not hooks:
        return None

    def changed(record_id: str, version: int, content: Sequence[Triple]) -> None:
        for hook in hooks:
            hook(record_id, version, content)
    return changed


def build_registry(
    settings: Settings, store: TripleStore | None = None, public_store: TripleStore | None = None
) -> Registry:
    """Open (or take) the stores and wire the services; the public projection is repaired on the way."""
    if store is None:
        store, public_store = open_store(settings), open_public_store(settings)
    validator = Validator(settings.shapes_dir, settings.ontology_dir, settings.validation_engine)
    concepts = ConceptScheme.load(settings.ontology_dir)
    restricted = restricted_properties(validator.ontology)
    passports = PassportService(store, validator, settings.base, skolem_key=skolem_key(store, settings.base))
    hooks: list[Callable[[str, int, Sequence[Triple]], None]] = []
    if public_store is not None:
        projection = PublicProjection(passports, public_store, restricted)
        hooks.append(projection.sync)
        projection.repair()
    tokens = TokenService(store, settings.base)
    matching = build_matching(store, validator, settings.base, concepts, passports)
    indicators = IndicatorService(store, settings.base, concepts, validator)
    if settings.indicators_at_write:  # after the projection: its sync is part of the write, this is not
        hooks.append(indicators.summarise_after_writes().after_write)
    passports.on_change = _all_of(hooks)
    profiles = PassportService(store, validator, settings.base, collection="profiles",
                               anchor=mpr("CriteriaProfile"), noun="profile", check_content=check_profile,
                               skolem_key=passports.skolem_key)
    domain = Domain(passports=passports, demands=matching.demands, matching=matching, indicators=indicators,
                    credentials=credential_service(settings, store), profiles=profiles,
                    mappings=MaterialMappings(store, settings.base, concepts),
                    factor_sets=FactorSets(store, settings.base, concepts),
                    reports=ReportService(passports, indicators, concepts))
    domain.credentials.keys.current()  # the first start makes the signing key, before any request needs it
    passports.on_change = _claiming_status(passports, domain.credentials.status, passports.on_change)
    return Registry(
        settings=settings,
        store=store,
        validator=validator,
        concepts=concepts,
        tokens=tokens,
        token_admin=AccessControlledTokens(tokens),
        auth=Authenticator(settings.admin_token, tokens,
                           SessionService(store, tokens, timedelta(hours=settings.session_hours))),
        public_store=public_store,
        queries=QueryRunner(settings.query_timeout_s, settings.max_concurrent_queries,
                            None if settings.remote else settings.data / "query-copies"),
        domain=domain,
        **_guarded(domain, restricted, concepts, settings, validator),
    )


def passport_files(folder: Path) -> list[Path]:
    """Passport documents in a folder, by extension pyoxigraph knows."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and RdfFormat.from_extension(p.suffix[1:]))


def load_files(
    service: PassportService, files: Iterable[Path], agent: Agent = LOADER,
    progress: Callable[[Path], None] | None = None,
) -> list[str]:
    """Create or update one passport per file, its id the file's stem. Returns the ids written."""
    ids = []
    for path in files:
        fmt = RdfFormat.from_extension(path.suffix[1:])
        assert fmt is not None
        data = path.read_bytes()
        try:
            result = service.create(data, fmt, agent, passport_id=path.stem, reason=f"loaded from {path.name}")
        except Conflict:
            result, _created = service.replace(path.stem, data, fmt, agent, reason=f"reloaded from {path.name}")
        ids.append(result.id)
        if progress:
            progress(path)
    return ids


def load_examples_if_empty(registry: Registry) -> list[str]:
    if not registry.settings.load_examples or registry.domain.passports.count() > 0:
        return []
    folder = registry.settings.examples_dir / "passports"
    return load_files(registry.domain.passports, passport_files(folder))
