"""The page of an organisation's material-name table: its current rows, a form to add or replace rows, and a
dry-run import whose unmapped names (largest volume first) can each be given a concept there and then.

The page saves with `PUT /organisations/{org}/material-mappings` from the browser (mappings.js), with the
user's access token and the version it showed (If-Match), so a mapping made in the page takes the same
validation, access rule and versioning as one sent by a program.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from markupsafe import Markup

from registry.api.templating import environment
from registry.importers.mappings import RELATIONS, MappingTable


def _script_json(value: object) -> Markup:
    """JSON safe inside a <script> element (no '<', '>' or '&' that could end it)."""
    text = json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def render_mappings_page(
    table: MappingTable, materials: Sequence[tuple[str, str]], label: Callable[[str], str], roles: Sequence[str],
) -> str:
    rows = [{"name": name, "concept": m.concept, "label": label(m.concept), "relation": m.relation}
            for name, m in sorted(table.mappings.items(), key=lambda item: item[0].casefold())]
    return environment().get_template("material-mappings.html").render(
        table=table, rows=rows, materials=materials, relations=list(RELATIONS), roles=roles,
        data=_script_json({"organisation": table.organisation, "version": table.version,
                           "mappings": [{k: r[k] for k in ("name", "concept", "relation")} for r in rows]}))
