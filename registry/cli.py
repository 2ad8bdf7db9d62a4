"""`mpr`: the registry from the command line. Options override `MPR_*` environment variables."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from pyoxigraph import RdfFormat
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from registry.concepts import ConceptScheme
from registry.core import LOADER, Registry, build_registry, load_files
from registry.errors import InvalidPassport, RegistryError
from registry.settings import Settings
from registry.sparql.guard import check
from registry.store.oxigraph import OxigraphStore
from registry.validation import DEFAULT_ENGINE, ENGINES, check_engine

app = typer.Typer(help="Material Passport Registry", no_args_is_help=True, add_completion=False)
# Piped output (scripts, tests) gets wide lines instead of rich's 80-column truncation.
out = Console(width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True)

DataOption = typer.Option(None, "--data", help="Folder of the embedded store [env MPR_DATA, default ./data]")
QueryUrl = typer.Option(None, "--sparql-query", help="Remote SPARQL query endpoint [env MPR_SPARQL_QUERY]")
UpdateUrl = typer.Option(None, "--sparql-update", help="Remote SPARQL update endpoint [env MPR_SPARQL_UPDATE]")
GraphStoreUrl = typer.Option(None, "--graph-store", help="Graph Store Protocol endpoint [env MPR_GRAPH_STORE]")
WORKER_HEALTHCHECK_S = 120  # see serve(): how long a starting or busy worker may take to answer uvicorn's ping


def _settings(**overrides: Any) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[red]error:[/red] {message}", soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def _registry(data: Path | None, sparql_query: str | None, sparql_update: str | None) -> Iterator[Registry]:
    """The registry for one command over the local (or a remote) store; its errors end the command."""
    settings = _settings(data=data, sparql_query=sparql_query, sparql_update=sparql_update, load_examples=False)
    try:
        registry = build_registry(settings)
    except RegistryError as exc:
        _fail(f"{exc.message} (is a server using this store? stop it or use its HTTP API)")
        raise
    try:
        yield registry
    except InvalidPassport as exc:
        for r in exc.extra["report"].violations:
            err.print(f"  {r.focus_label or r.focus_node} {r.path or ''}: {r.message}", soft_wrap=True)
        _fail(exc.message, 1)
    except RegistryError as exc:
        _fail(exc.message, 1)
    finally:
        registry.close()


def _format_of(path: Path) -> RdfFormat:
    fmt = RdfFormat.from_extension(path.suffix[1:])
    if fmt is None:
        _fail(f"{path}: unknown RDF file extension {path.suffix!r}")
    assert fmt is not None
    return fmt


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on"),
    port: int = typer.Option(8000, help="Port to listen on"),
    data: Path | None = DataOption,
    examples: bool = typer.Option(True, "--examples/--no-examples", help="Load examples/ into an empty store"),
    workers: int = typer.Option(1, help="Worker processes (a remote store is needed for more than one)"),
    base_url: str | None = typer.Option(None, help="Public URL, used to mint passport IRIs [env MPR_BASE_URL]"),
    admin_token: str | None = typer.Option(None, help="Token for writes and SPARQL updates [env MPR_ADMIN_TOKEN]"),
    sparql_query: str | None = QueryUrl,
    sparql_update: str | None = UpdateUrl,
    graph_store: str | None = GraphStoreUrl,
) -> None:
    """Start the registry (embedded Oxigraph store in DATA unless a SPARQL server is given)."""
    import uvicorn

    settings = _settings(
        data=data, load_examples=examples, base_url=base_url or f"http://{host}:{port}",
        admin_token=admin_token, sparql_query=sparql_query, sparql_update=sparql_update, graph_store=graph_store,
    )
    if settings.remote and not settings.sparql_update:
        _fail("--sparql-update is needed with --sparql-query")
    if workers > 1 and not settings.remote:
        _fail("--workers > 1 needs a remote store (--sparql-query/--sparql-update): "
              "one process owns the embedded store")
    if not settings.admin_token:
        settings.admin_token = secrets.token_urlsafe(24)
        err.print(f"admin token for this run (set MPR_ADMIN_TOKEN to choose one): {settings.admin_token}",
                  soft_wrap=True)
    # Workers are separate processes that read their settings from the environment.
    for name, value in settings.model_dump().items():
        if value is not None:
            os.environ[f"MPR_{name.upper()}"] = str(value)
    err.print(f"registry on {settings.base}  (docs: {settings.base}/docs, SPARQL: {settings.base}/sparql)",
              soft_wrap=True)
    # uvicorn kills a worker that does not answer its supervisor's ping within 5 s (its default). A worker
    # importing the registry and opening the store holds the GIL for longer on a loaded machine: measured
    # at load 12 on 2 cores, every worker was killed and restarted for minutes and none ever served.
    uvicorn.run("registry.api.app:app_from_environment", factory=True, host=host, port=port, workers=workers,
                timeout_worker_healthcheck=WORKER_HEALTHCHECK_S)


@app.command()
def validate(
    files: list[Path] = typer.Argument(..., exists=True, dir_okay=False, help="Passport files"),
    profile: list[str] = typer.Option([], "--profile", help="Criteria profile to add"),
    warnings: bool = typer.Option(True, "--warnings/--no-warnings", help="List warnings too"),
    engine: str | None = typer.Option(
        None, "--engine", help=f"SHACL engine: {' or '.join(ENGINES)} (default: MPR_VALIDATION_ENGINE or shacl)"
    ),
) -> None:
    """Validate passports with SHACL; exit code 1 if any has violations."""
    try:
        check_engine(engine or DEFAULT_ENGINE)
    except RegistryError as exc:
        _fail(exc.message)
    registry = build_registry(_settings(load_examples=False, validation_engine=engine), store=OxigraphStore(None))
    failed = 0
    for path in files:
        try:
            report = registry.passports.check(path.read_bytes(), _format_of(path), profile)
        except RegistryError as exc:
            err.print(f"[red]{path}: {exc.message}[/red]", soft_wrap=True)
            failed += 1
            continue
        shown = [r for r in report.results if warnings or r.severity == "Violation"]
        verdict = "[green]conforms[/green]" if report.conforms else "[red]does not conform[/red]"
        out.print(f"{path}: {verdict} ({len(report.violations)} violations, {len(report.warnings)} warnings)",
                  soft_wrap=True)
        if shown:
            table = Table("severity", "focus node", "path", "value", "message", show_lines=False)
            for r in shown:
                table.add_row(r.severity, r.focus_label or r.focus_node, r.path or "", r.value or "", r.message)
            out.print(table)
        failed += 0 if report.conforms else 1
    raise typer.Exit(1 if failed else 0)


@app.command()
def load(
    files: list[Path] = typer.Argument(..., exists=True, dir_okay=False, help="Passport files; id = file stem"),
    data: Path | None = DataOption,
    sparql_query: str | None = QueryUrl,
    sparql_update: str | None = UpdateUrl,
) -> None:
    """Validate and store passports (a new version where the id exists)."""
    with _registry(data, sparql_query, sparql_update) as registry, Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err
    ) as progress:
        task = progress.add_task("loading", total=len(files))
        ids = load_files(registry.domain.passports, files, progress=lambda _p: progress.advance(task))
    out.print(f"loaded {len(ids)} passport(s): {', '.join(ids)}")


@app.command()
def query(
    sparql: str = typer.Argument(..., help="A SPARQL query, or @FILE to read it from a file"),
    format: str = typer.Option("text/csv", "--format", "-f", help="Result media type (JSON, XML, CSV, TSV, RDF)"),
    data: Path | None = DataOption,
    sparql_query: str | None = QueryUrl,
    sparql_update: str | None = UpdateUrl,
) -> None:
    """Run a read-only SPARQL query on the store and print the result."""
    text = Path(sparql[1:]).read_text() if sparql.startswith("@") else sparql
    try:
        checked = check(text, update=False)
    except RegistryError as exc:
        _fail(exc.message, 1)
    with _registry(data, sparql_query, sparql_update) as registry:
        output = registry.store.query_serialized(checked.text, checked.kind, format)  # type: ignore[arg-type]
    sys.stdout.buffer.write(output.body)
    sys.stdout.flush()


@app.command()
def indicators(
    passport_id: str = typer.Argument(..., help="Passport id"),
    method: str = typer.Option("emf", "--method", help="MCI method: emf (Ellen MacArthur Foundation) or madaster"),
    parts: bool = typer.Option(False, "--parts", help="Include the figures of every part"),
    data: Path | None = DataOption,
    sparql_query: str | None = QueryUrl,
    sparql_update: str | None = UpdateUrl,
) -> None:
    """Print a passport's indicators (mass by material, MCI, carbon, detachability, completeness) as JSON."""
    import json

    if method not in ("emf", "madaster"):
        _fail(f"unknown method {method!r}: use emf or madaster")
    with _registry(data, sparql_query, sparql_update) as registry:
        view = registry.indicators.compute(LOADER, passport_id, method, parts=parts)  # type: ignore[arg-type]
    result = view.indicators
    out.print_json(json.dumps(result.as_dict(with_parts=parts)))  # restricted figures left out, as ever


def _import_into_store(
    path: Path, convert: Any, data: Path | None, sparql_query: str | None, sparql_update: str | None,
    passport_id: str | None, dry_run: bool,
) -> None:
    """Shared by import-ifc and import-sheet: convert, print the report, then store like `mpr load` (or not)."""
    import json

    from pyoxigraph import RdfFormat as Fmt


    settings = _settings(data=data, sparql_query=sparql_query, sparql_update=sparql_update, load_examples=False)
    try:
        result = convert(ConceptScheme.load(settings.ontology_dir), settings.base)
    except InvalidPassport as exc:
        for problem in exc.extra.get("problems") or []:
            err.print(f"  {problem['sheet']} row {problem['row']} column {problem['column']}: {problem['message']}",
                      soft_wrap=True)
        _fail(exc.message, 1)
    except RegistryError as exc:
        _fail(exc.message, 1)
    err.print_json(json.dumps(result.report.as_dict(), ensure_ascii=False))
    if dry_run:
        sys.stdout.buffer.write(result.turtle)
        return
    with _registry(data, sparql_query, sparql_update) as registry:
        written = registry.passports.create(LOADER, result.turtle, Fmt.TURTLE, passport_id or path.stem,
                                            f"imported from {path.name}")
    out.print(f"imported {path.name} as passport {written.id} ({written.triples} triples, {written.warnings} warnings)")


@app.command("import-ifc")
def import_ifc(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="An IFC2X3 or IFC4 model (.ifc)"),
    passport_id: str | None = typer.Option(None, "--id", help="Passport id [default: the file stem]"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the passport (Turtle) without storing"),
    data: Path | None = DataOption,
    sparql_query: str | None = QueryUrl,
    sparql_update: str | None = UpdateUrl,
) -> None:
    """Create a passport from an IFC model; the import report (JSON) goes to stderr."""
    from registry.importers.ifc import IfcImporter

    def convert(concepts: ConceptScheme, base: str) -> Any:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=err, transient=True) as progress:
            tasks: dict[str, Any] = {}

            def advance(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = progress.add_task(stage, total=total)
                progress.update(tasks[stage], completed=done)

            return IfcImporter(concepts, base).import_path(file, advance)

    _import_into_store(file, convert, data, sparql_query, sparql_update, passport_id, dry_run)


@app.command("import-sheet")
def import_sheet(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="The passport template as .xlsx or .csv"),
    passport_id: str | None = typer.Option(None, "--id", help="Passport id [default: the file stem]"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the passport (Turtle) without storing"),
    data: Path | None = DataOption,
    sparql_query: str | None = QueryUrl,
    sparql_update: str | None = UpdateUrl,
) -> None:
    """Create a passport from a spreadsheet (template: GET /imports/spreadsheet/template)."""
    from registry.importers.spreadsheet import SheetImporter

    kind = "csv" if file.suffix.lower() == ".csv" else "xlsx"

    def convert(concepts: ConceptScheme, base: str) -> Any:
        return SheetImporter(concepts, base).import_bytes(file.read_bytes(), file.name, kind)

    _import_into_store(file, convert, data, sparql_query, sparql_update, passport_id, dry_run)


report_app = typer.Typer(help="Reports over all passports", no_args_is_help=True)
app.add_typer(report_app, name="report")


@report_app.command("urban-mine")
def urban_mine_command(
    format: str = typer.Option("json", "--format", "-f", help="json or csv"),
    data: Path | None = DataOption,
    sparql_query: str | None = QueryUrl,
    sparql_update: str | None = UpdateUrl,
) -> None:
    """Mass by material, municipality, province and year of availability over all active building passports."""
    import json

    with _registry(data, sparql_query, sparql_update) as registry:
        report = registry.indicators.urban_mine(LOADER)
        label = registry.concepts.label
    if format == "csv":
        sys.stdout.write(report.csv(label))
    else:
        out.print_json(json.dumps(report.as_dict()))



@app.command()
def match(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A demand: RDF (by extension) or .json"),
    limit: int = typer.Option(20, "--limit", help="How many matches to print"),
    as_json: bool = typer.Option(False, "--json", help="Print the matches as JSON"),
    data: Path | None = DataOption,
    sparql_query: str | None = QueryUrl,
    sparql_update: str | None = UpdateUrl,
) -> None:
    """Match a demand file against the supply in the store (nothing is stored); best matches first."""
    import json

    fmt = None if file.suffix.lower() == ".json" else _format_of(file)
    with _registry(data, sparql_query, sparql_update) as registry:
        demand = registry.matching.unsaved(file.read_bytes(), fmt)
        found = registry.matching.matches(LOADER, demand, limit)
    if as_json:
        out.print_json(json.dumps({"demand": demand.as_dict(), "matches": [m.as_dict() for m in found]}))
        return
    table = Table("score", "material or product", "part", "km", "saved kg CO2e", "why")
    for m in found:
        table.add_row(f"{m.score:.3f}", (m.item.material or m.item.product_type or "").rsplit("/", 1)[-1],
                      m.item.label or m.item.part,
                      "" if m.item.distance_km is None else f"{m.item.distance_km:.1f}",
                      "" if m.carbon.saved_kg is None else f"{m.carbon.saved_kg:.1f}", "; ".join(m.reasons))
    out.print(table)


token_app = typer.Typer(help="API tokens of organisations (shown once, stored as salted hashes)", no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("create")
def token_create(
    org: str = typer.Option(..., "--org", help="Organisation the token acts for (e.g. acme-bouw)"),
    role: str = typer.Option(..., "--role", help="builder, manufacturer, exchange, auditor or admin"),
    expires: datetime | None = typer.Option(None, "--expires", formats=["%Y-%m-%d"], help="Last valid day"),
    label: str | None = typer.Option(None, "--label", help="Who or what uses it (shown in the history)"),
    data: Path | None = DataOption,
    sparql_query: str | None = QueryUrl,
    sparql_update: str | None = UpdateUrl,
) -> None:
    """Create a token; it is printed once and cannot be shown again."""
    with _registry(data, sparql_query, sparql_update) as registry:
        info, secret = registry.tokens.create(org, role, expires.date() if expires else None, label)
    err.print(f"token {info.id} for {info.organisation} as {info.role}; store it now, it is not shown again:")
    out.print(secret, soft_wrap=True)


@token_app.command("list")
def token_list(
    data: Path | None = DataOption, sparql_query: str | None = QueryUrl, sparql_update: str | None = UpdateUrl,
) -> None:
    """List tokens (never their secrets)."""
    with _registry(data, sparql_query, sparql_update) as registry:
        tokens = registry.tokens.list()
    table = Table("id", "organisation", "role", "created", "expires", "revoked", "label")
    for t in tokens:
        table.add_row(t.id, t.organisation, t.role, t.created[:19], t.expires or "", "yes" if t.revoked else "",
                      t.label or "")
    out.print(table)


@token_app.command("revoke")
def token_revoke(
    token_id: str = typer.Argument(..., help="The token's id (see `mpr token list`)"),
    data: Path | None = DataOption, sparql_query: str | None = QueryUrl, sparql_update: str | None = UpdateUrl,
) -> None:
    """Revoke a token: every later request with it gets 401."""
    with _registry(data, sparql_query, sparql_update) as registry:
        info = registry.tokens.revoke(token_id)
    out.print(f"revoked token {info.id} of {info.organisation}")

if __name__ == "__main__":
    app()
