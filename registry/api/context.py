"""/context.jsonld: the registry's JSON-LD context, at a stable URL other documents can name.

JSON-LD answers carry the same context inline (registry/jsonld.py), so no client has to fetch it; this
route is for documents written elsewhere that want the registry's short names. It changes only with a
release, so it may be cached for a week (and revalidated by its ETag).
"""

from __future__ import annotations

import hashlib
import json

from fastapi import APIRouter, Response

from registry.api.openapi import answers
from registry.jsonld import context

router = APIRouter(tags=["formats"])
JSON_LD = "application/ld+json"
WEEK_S = 7 * 24 * 3600


def context_document() -> bytes:
    """The file `ontology/context.jsonld` holds the same bytes (tests/test_formats.py keeps them in step)."""
    return (json.dumps({"@context": context()}, indent=2) + "\n").encode()


@router.get("/context.jsonld", summary="The registry's JSON-LD @context (prefixes of its vocabularies)",
            responses=answers(JSON_LD))
def read_context() -> Response:
    body = context_document()
    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
    return Response(body, media_type=JSON_LD,
                    headers={"ETag": etag, "Cache-Control": f"public, max-age={WEEK_S}"})
