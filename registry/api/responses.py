"""The JSON answer every router uses: Starlette's, with float noise rounded away (registry/quantities.py)."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse as StarletteJSON

from registry.quantities import tidy_all


class JSONResponse(StarletteJSON):
    """Figures as their data has them: `15577.2965`, not `15577.296499999999` (issue 16)."""

    def render(self, content: Any) -> bytes:
        return super().render(tidy_all(content))
