"""`mpr`: the registry from the command line. Options override `MPR_*` environment variables."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Any

import typer
from pyoxigraph import RdfFormat
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from registry.core import build_registry, load_files
from registry.errors import InvalidPassport, RegistryError
from registry.settings import Settings
from registry.sparql.guard import check
from registry.store.oxigraph import OxigraphStore

app = typer.Typer(help="Material Passport Registry", no_args_is_help=True, add_completion=False)
out = Console()
err = Console(stderr=True)

DataOption = typer.Option(None, "--data", help="Folder of the embedded store [env MPR_DATA, default ./data]")
QueryUrl = typer.Option(None, "--sparql-query", help="Remote SPARQL query endpoint [env MPR_SPARQL_QUERY]")
UpdateUrl = typer.Option(None, "--sparql-update", help="Remote SPARQL update endpoint [env MPR_SPARQL_UPDATE]")
GraphStoreUrl = typer.Option(None, "--graph-store", help="Graph Store Protocol endpoint [env MPR_GRAPH_STORE]")


def _settings(**overrides: Any) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[red]error:[/red] {message}", soft_wrap=True)
    raise typer.Exit(code)


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
        err.print(f"admin token for this run (set MPR_ADMIN_TOKEN to choose one): {settings.admin_token}")
    # Workers are separate processes that read their settings from the environment.
    for name, value in settings.model_dump().items():
        if value is not None:
            os.environ[f"MPR_{name.upper()}"] = str(value)
    err.print(f"registry on {settings.base}  (docs: {settings.base}/docs, SPARQL: {settings.base}/sparql)")
    uvicorn.run("registry.api.app:app_from_environment", factory=True, host=host, port=port, workers=workers)


@app.command()
def validate(
    files: list[Path] = typer.Argument(..., exists=True, dir_okay=False, help="Passport files"),
    profile: list[str] = typer.Option([], "--profile", help="Criteria profile to add"),
    warnings: bool = typer.Option(True, "--warnings/--no-warnings", help="List warnings too"),
) -> None:
    """Validate passports with SHACL; exit code 1 if any has violations."""
    registry = build_registry(_settings(load_examples=False), store=OxigraphStore(None))
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
                table.add_row(r.severity, r.focus_node, r.path or "", r.value or "", r.message)
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
    settings = _settings(data=data, sparql_query=sparql_query, sparql_update=sparql_update, load_examples=False)
    try:
        registry = build_registry(settings)
    except RegistryError as exc:
        _fail(f"{exc.message} (is a server using this store? load through its API instead)")
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err) as progress:
        task = progress.add_task("loading", total=len(files))
        try:
            ids = load_files(registry.passports, files, progress=lambda _p: progress.advance(task))
        except InvalidPassport as exc:
            report = exc.extra["report"]
            for r in report.violations:
                err.print(f"  {r.focus_node} {r.path or ''}: {r.message}")
            _fail(exc.message, 1)
        except RegistryError as exc:
            _fail(exc.message, 1)
        finally:
            registry.close()
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
    settings = _settings(data=data, sparql_query=sparql_query, sparql_update=sparql_update, load_examples=False)
    try:
        checked = check(text, update=False)
        registry = build_registry(settings)
        try:
            output = registry.store.query_serialized(checked.text, checked.kind, format)  # type: ignore[arg-type]
        finally:
            registry.close()
    except RegistryError as exc:
        _fail(exc.message, 1)
    sys.stdout.buffer.write(output.body)
    sys.stdout.flush()


if __name__ == "__main__":
    app()
