"""The registry's domain core, assembled from settings: store, validator and services, nothing global."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode, RdfFormat

from registry.access.demands import AccessControlledDemands
from registry.access.imports import AccessControlledImports
from registry.access.indicators import AccessControlledIndicators
from registry.access.matching import AccessControlledMatching
from registry.access.passports import AccessControlledPassports
from registry.access.projection import restricted_properties
from registry.access.public import PublicProjection
from registry.access.secrets import skolem_key
from registry.access.sessions import SessionService
from registry.access.tokens import TokenService
from registry.auth import Authenticator
from registry.concepts import ConceptScheme
from registry.errors import Conflict
from registry.indicators import IndicatorService
from registry.matching import MatchingService, build_matching
from registry.passports import Agent, PassportService
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


@dataclass
class Registry:
    """The core a caller talks to: every service that reads or writes passport data takes the caller
    (an Agent) and applies the access rule of `registry.access` itself."""

    settings: Settings
    store: TripleStore
    validator: Validator
    concepts: ConceptScheme  # the ontology's concept schemes, shared by indicators, matching and importers
    tokens: TokenService
    auth: Authenticator
    public_store: TripleStore | None  # public projection, queried by anonymous users and exchanges
    queries: QueryRunner
    domain: Domain
    passports: AccessControlledPassports
    demands: AccessControlledDemands
    imports: AccessControlledImports
    indicators: AccessControlledIndicators
    matching: AccessControlledMatching

    def close(self) -> None:
        self.queries.close()
        self.store.close()
        if self.public_store is not None:
            self.public_store.close()


def _guarded(
    domain: Domain, restricted: frozenset[NamedNode], concepts: ConceptScheme, settings: Settings
) -> dict[str, Any]:
    passports = AccessControlledPassports(domain.passports, restricted)
    demands = AccessControlledDemands(domain.demands, domain.matching, restricted)
    return {
        "passports": passports,
        "demands": demands,
        "imports": AccessControlledImports(passports, concepts, settings.base),
        "indicators": AccessControlledIndicators(passports, domain.indicators),
        "matching": AccessControlledMatching(domain.matching, demands),
    }


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
    if public_store is not None:
        projection = PublicProjection(passports, public_store, restricted)
        passports.on_change = projection.sync
        projection.repair()
    tokens = TokenService(store, settings.base)
    matching = build_matching(store, validator, settings.base, concepts, passports)
    domain = Domain(passports=passports, demands=matching.demands, matching=matching,
                    indicators=IndicatorService(store, settings.base, concepts, validator))
    return Registry(
        settings=settings,
        store=store,
        validator=validator,
        concepts=concepts,
        tokens=tokens,
        auth=Authenticator(settings.admin_token, tokens,
                           SessionService(store, tokens, timedelta(hours=settings.session_hours))),
        public_store=public_store,
        queries=QueryRunner(settings.query_timeout_s, settings.max_concurrent_queries,
                            None if settings.remote else settings.data / "query-copies"),
        domain=domain,
        **_guarded(domain, restricted, concepts, settings),
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
