"""The README runs as written (after Datasette's documentation tests): every `curl` of its ```sh blocks,
in order, against a fresh `mpr serve` with the examples loaded; then every `mpr` command of the
"Command line" block on the store that server leaves behind.

The commands are taken from README.md itself, so an edit to the tour is tested as it is published. They
run in bash from a folder holding only `examples/` (a link), so a command that names a file nobody ships
fails here. `$R` and `$TOKEN` are set as the tour says. The tests depend on running in order, as the tour
does (the PUT needs the POST before it).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from registry.settings import PROJECT_ROOT
from tests.conftest import ADMIN, Server

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
SH_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)
STATUS = "HTTP-STATUS:"


def shell_commands(text: str) -> list[str]:
    """The commands of the sh blocks: continuation lines joined, blank and comment-only lines left out."""
    commands = []
    for block in SH_BLOCK.findall(text):
        for line in block.replace("\\\n", " ").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                commands.append(line.strip())
    return commands


CURLS = [c for c in shell_commands(README) if c.startswith("curl ")]
# `mpr serve` starts servers (the tour's own one is started below), except for its --help.
MPRS = [c for c in shell_commands(README) if c.startswith("mpr ") and (not c.startswith("mpr serve")
                                                                        or c.startswith("mpr serve --help"))]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the tour runs: the shipped examples and nothing else of the repository."""
    here = tmp_path_factory.mktemp("tour")
    (here / "examples").symlink_to(PROJECT_ROOT / "examples")
    return here


@pytest.fixture(scope="module")
def server(folder: Path) -> Iterator[Server]:
    running = Server(folder / "data").start()
    yield running
    running.stop()


def bash(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", command], capture_output=True, text=True, cwd=cwd, timeout=280,
                          env={**os.environ, **env})


def test_the_tour_has_commands_to_run() -> None:
    assert len(CURLS) >= 30 and len(MPRS) >= 10
    assert any("examples/tour/model.ifc" in c for c in CURLS)


@pytest.mark.parametrize("command", CURLS)
def test_tour_curl_command_succeeds(server: Server, folder: Path, command: str) -> None:
    # The status is written after the body; -sS keeps curl's progress meter out and its errors in.
    measured = command.replace("curl ", f"curl -sS -w '\\n{STATUS}%{{http_code}}\\n' ", 1)
    result = bash(measured, folder, {"R": server.url, "TOKEN": ADMIN})
    assert result.returncode == 0, result.stderr
    status = int(result.stdout.rsplit(STATUS, 1)[1])
    assert 200 <= status < 400, f"{command}\n-> {status}: {result.stdout[-2000:]}"


@pytest.fixture(scope="module")
def stopped(server: Server) -> dict[str, str]:
    """The store the tour's server leaves behind (the imports of the CLI block need the store itself),
    as the environment of commands on it. The server listened on another port than the tour's 8000, so
    this also holds the CLI to reading the store under the base URL it was made with."""
    server.stop()
    return {"MPR_DATA": str(server.data), "MPR_URL": "", "MPR_TOKEN": ""}


@pytest.mark.parametrize("command", MPRS)
def test_cli_command_succeeds(stopped: dict[str, str], folder: Path, command: str) -> None:
    result = bash(command, folder, stopped)
    assert result.returncode == 0, f"{command}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}"
