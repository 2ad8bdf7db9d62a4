"""The answers routers share: JSON with float noise rounded away (registry/quantities.py), and triples in the
RDF format the client negotiated."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi.responses import JSONResponse as StarletteJSON
from fastapi.responses import Response
from pyoxigraph import RdfFormat, Triple

from registry.api.deps import blocking
from registry.quantities import tidy_all
from registry.rdf import serialize_triples


class JSONResponse(StarletteJSON):
    """Figures as their data has them: `15577.2965`, not `15577.296499999999` (issue 16)."""

    def render(self, content: Any) -> bytes:
        return super().render(tidy_all(content))


async def rdf_response(
    triples: Iterable[Triple], media_type: str, etag: Callable[[str], str] | None = None,
) -> Response:
    """Triples in the negotiated RDF media type (one of registry.rdf.ANSWER_FORMATS), serialised off the event loop.

    What a read answers depends on Accept and on who asks (restricted data, versions), so every such answer
    says so in Vary; `etag` gives a representation's validator from its file extension (RFC 9110 8.8.3).
    """
    fmt = RdfFormat.from_media_type(media_type)
    assert fmt is not None, media_type  # callers negotiate among ANSWER_FORMATS
    headers = {"Vary": "Accept, Authorization"}
    if etag is not None:
        headers["ETag"] = etag(fmt.file_extension)
    body = await blocking(serialize_triples, list(triples), fmt)
    return Response(body, media_type=fmt.media_type, headers=headers)
