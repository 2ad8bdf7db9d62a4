"""Validators (ETags) of what a caller was shown, and the write precondition that refuses a filtered view.

A reader who may not see restricted properties gets the passport without them. If that view carried
the ETag of the full passport, its owner could download it anonymously (or through a tool without
a token), edit it and PUT it back with `If-Match`: the write would pass and silently delete every
restricted triple. So a filtered view has a validator of its own, weak (RFC 9110 8.8.1: a different
representation of the same version), and `If-Match` with it is refused with 412 and the reason.
A view that left nothing out is the passport itself and keeps its strong ETag; the price is that a
reader can tell that a passport holds some restricted property (never which, nor its value).
"""

from __future__ import annotations

from registry.errors import PreconditionFailed
from registry.passports.model import etag_for, version_from_etag

PUBLIC_VIEW = "public"


def view_etag(record_id: str, version: int, full: bool) -> str:
    """`"id-v3"` for the full record, `W/"id-v3-public"` for the view without restricted properties."""
    return etag_for(record_id, version) if full else f'W/"{record_id}-v{version}-{PUBLIC_VIEW}"'


def _is_view(record_id: str, tag: str) -> bool:
    tag = tag.strip().removeprefix("W/")
    return tag.startswith(f'"{record_id}-v') and tag.endswith(f'-{PUBLIC_VIEW}"')


def expected_version(record_id: str, if_match: str | None, noun: str = "passport") -> int | None:
    """The version an `If-Match` header holds a write to (None: no precondition).

    412 when it names a filtered view: the body was very likely made from that view, and storing it
    would delete the restricted data the view left out.
    """
    if if_match is None or if_match.strip() == "*":
        return None
    tags = [t.strip() for t in if_match.split(",") if t.strip()]
    views = [t for t in tags if _is_view(record_id, t)]
    if views:
        raise PreconditionFailed(
            f"If-Match {views[0]} is the ETag of a filtered view of {noun} {record_id!r}: restricted properties "
            f"were left out of it, and storing a body made from it would delete them. Fetch the full {noun} "
            "as its owner (with your token) and send that ETag"
        )
    found = [v for v in (version_from_etag(record_id, t) for t in tags) if v is not None]
    if not found:
        raise PreconditionFailed(f"If-Match {if_match} names no version of {noun} {record_id!r}")
    return max(found)
