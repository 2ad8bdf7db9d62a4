"""`mpr`: the registry from the command line. Options override `MPR_*` environment variables."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import typer
from pyoxigraph import RdfFormat
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from registry import __version__
from registry.access.secrets import stored_bases
from registry.access.tokens import TokenInfo
from registry.client import ClientError, RegistryClient, announce, running_server
from registry.concepts import ConceptScheme
from registry.core import LOADER, Registry, build_registry, load_files, open_public_store, open_store
from registry.credentials.keys import KeyRing
from registry.errors import InvalidPassport, RegistryError
from registry.passports.timeline import parse_at
from registry.reports.urban_mine import RegionFilter
from registry.settings import Settings
from registry.sparql.guard import check
from registry.store.oxigraph import OxigraphStore
from registry.validation import DEFAULT_ENGINE, ENGINES, check_engine

app = typer.Typer(help="Material Passport Registry", no_args_is_help=True, add_completion=False)
# Piped output (scripts, tests) gets wide lines instead of rich's 80-column truncation.
out = Console(width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True)

DataOption = typer.Option(None, "--data", help="Folder of the embedded store (env MPR_DATA, default ./data)")
QueryUrl = typer.Option(None, "--sparql-query", help="Remote SPARQL query endpoint (env MPR_SPARQL_QUERY)")
UpdateUrl = typer.Option(None, "--sparql-update", help="Remote SPARQL update endpoint (env MPR_SPARQL_UPDATE)")
GraphStoreUrl = typer.Option(None, "--graph-store", help="Graph Store Protocol endpoint (env MPR_GRAPH_STORE)")
UrlOption = typer.Option(
    None, "--url", envvar="MPR_URL",
    help="Ask the registry running at URL instead of opening the store (env MPR_URL; "
         "found by itself while `mpr serve` holds DATA)")
TokenOption = typer.Option(
    None, "--token", envvar="MPR_TOKEN", help="Bearer token for the server (env MPR_TOKEN, else MPR_ADMIN_TOKEN)")
#: `mpr query -f NAME`: the media type for SELECT/ASK results and the one for CONSTRUCT/DESCRIBE graphs.
QUERY_FORMATS: dict[str, tuple[str | None, str | None]] = {
    "json": ("application/sparql-results+json", "application/ld+json"),
    "xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "csv": ("text/csv", None),
    "tsv": ("text/tab-separated-values", None),
    "turtle": (None, "text/turtle"),
    "jsonld": (None, "application/ld+json"),
    "ntriples": (None, "application/n-triples"),
}
T = TypeVar("T")
TOKEN_FIELDS = frozenset(f.name for f in fields(TokenInfo))
WORKER_HEALTHCHECK_S = 120  # see serve(): how long a starting or busy worker may take to answer uvicorn's ping


def _settings(**overrides: Any) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def _fail(message: str, code: int = 2) -> None:
    err.print(f"[red]error:[/red] {message}", soft_wrap=True)
    raise typer.Exit(code)


@contextmanager
def _registry(data: Path | None, sparql_query: str | None, sparql_update: str | None) -> Iterator[Registry]:
    """The registry for one command over the local (or a remote) store; its errors end the command.

    Without background indicator summaries: the command ends before they could be read, and computing them
    would only slow it down (a bulk `mpr load`) until close() gave them up; the first read computes them."""
    settings = _settings(data=data, sparql_query=sparql_query, sparql_update=sparql_update, load_examples=False,
                         indicators_at_write=False)
    try:
        registry = _open(settings)
    except RegistryError as exc:
        _fail(exc.message + _locked_hint(exc.message, settings.data))
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


def _locked_hint(message: str, data: Path) -> str:
    """What to do about a store another process holds. A command that can ask a server has already asked the
    one that announced itself, so an announced server here means this command needs the store itself."""
    if "lock" not in message.lower():
        return ""
    url = running_server(data)
    if url is not None:
        return (f" (`mpr serve` at {url} holds this store, and this command needs the store itself: stop the server "
                "first, or use its HTTP routes)")
    return " (another process holds this store: if it is `mpr serve`, give its --url and --token, or stop it)"


def _open(settings: Settings) -> Registry:
    """The local registry under the base URL its store was made with, unless MPR_BASE_URL says otherwise: a
    store `mpr serve --port 9000` made holds IRIs under :9000, and reading it as :8000 would misname them."""
    if settings.remote or "base_url" in settings.model_fields_set:
        return build_registry(settings)
    store, public_store = open_store(settings), open_public_store(settings)
    bases = stored_bases(store)
    if len(bases) == 1 and bases[0] != settings.base:
        err.print(f"using the store's base URL {bases[0]} (set MPR_BASE_URL to choose)", soft_wrap=True)
        settings = settings.model_copy(update={"base_url": bases[0]})
    return build_registry(settings, store, public_store)


def _server(url: str | None, token: str | None, data: Path | None, remote_store: str | None) -> RegistryClient | None:
    """The running registry to ask: --url, else the `mpr serve` that holds the local store; None: open the store."""
    settings = _settings(data=data, sparql_query=remote_store)
    url = url or None  # an empty MPR_URL is no URL
    if url is None and not settings.remote:
        url = running_server(settings.data)
        if url is not None:
            err.print(f"{settings.data} is in use by `mpr serve`: asking it at {url}", soft_wrap=True)
    if url is None:
        return None
    return RegistryClient(url, token or settings.admin_token)


def _problem_line(problem: dict[str, Any]) -> str:
    """One refused row of a spreadsheet (sheet, row, column) or field of an EPD, as the import names it."""
    if "sheet" in problem:
        return f"  {problem['sheet']} row {problem['row']} column {problem['column']}: {problem['message']}"
    return f"  {problem.get('field', '')}: {problem.get('message', '')}"


@contextmanager
def _refused_import() -> Iterator[None]:
    """An importer's refusal ends the command: each refused row or field on a line of its own, then the error."""
    try:
        yield
    except InvalidPassport as exc:
        for problem in exc.extra.get("problems") or []:
            err.print(_problem_line(problem), soft_wrap=True)
        _fail(exc.message, 1)
    except RegistryError as exc:
        _fail(exc.message, 1)


def _ask(call: Callable[..., T], *args: Any) -> T:
    """A request to the running server; its refusal ends the command like a local error does."""
    try:
        return call(*args)
    except ClientError as exc:
        for r in (exc.extra.get("report") or {}).get("results", []):
            if r.get("severity") == "Violation":
                err.print(f"  {r.get('focus_node')} {r.get('path') or ''}: {r.get('message')}", soft_wrap=True)
        for problem in exc.extra.get("problems") or []:
            err.print(_problem_line(problem), soft_wrap=True)
        if exc.extra.get("status") == 401:  # the server speaks HTTP; say where the CLI takes its token from
            _fail(f"{exc.message} (give --token, or set MPR_TOKEN or MPR_ADMIN_TOKEN: `mpr serve` printed its "
                  "admin token at start-up)", 1)
        _fail(exc.message, 1)
        raise


def _progress(transient: bool = False) -> Progress:
    """Progress on stderr for long work; silent when stderr is not a terminal (scripts, logs, tests)."""
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, transient=transient, disable=not err.is_terminal)


def _media_type(name: str | None, kind: str) -> str:
    """`-f json` and friends by the query's form; a full media type passes through as it is."""
    graph = kind in ("CONSTRUCT", "DESCRIBE")
    if name is None:
        return "text/turtle" if graph else "text/csv"
    if "/" in name:
        return name
    if name.lower() not in QUERY_FORMATS:
        _fail(f"unknown format {name!r}: use {', '.join(QUERY_FORMATS)} or a media type")
    media = QUERY_FORMATS[name.lower()][1 if graph else 0]
    if media is None:
        _fail(f"-f {name} does not fit a {kind} query")
    assert media is not None
    return media


def _format_of(path: Path) -> RdfFormat:
    fmt = RdfFormat.from_extension(path.suffix[1:])
    if fmt is None:
        _fail(f"{path}: unknown RDF file extension {path.suffix!r}")
    assert fmt is not None
    return fmt


def _version(value: bool) -> None:
    if value:
        out.print(f"mpr {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version"),
) -> None:
    """Material Passport Registry"""


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on"),
    port: int = typer.Option(8000, help="Port to listen on"),
    data: Path | None = DataOption,
    examples: bool = typer.Option(True, "--examples/--no-examples", help="Load examples/ into an empty store"),
    workers: int = typer.Option(1, help="Worker processes (a remote store is needed for more than one)"),
    base_url: str | None = typer.Option(None, help="Public URL, used to mint passport IRIs (env MPR_BASE_URL)"),
    admin_token: str | None = typer.Option(None, help="Token for writes and SPARQL updates (env MPR_ADMIN_TOKEN)"),
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
    if not settings.remote:
        settings = _served_base(settings, explicit=bool(base_url or os.environ.get("MPR_BASE_URL")))
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
    # Commands run beside the server (`mpr query`, `mpr token create`) find it here and ask it over HTTP.
    announced = None if settings.remote else announce(settings.data, f"http://{_local(host)}:{port}")
    try:
        uvicorn.run("registry.api.app:app_from_environment", factory=True, host=host, port=port, workers=workers,
                    timeout_worker_healthcheck=WORKER_HEALTHCHECK_S)
    finally:
        if announced is not None:
            announced.unlink(missing_ok=True)


def _served_base(settings: Settings, explicit: bool) -> Settings:
    """The base URL the local store was made under. Passport and blank-node IRIs are minted under it, so
    serving the store under another one (`mpr serve --port 9000` on a store made at :8000) would make a
    second key and misname every stored passport: without --base-url the store's own is kept, and an
    explicit different one is refused (moving a registry to a new URL is a migration, not a restart)."""
    if not (settings.data / "full").exists():
        return settings
    store = OxigraphStore(settings.data / "full")
    try:
        bases = stored_bases(store)
    finally:
        store.close()
    if len(bases) != 1 or bases[0] == settings.base:
        return settings
    if explicit:
        _fail(f"the store in {settings.data} holds passports minted under {bases[0]}; serve it with "
              f"--base-url {bases[0]} (or MPR_BASE_URL), or use another --data folder")
    err.print(f"serving under the store's base URL {bases[0]} (its passports were minted there; "
              "set --base-url to the same to silence this)", soft_wrap=True)
    return settings.model_copy(update={"base_url": bases[0]})


def _local(host: str) -> str:
    """The address a command on this machine reaches a server listening on `host` by."""
    if host in ("0.0.0.0", "", "::"):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host


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
    with _progress(transient=True) as progress:
        task = progress.add_task("validating", total=len(files))
        for path in files:
            failed += 0 if _validate_one(registry, path, profile, warnings) else 1
            progress.advance(task)
    raise typer.Exit(1 if failed else 0)


def _validate_one(registry: Registry, path: Path, profile: list[str], warnings: bool) -> bool:
    """Print one file's verdict and report; True when it conforms."""
    try:
        report = registry.passports.check(path.read_bytes(), _format_of(path), profile)
    except RegistryError as exc:
        err.print(f"[red]{path}: {exc.message}[/red]", soft_wrap=True)
        return False
    shown = [r for r in report.results if warnings or r.severity == "Violation"]
    verdict = "[green]conforms[/green]" if report.conforms else "[red]does not conform[/red]"
    out.print(f"{path}: {verdict} ({len(report.violations)} violations, {len(report.warnings)} warnings)",
              soft_wrap=True)
    if shown:
        table = Table("severity", "focus node", "path", "value", "message", show_lines=False)
        for r in shown:
            table.add_row(r.severity, r.focus_label or r.focus_node, r.path or "", r.value or "", r.message)
        out.print(table)
    return report.conforms


@app.command()
def load(
    files: list[Path] = typer.Argument(..., exists=True, dir_okay=False, help="Passport files; id = file stem"),
    data: Path | None = DataOption,
    sparql_query: str | None = QueryUrl,
    sparql_update: str | None = UpdateUrl,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
) -> None:
    """Validate and store passports (a new version where the id exists); beside `mpr serve`, through it."""
    server = _server(url, token, data, sparql_query)
    with _progress() as progress:
        task = progress.add_task("loading", total=len(files))
        if server is not None:
            ids = [_put(server, path, lambda: progress.advance(task)) for path in files]
        else:
            with _registry(data, sparql_query, sparql_update) as registry:
                ids = load_files(registry.domain.passports, files, progress=lambda _p: progress.advance(task))
    out.print(f"loaded {len(ids)} passport(s): {', '.join(ids)}")


def _put(server: RegistryClient, path: Path, done: Callable[[], None]) -> str:
    written = _ask(server.put_passport, path.stem, path.read_bytes(), _format_of(path).media_type,
                   f"loaded from {path.name}")
    done()
    return str(written["id"])


@app.command()
def query(
    sparql: str = typer.Argument(..., help="A SPARQL query, or @FILE to read it from a file"),
    format: str | None = typer.Option(
        None, "--format", "-f",
        help=f"{', '.join(QUERY_FORMATS)} or a media type (default: csv, turtle for CONSTRUCT/DESCRIBE)"),
    data: Path | None = DataOption,
    sparql_query: str | None = QueryUrl,
    sparql_update: str | None = UpdateUrl,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
) -> None:
    """Run a read-only SPARQL query on the store (or the running server) and print the result."""
    text = Path(sparql[1:]).read_text() if sparql.startswith("@") else sparql
    try:
        checked = check(text, update=False)
    except RegistryError as exc:
        _fail(exc.message, 1)
    media = _media_type(format, checked.kind)
    server = _server(url, token, data, sparql_query)
    if server is not None:
        body = _ask(server.query, checked.text, media)
    else:
        with _registry(data, sparql_query, sparql_update) as registry:
            body = registry.store.query_serialized(checked.text, checked.kind, media).body  # type: ignore[arg-type]
    sys.stdout.buffer.write(body)
    sys.stdout.flush()


@app.command()
def indicators(
    passport_id: str = typer.Argument(..., help="Passport id"),
    method: str = typer.Option("emf", "--method", help="MCI method: emf (Ellen MacArthur Foundation, 2019)"),
    parts: bool = typer.Option(False, "--parts", help="Include the figures of every part"),
    data: Path | None = DataOption,
    sparql_query: str | None = QueryUrl,
    sparql_update: str | None = UpdateUrl,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
) -> None:
    """Print a passport's indicators (mass by material, MCI, carbon, detachability, completeness) as JSON."""
    import json

    if method != "emf":  # "madaster" was removed: no citable inputs (docs/methods.md)
        _fail(f"unknown method {method!r}: use emf")
    server = _server(url, token, data, sparql_query)
    if server is not None:
        out.print_json(json.dumps(_ask(server.indicators, passport_id, method, parts)))
        return
    with _registry(data, sparql_query, sparql_update) as registry:
        view = registry.indicators.compute(LOADER, passport_id, method, parts=parts)  # type: ignore[arg-type]
    result = view.indicators
    out.print_json(json.dumps(result.as_dict(with_parts=parts)))  # restricted figures left out, as ever


def _imported(name: str, written: dict[str, Any], expired: bool = False) -> None:
    note = " - the EPD has EXPIRED" if expired else ""
    out.print(f"imported {name} as passport {written['id']} ({written['triples']} triples, "
              f"{written['warnings']} warnings){note}")


def _import_through(
    server: RegistryClient, route: str, file: Path, media_type: str, passport_id: str, dry_run: bool,
    mappings: str | None = None,
) -> dict[str, Any]:
    """An import sent to the running server's `POST /imports/{route}` (the store is that server's): the same
    conversion, validation and storage as locally, under the caller's token. Answers the import report."""
    import json

    answer = _ask(server.import_file, route, file.name, file.read_bytes(), media_type, passport_id, dry_run, mappings)
    report: dict[str, Any] = answer["report"]
    err.print_json(json.dumps(report, ensure_ascii=False))
    if dry_run:
        sys.stdout.buffer.write(answer["passport"].encode("utf-8"))
    else:
        _imported(file.name, answer, bool(report.get("expired")))
    return report


def _import_into_store(
    path: Path, convert: Any, data: Path | None, sparql_query: str | None, sparql_update: str | None,
    passport_id: str | None, dry_run: bool,
) -> None:
    """Shared by import-ifc and import-sheet: convert, print the report, then store like `mpr load` (or not)."""
    import json

    from pyoxigraph import RdfFormat as Fmt

    settings = _settings(data=data, sparql_query=sparql_query, sparql_update=sparql_update, load_examples=False)
    with _refused_import():
        result = convert(ConceptScheme.load(settings.ontology_dir), settings.base)
    err.print_json(json.dumps(result.report.as_dict(), ensure_ascii=False))
    if dry_run:
        sys.stdout.buffer.write(result.turtle)
        return
    with _registry(data, sparql_query, sparql_update) as registry:
        written = registry.passports.create(LOADER, result.turtle, Fmt.TURTLE, passport_id or path.stem,
                                            f"imported from {path.name}")
    _imported(path.name, written.as_dict())


@app.command("import-ifc")
def import_ifc(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="An IFC2X3 or IFC4 model (.ifc)"),
    passport_id: str | None = typer.Option(None, "--id", help="Passport id (default: the file stem)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the passport (Turtle) without storing"),
    mappings: str | None = typer.Option(None, "--mappings", help="Apply this organisation's material mappings"),
    data: Path | None = DataOption,
    sparql_query: str | None = QueryUrl,
    sparql_update: str | None = UpdateUrl,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
) -> None:
    """Create a passport from an IFC model; the import report (JSON) goes to stderr. Beside `mpr serve`,
    through it (POST /imports/ifc)."""
    from registry.importers.ifc import MEDIA_TYPES, IfcImporter

    server = _server(url, token, data, sparql_query)
    if server is not None:
        _import_through(server, "ifc", file, MEDIA_TYPES[0], passport_id or file.stem, dry_run, mappings)
        return
    table: dict[str, str] = {}
    if mappings is not None:
        with _registry(data, sparql_query, sparql_update) as registry:
            table = registry.domain.mappings.get(mappings).concepts()

    def convert(concepts: ConceptScheme, base: str) -> Any:
        with _progress(transient=True) as progress:
            tasks: dict[str, Any] = {}

            def advance(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = progress.add_task(stage, total=total)
                progress.update(tasks[stage], completed=done)

            return IfcImporter(concepts, base, table).import_path(file, advance)

    _import_into_store(file, convert, data, sparql_query, sparql_update, passport_id, dry_run)


@app.command("import-sheet")
def import_sheet(
    file: Path | None = typer.Argument(None, exists=True, dir_okay=False,
                                       help="The passport template as .xlsx or .csv"),
    passport_id: str | None = typer.Option(None, "--id", help="Passport id (default: the file stem)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the passport (Turtle) without storing"),
    template: Path | None = typer.Option(None, "--template", dir_okay=False,
                                         help="Write the empty XLSX template to this file instead of importing"),
    data: Path | None = DataOption,
    sparql_query: str | None = QueryUrl,
    sparql_update: str | None = UpdateUrl,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
) -> None:
    """Create a passport from a spreadsheet, or write the template (--template FILE). Beside `mpr serve`,
    through it (POST /imports/spreadsheet)."""
    from registry.importers.spreadsheet import CSV_TYPES, XLSX_TYPES, SheetImporter, template_bytes

    if template is not None:
        template.write_bytes(template_bytes())
        out.print(f"wrote the spreadsheet template to {template}")
        return
    if file is None:
        _fail("give a spreadsheet to import, or --template FILE to write the template")
    assert file is not None
    kind = "csv" if file.suffix.lower() == ".csv" else "xlsx"
    server = _server(url, token, data, sparql_query)
    if server is not None:
        media_type = CSV_TYPES[0] if kind == "csv" else XLSX_TYPES[0]
        _import_through(server, "spreadsheet", file, media_type, passport_id or file.stem, dry_run)
        return

    def convert(concepts: ConceptScheme, base: str) -> Any:
        return SheetImporter(concepts, base).import_bytes(file.read_bytes(), file.name, kind)

    _import_into_store(file, convert, data, sparql_query, sparql_update, passport_id, dry_run)


@app.command("import-epd")
def import_epd(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="An EPD: openEPD (.json) or ILCD+EPD (.xml)"),
    passport_id: str | None = typer.Option(None, "--id", help="Passport id [default: the file stem]"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the passport (Turtle) without storing"),
    data: Path | None = DataOption,
    sparql_query: str | None = QueryUrl,
    sparql_update: str | None = UpdateUrl,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
) -> None:
    """Create a product-type passport from an EPD; the import report (JSON, with "expired") goes to stderr.
    Beside `mpr serve`, through it (POST /imports/epd)."""
    import json

    from registry.importers import epd

    raw = file.read_bytes()
    slug = passport_id or file.name.split(".")[0]
    server = _server(url, token, data, sparql_query)
    with _refused_import():
        kind = epd.detect(raw, file.name, "")
        if server is not None:
            media_type = epd.JSON_TYPES[0] if kind == "openepd" else epd.XML_TYPES[0]
            _import_through(server, "epd", file, media_type, slug, dry_run)
            return
        result = epd.import_bytes(raw, file.name, kind)
    err.print_json(json.dumps(result.report, ensure_ascii=False))
    if dry_run:
        sys.stdout.buffer.write(result.turtle)
        return
    with _registry(data, sparql_query, sparql_update) as registry:
        written = registry.passports.create(LOADER, result.turtle, RdfFormat.TURTLE, slug,
                                            f"imported from EPD {file.name}")
    _imported(file.name, written.as_dict(), bool(result.report["expired"]))


report_app = typer.Typer(help="Reports over all passports", no_args_is_help=True)
app.add_typer(report_app, name="report")


def _print_report(text: str, as_csv: bool) -> None:
    """A report as the server or the store gave it: CSV raw, for a spreadsheet or a pipe; JSON pretty-printed."""
    if as_csv:
        sys.stdout.write(text)
    else:
        out.print_json(text)


@report_app.command("urban-mine")
def urban_mine_command(
    format: str = typer.Option("json", "--format", "-f", help="json or csv"),
    at: str | None = typer.Option(None, "--at", help="A past moment: YYYY-MM-DD or an xsd:dateTime"),
    municipality: str | None = typer.Option(None, "--municipality", help="Only this municipality (CBS name)"),
    province: str | None = typer.Option(None, "--province", help="Only this province"),
    data: Path | None = DataOption,
    sparql_query: str | None = QueryUrl,
    sparql_update: str | None = UpdateUrl,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
) -> None:
    """Mass by material, municipality, province and year of availability over all active building passports."""
    import json

    as_csv = format == "csv"
    server = _server(url, token, data, sparql_query)
    if server is not None:
        _print_report(_ask(server.urban_mine, as_csv, at, municipality, province).decode(), as_csv)
        return
    with _registry(data, sparql_query, sparql_update) as registry:
        moment = parse_at(at) if at else None
        report = registry.reports.urban_mine(LOADER, moment, RegionFilter(municipality, province))
        label = registry.concepts.label
    _print_report(report.csv(label) if as_csv else json.dumps(report.as_dict()), as_csv)


@report_app.command("baseline")
def baseline_command(
    organisation: str = typer.Argument(..., help="The organisation whose passports are counted"),
    format: str = typer.Option("json", "--format", "-f", help="json or csv"),
    at: str | None = typer.Option(None, "--at", help="The baseline moment: YYYY-MM-DD or an xsd:dateTime"),
    data: Path | None = DataOption,
    sparql_query: str | None = QueryUrl,
    sparql_update: str | None = UpdateUrl,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
) -> None:
    """An organisation's baseline: mass by material and layer, primary input, MCI, carbon, progress to 2030."""
    import json

    as_csv = format == "csv"
    server = _server(url, token, data, sparql_query)
    if server is not None:
        _print_report(_ask(server.baseline, organisation, as_csv, at).decode(), as_csv)
        return
    with _registry(data, sparql_query, sparql_update) as registry:
        baseline = registry.reports.baseline(LOADER, organisation, parse_at(at) if at else None)
    _print_report(baseline.csv() if as_csv else json.dumps(baseline.as_dict()), as_csv)


@app.command()
def match(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A demand: RDF (by extension) or .json"),
    limit: int = typer.Option(20, "--limit", help="How many matches to print"),
    as_json: bool = typer.Option(False, "--json", help="Print the matches as JSON"),
    data: Path | None = DataOption,
    sparql_query: str | None = QueryUrl,
    sparql_update: str | None = UpdateUrl,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
) -> None:
    """Match a demand file against the supply in the store (nothing is stored); best matches first."""
    import json

    fmt = None if file.suffix.lower() == ".json" else _format_of(file)
    server = _server(url, token, data, sparql_query)
    if server is not None:
        media = "application/json" if fmt is None else fmt.media_type
        answer = _ask(server.match, file.read_bytes(), media, limit)
    else:
        with _registry(data, sparql_query, sparql_update) as registry:
            demand = registry.matching.unsaved(file.read_bytes(), fmt)
            found = registry.matching.matches(LOADER, demand, limit)
        answer = {"demand": demand.as_dict(), "matches": [m.as_dict() for m in found]}
    if as_json:
        out.print_json(json.dumps(answer))
    else:
        out.print(_match_table(answer["matches"]))


def _match_table(matches: list[dict[str, Any]]) -> Table:
    table = Table("score", "material or product", "part", "km", "saved kg CO2e", "why")
    for m in matches:
        item, saved = m["supply"], m["carbon"]["saved_kg"]
        table.add_row(f"{m['score']:.3f}", (item["material"] or item["product_type"] or "").rsplit("/", 1)[-1],
                      item["label"] or item["part"],
                      "" if item["distance_km"] is None else f"{item['distance_km']:.1f}",
                      "" if saved is None else f"{saved:.1f}", "; ".join(m["reasons"]))
    return table


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
    url: str | None = UrlOption,
    token: str | None = TokenOption,
) -> None:
    """Create a token; it is printed once and cannot be shown again (beside `mpr serve`: through it)."""
    last_day = expires.date() if expires else None
    if last_day is not None and last_day < date.today():
        err.print(f"[yellow]warning:[/yellow] {last_day} is past: this token is expired from the start")
    server = _server(url, token, data, sparql_query)
    if server is not None:
        made = _ask(server.create_token, org, role, last_day, label)
        info, secret = TokenInfo(**{k: v for k, v in made.items() if k in TOKEN_FIELDS}), str(made["token"])
    else:
        with _registry(data, sparql_query, sparql_update) as registry:
            info, secret = registry.tokens.create(org, role, last_day, label)
    err.print(f"token {info.id} for {info.organisation} as {info.role}; store it now, it is not shown again:")
    out.print(secret, soft_wrap=True)


@token_app.command("list")
def token_list(
    data: Path | None = DataOption, sparql_query: str | None = QueryUrl, sparql_update: str | None = UpdateUrl,
    url: str | None = UrlOption, token: str | None = TokenOption,
) -> None:
    """List tokens (never their secrets)."""
    server = _server(url, token, data, sparql_query)
    if server is not None:
        tokens = [TokenInfo(**{k: v for k, v in t.items() if k in TOKEN_FIELDS}) for t in _ask(server.tokens)]
    else:
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
    url: str | None = UrlOption, token: str | None = TokenOption,
) -> None:
    """Revoke a token: every later request with it gets 401."""
    server = _server(url, token, data, sparql_query)
    if server is not None:
        organisation = str(_ask(server.revoke_token, token_id)["organisation"])
    else:
        with _registry(data, sparql_query, sparql_update) as registry:
            organisation = registry.tokens.revoke(token_id).organisation
    out.print(f"revoked token {token_id} of {organisation}")



# --- verifiable passports (issue 19): `mpr keys ...` and `mpr verify`, kept together in this block ------------

keys_app = typer.Typer(help="The registry's signing keys (Ed25519, in DATA/keys, never served)", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


def _key_ring(data: Path | None) -> KeyRing:
    settings = _settings(data=data)
    return KeyRing(settings.keys_dir or settings.data / "keys")


@keys_app.command("list")
def keys_list(data: Path | None = DataOption) -> None:
    """List the signing keys, oldest first; the last one signs new credentials."""
    keys = _key_ring(data).keys()
    table = Table("number", "key id (JWK thumbprint)", "created", "use")
    for key in keys:
        table.add_row(str(key.number), key.kid, key.created, "signs" if key is keys[-1] else "verifies only")
    out.print(table)


@keys_app.command("rotate")
def keys_rotate(data: Path | None = DataOption) -> None:
    """Add a key that signs from now on; older keys stay in the DID documents, so their credentials still verify."""
    key = _key_ring(data).rotate()
    out.print(f"key {key.number} ({key.kid}) signs new credentials; older keys still verify")


@app.command()
def verify(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A credential: compact JWS, application/vc+jwt"),
    data: Path | None = DataOption,
    sparql_query: str | None = QueryUrl,
    sparql_update: str | None = UpdateUrl,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
) -> None:
    """Verify a passport credential: signature, issuer, revocation, and the registry's stored version.
    Exit code 0 when it verifies, 1 when it does not (forged, revoked or different from the store).
    Beside `mpr serve`, through it (POST /credentials/verify)."""
    import json

    server = _server(url, token, data, sparql_query)
    if server is not None:
        verification = _ask(server.verify, file.read_bytes())
    else:
        with _registry(data, sparql_query, sparql_update) as registry:
            verification = registry.credentials.verify(LOADER, file.read_bytes()).as_dict()
    out.print_json(json.dumps(verification))
    if not verification["verified"]:
        raise typer.Exit(1)


# --- mpr tender: circular procurement (kept in its own section, its own functions) -------------------

tender_app = typer.Typer(help="Circular procurement: check offers against criteria profiles", no_args_is_help=True)
app.add_typer(tender_app, name="tender")


def _tender_table(report: dict[str, Any]) -> Table:
    """The report's JSON (`TenderReport.as_dict()`, or what `POST /tenders/check` answered) as a table."""
    from collections import Counter

    table = Table("rank", "offer", "admissible", "score", "pass", "fail", "not shown")
    for o in report["offers"]:
        tally = Counter(v["status"] for v in o["criteria"])
        table.add_row(str(o["rank"]), f"{o['passport']} v{o['version']}", "yes" if o["admissible"] else "no",
                      f"{o['score']:.1f}", str(tally["pass"]), str(tally["fail"]), str(tally["not shown"]))
    return table


@tender_app.command("check")
def tender_check(
    profile: str = typer.Argument(..., help="A shipped profile (see `mpr tender profiles`) or a stored profile id"),
    passports: list[str] = typer.Argument(None, help="Passport ids in the store; none with --org"),
    organisation: str | None = typer.Option(None, "--org", help="Check every passport this organisation owns"),
    format: str = typer.Option("table", "--format", "-f", help="table, json or csv"),
    data: Path | None = DataOption,
    sparql_query: str | None = QueryUrl,
    sparql_update: str | None = UpdateUrl,
    url: str | None = UrlOption,
    token: str | None = TokenOption,
) -> None:
    """Check product passports against a criteria profile: per criterion pass / fail / not shown, scored, ranked.
    Beside `mpr serve`, through it (POST /tenders/check)."""
    import json

    server = _server(url, token, data, sparql_query)
    if server is not None:
        request = {"profile": profile, **({"organisation": organisation} if organisation and not passports
                                          else {"passports": passports or []})}
        answer = _ask(server.check_tender, request, format == "csv")
        if format == "csv":
            sys.stdout.write(answer.decode("utf-8"))
            return
        report: dict[str, Any] = json.loads(answer)
    else:
        with _registry(data, sparql_query, sparql_update) as registry:
            if organisation and not passports:
                passports = sorted(i.rsplit("/", 1)[-1] for i in registry.passports.owned(LOADER, organisation))
            checked = registry.tenders.check(LOADER, profile, passports or [])
        if format == "csv":
            sys.stdout.write(checked.csv())
            return
        report = checked.as_dict()
    if format == "json":
        out.print_json(json.dumps(report))
    else:
        out.print(_tender_table(report))


@tender_app.command("profiles")
def tender_profiles(
    data: Path | None = DataOption, sparql_query: str | None = QueryUrl, sparql_update: str | None = UpdateUrl,
    url: str | None = UrlOption, token: str | None = TokenOption,
) -> None:
    """List the shipped criteria profiles and the stored ones; beside `mpr serve`, through it (GET /profiles)."""
    server = _server(url, token, data, sparql_query)
    if server is not None:
        answer = _ask(server.profiles)
        shipped, stored = answer["shipped"], [(r["id"], r["version"], r["owner"]) for r in answer["items"]]
    else:
        with _registry(data, sparql_query, sparql_update) as registry:
            shipped = registry.profiles.shipped()
            stored = [(r.id, r.version, r.owner) for r in registry.profiles.page(LOADER, 0, 500).items]
    for name in shipped:
        out.print(f"{name} (shipped)")
    for profile_id, version, owner in stored:
        out.print(f"{profile_id} v{version} ({owner or 'no owner'})")

# --- material mappings (issue 15): one function, apart from the other commands, to ease merging ---------------


def _mappings_commands() -> typer.Typer:
    """`mpr mappings show|set ORG`: an organisation's material-name table in the local (or remote) store.

    The local operator's commands, as `mpr token`: they act on the store directly, and beside `mpr serve` (or
    with --url) go through `GET/PUT /organisations/{org}/material-mappings`, where only the organisation's
    members (and admins) may write.
    """
    import json

    mappings_app = typer.Typer(help="Organisations' material-name mappings (SKOS, versioned)", no_args_is_help=True)

    @mappings_app.command("show")
    def mappings_show(
        org: str = typer.Argument(..., help="The organisation (e.g. acme-bouw)"),
        turtle: bool = typer.Option(False, "--turtle", help="Print the SKOS table as Turtle instead of JSON"),
        data: Path | None = DataOption, sparql_query: str | None = QueryUrl, sparql_update: str | None = UpdateUrl,
        url: str | None = UrlOption, token: str | None = TokenOption,
    ) -> None:
        """Print an organisation's table (JSON, or SKOS Turtle)."""
        server = _server(url, token, data, sparql_query)
        if server is not None:
            answer = _ask(server.mappings, org, turtle)
            if turtle:
                sys.stdout.buffer.write(answer)
            else:
                out.print_json(answer.decode("utf-8"))
            return
        with _registry(data, sparql_query, sparql_update) as registry:
            service = registry.domain.mappings
            if turtle:
                sys.stdout.buffer.write(service.turtle(org))
                return
            out.print_json(json.dumps(service.get(org).as_dict(), ensure_ascii=False))

    @mappings_app.command("set")
    def mappings_set(
        org: str = typer.Argument(..., help="The organisation"),
        file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                    help='JSON {"mappings": [{"name", "concept", "relation"?}]} or CSV name,concept'),
        data: Path | None = DataOption, sparql_query: str | None = QueryUrl, sparql_update: str | None = UpdateUrl,
        url: str | None = UrlOption, token: str | None = TokenOption,
    ) -> None:
        """Replace an organisation's table with the one in FILE (a new version)."""
        from registry.importers.mappings import read_table_body, read_table_file

        server = _server(url, token, data, sparql_query)
        if server is not None:
            try:
                body = read_table_body(file)
            except RegistryError as exc:
                _fail(exc.message, 1)
                raise
            stored = _ask(server.put_mappings, org, body)
            version, names = stored["version"], len(stored["mappings"])
        else:
            with _registry(data, sparql_query, sparql_update) as registry:
                service = registry.domain.mappings
                table = service.put(org, read_table_file(file, registry.concepts), LOADER.name)
            version, names = table.version, len(table.mappings)
        out.print(f"material mappings of {org}: version {version}, {names} names")

    return mappings_app


app.add_typer(_mappings_commands(), name="mappings")

# --- carbon factor sets (issue 17): one function, apart from the other commands, to ease merging -------------


def _factors_commands() -> typer.Typer:
    """`mpr factors show|set ORG SET`: an organisation's carbon factor set in the local (or remote) store.

    The local operator's commands, as `mpr mappings`: they act on the store directly; over HTTP the same set is
    `GET/PUT /organisations/{org}/carbon-factors/{set}`, where only the organisation's members may write and a
    restricted set is read only by them, auditors and admins.
    """
    import json

    factors_app = typer.Typer(help="Organisations' carbon factor sets (CSV or RDF, versioned)", no_args_is_help=True)

    @factors_app.command("show")
    def factors_show(
        org: str = typer.Argument(..., help="The organisation (e.g. acme-bouw)"),
        name: str = typer.Argument(..., help="The set (e.g. concrete-epds)"),
        version: int | None = typer.Option(None, "--version", min=1, help="An earlier version"),
        turtle: bool = typer.Option(False, "--turtle", help="Print the set as Turtle instead of JSON"),
        data: Path | None = DataOption, sparql_query: str | None = QueryUrl, sparql_update: str | None = UpdateUrl,
        url: str | None = UrlOption, token: str | None = TokenOption,
    ) -> None:
        """Print a carbon factor set (JSON, or Turtle)."""
        server = _server(url, token, data, sparql_query)
        if server is not None:
            answer = _ask(server.factor_set, org, name, version, turtle)
            if turtle:
                sys.stdout.buffer.write(answer)
            else:
                out.print_json(answer.decode("utf-8"))
            return
        with _registry(data, sparql_query, sparql_update) as registry:
            sets = registry.domain.factor_sets
            if turtle:
                sys.stdout.buffer.write(sets.turtle(org, name, version))
                return
            out.print_json(json.dumps(sets.get(org, name, version).as_dict(), ensure_ascii=False))

    @factors_app.command("set")
    def factors_set(
        org: str = typer.Argument(..., help="The organisation"),
        name: str = typer.Argument(..., help="The set"),
        file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                    help="CSV (material,module,value,unit,en15804_version,gwp_indicator,declared_unit,"
                                         "source,licence[,dataset]) or RDF (.ttl, .jsonld, ...)"),
        visibility: str | None = typer.Option(None, "--visibility", help="public or restricted (a new set: "
                                                                          "restricted; a new version keeps it)"),
        data: Path | None = DataOption, sparql_query: str | None = QueryUrl, sparql_update: str | None = UpdateUrl,
        url: str | None = UrlOption, token: str | None = TokenOption,
    ) -> None:
        """Store FILE as a new version of an organisation's carbon factor set; beside `mpr serve`, through it."""
        from pyoxigraph import RdfFormat

        from registry.indicators.factorsets import read_upload

        fmt = RdfFormat.from_extension(file.suffix.lstrip("."))
        media_type = "text/csv" if file.suffix.lower() == ".csv" else fmt.media_type if fmt else ""
        server = _server(url, token, data, sparql_query)
        if server is not None:
            stored = _ask(server.put_factor_set, org, name, file.read_bytes(), media_type, visibility)
            version, values, seen = stored["version"], stored["values"], stored["visibility"]
        else:
            with _registry(data, sparql_query, sparql_update) as registry:
                sets = registry.domain.factor_sets
                rows = read_upload(file.read_bytes(), media_type, registry.concepts, sets.graph(org, name).value)
                kept = sets.put(org, name, rows, visibility, LOADER.name)
            version, values, seen = kept.ref.version, len(kept.rows), kept.visibility
        out.print(f"carbon factor set {org}/{name}: version {version}, {values} values, {seen}")

    return factors_app


app.add_typer(_factors_commands(), name="factors")

if __name__ == "__main__":
    app()
