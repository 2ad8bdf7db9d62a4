"""The one Jinja2 environment of the pages: templates from the package, HTML autoescaped.

Built once per process on first use (not at import), so importing the API costs nothing for the CLI.
"""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape


@cache
def environment() -> Environment:
    return Environment(loader=PackageLoader("registry", "templates"), autoescape=select_autoescape(["html"]))
