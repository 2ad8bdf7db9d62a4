"""The registry's domain core, assembled from settings: store, validator and services, nothing global."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import RdfFormat

from registry.auth import Authenticator
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
    return OxigraphStore(settings.data)


@dataclass
class Registry:
    settings: Settings
    store: TripleStore
    validator: Validator
    passports: PassportService
    auth: Authenticator
    queries: QueryRunner
    indicators: IndicatorService
    matching: MatchingService  # also holds the demands collection (matching.demands)

    def close(self) -> None:
        self.queries.close()
        self.store.close()


def build_registry(settings: Settings, store: TripleStore | None = None) -> Registry:
    store = store if store is not None else open_store(settings)
    validator = Validator(settings.shapes_dir, settings.ontology_dir)
    return Registry(
        settings=settings,
        store=store,
        validator=validator,
        passports=PassportService(store, validator, settings.base),
        auth=Authenticator(settings.admin_token),
        queries=QueryRunner(settings.query_timeout_s, settings.max_concurrent_queries),
        indicators=IndicatorService(store, settings.base, settings.ontology_dir, validator),
        matching=build_matching(store, validator, settings.base, settings.ontology_dir),
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
    if not registry.settings.load_examples or registry.passports.count() > 0:
        return []
    folder = registry.settings.examples_dir / "passports"
    return load_files(registry.passports, passport_files(folder))
