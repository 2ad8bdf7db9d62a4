"""Validators (ETags) of what a caller was shown, and the write precondition that refuses a filtered view.

A reader who may not see restricted properties gets the passport without them. If that view carried
the ETag of the full passport, its owner could download it anonymously (or through a tool without
a token), edit it and PUT it back with `If-Match`: the write would pass and silently delete every
restricted triple. So a filtered view has a validator of its own, weak (RFC 9110 8.8.1: a different
representation of the same version), and `If-Match` with it is refused with 412 and the reason.
A view that left nothing out is the passport itself and keeps its strong ETag; the price is that a
reader can tell that a passport holds some restricted property (never which, nor its value).

A GET answers with the validator of its representation, not of the version (RFC 9110 8.8.3: the
Turtle and the JSON-LD of one version are different representations and must not share a strong
ETag): `W/"id-v3-ttl"`, `W/"id-v3-public-jsonld"`. `"id-v3"` stays the version's validator, what a
write answers and what `If-Match` is compared with. `If-Match` with a representation's tag is read
as the version it names (friendlier than RFC 9110 13.1.1's strong comparison, under which a weak tag
never matches: a client may send back the tag of what it read); one of a filtered view is still 412.
"""

from __future__ import annotations

from registry.errors import PreconditionFailed
from registry.passports.model import etag_for

PUBLIC_VIEW = "public"


def view_etag(record_id: str, version: int, full: bool) -> str:
    """`"id-v3"` for the full record, `W/"id-v3-public"` for the view without restricted properties."""
    return etag_for(record_id, version) if full else f'W/"{record_id}-v{version}-{PUBLIC_VIEW}"'


def representation_etag(record_id: str, version: int, full: bool, representation: str) -> str:
    """`W/"id-v3-ttl"`, `W/"id-v3-public-ttl"`: weak, as two serialisations of one graph need not be byte-equal.

    `representation` is a lower-case token, or two joined by `-` (`html-<digest>`).
    """
    view = "" if full else f"-{PUBLIC_VIEW}"
    return f'W/"{record_id}-v{version}{view}-{representation}"'


def _token(part: str) -> bool:
    return part != "" and part.isascii() and part.isalnum() and part == part.lower()


def parse_etag(record_id: str, tag: str) -> tuple[int, bool] | None:
    """(version, filtered?) of a validator this record's answers carry; None for any other tag.

    Read part by part: `"id-vN"`, then optionally `-public`, then at most two representation tokens.
    """
    tag = tag.strip().removeprefix("W/")
    prefix = f'"{record_id}-v'
    if not (tag.startswith(prefix) and tag.endswith('"') and len(tag) > len(prefix) + 1):
        return None
    number, *rest = tag[len(prefix):-1].split("-")
    if not (number.isascii() and number.isdigit()):
        return None
    filtered = rest[:1] == [PUBLIC_VIEW]
    representation = rest[1:] if filtered else rest
    if len(representation) > 2 or not all(_token(p) for p in representation):
        return None
    return int(number), filtered


def expected_version(record_id: str, if_match: str | None, noun: str = "passport") -> int | None:
    """The version an `If-Match` header holds a write to (None: no precondition).

    412 when it names a filtered view: the body was very likely made from that view, and storing it
    would delete the restricted data the view left out.
    """
    if if_match is None or if_match.strip() == "*":
        return None
    tags = [t.strip() for t in if_match.split(",") if t.strip()]
    parsed = [(t, parse_etag(record_id, t)) for t in tags]
    views = [t for t, p in parsed if p is not None and p[1]]
    if views:
        raise PreconditionFailed(
            f"If-Match {views[0]} is the ETag of a filtered view of {noun} {record_id!r}: restricted properties "
            f"were left out of it, and storing a body made from it would delete them. Fetch the full {noun} "
            "as its owner (with your token) and send that ETag"
        )
    found = [p[0] for _, p in parsed if p is not None]
    if not found:
        raise PreconditionFailed(f"If-Match {if_match} names no version of {noun} {record_id!r}")
    return max(found)
