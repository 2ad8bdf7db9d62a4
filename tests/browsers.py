"""Headless Chromium for the page tests: one way to find it, skip without it, and launch it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def skip_without_chromium() -> None:
    """Skip the calling module on a machine without Chromium; under CI nothing skips (the fixture fails)."""
    if CHROMIUM is None and os.environ.get("CI") != "true":
        pytest.skip("Chromium is not installed (bash .ci/run installs it)", allow_module_level=True)


@contextmanager
def chromium() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "Chromium is required under CI"
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()
