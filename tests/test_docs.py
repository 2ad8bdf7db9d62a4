"""The documentation keeps up with the code (after Datasette's tests/test_docs.py).

Every setting, every HTTP route and every CLI command must be named somewhere in README.md or
docs/*.md: a feature nobody can find is a feature nobody uses, and a reviewer sees at once when a
change adds one without a word.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import click
import pytest
import typer.main

from registry.api.app import create_app
from registry.cli import app as cli_app
from registry.settings import PROJECT_ROOT, Settings

#: Settings that only tests and packagers change; they point at folders shipped with the package.
UNDOCUMENTED_SETTINGS = {"examples_dir", "ontology_dir", "shapes_dir"}


def _docs_text() -> str:
    pages = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
    return "\n".join(page.read_text(encoding="utf-8") for page in pages)


DOCS = _docs_text()


def _route_paths() -> list[str]:
    """Paths of the OpenAPI description: what a client is promised, so what must be documented."""
    app = create_app(Settings(load_examples=False))
    return sorted(app.openapi()["paths"])


def _documented_path(path: str) -> bool:
    """A route counts as documented when its path appears with any value in place of each parameter."""
    if path == "/":
        return "http://127.0.0.1:8000/" in DOCS or "$R/ " in DOCS
    pattern = re.escape(path)
    pattern = re.sub(r"\\\{[^}]+\\\}", r"[^/\\s?\"']+", pattern)
    return re.search(pattern + r"(?![\w/-])", DOCS) is not None


def _commands(group: click.Group, prefix: str = "mpr") -> Iterator[str]:
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix} {name}")
        else:
            yield f"{prefix} {name}"


@pytest.mark.parametrize("name", sorted(set(Settings.model_fields) - UNDOCUMENTED_SETTINGS))
def test_every_setting_is_documented(name: str) -> None:
    assert f"MPR_{name.upper()}" in DOCS, f"setting {name}: document MPR_{name.upper()} in README.md or docs/"


@pytest.mark.parametrize("path", _route_paths())
def test_every_route_is_documented(path: str) -> None:
    assert _documented_path(path), f"route {path} is not mentioned in README.md or docs/"


@pytest.mark.parametrize("command", list(_commands(typer.main.get_command(cli_app))))  # type: ignore[arg-type]
def test_every_cli_command_is_documented(command: str) -> None:
    assert command in DOCS, f"CLI command {command!r} is not mentioned in README.md or docs/"
