"""Choosing a response media type from an Accept header (RFC 9110 12.5.1: q-values and wildcards)."""

from __future__ import annotations

from collections.abc import Sequence

from registry.errors import NotAcceptable


def _ranges(accept: str) -> list[tuple[str, float]]:
    ranges = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        if not fields[0]:
            continue
        q = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        ranges.append((fields[0].lower(), q))
    return ranges


def _quality(offer: str, ranges: list[tuple[str, float]]) -> float:
    best, best_specificity = 0.0, -1
    kind = offer.split("/")[0]
    for media_range, q in ranges:
        if media_range == offer:
            specificity = 2
        elif media_range == f"{kind}/*":
            specificity = 1
        elif media_range == "*/*":
            specificity = 0
        else:
            continue
        if specificity > best_specificity:
            best, best_specificity = q, specificity
    return best


def choose(
    accept: str | None, offers: Sequence[str], aliases: dict[str, str] | None = None, *, strict: bool = True
) -> str:
    """The offer the client prefers; the first offer when it accepts anything (or says nothing).

    Not strict: answer in the first offer rather than 406 (RFC 9110 allows it). SPARQL clients ask
    for result formats even for CONSTRUCT (rdflib's SPARQLStore does), and expect a graph back.
    """
    if not accept or not accept.strip():
        return offers[0]
    ranges = _ranges(accept)
    if aliases:
        ranges = [(aliases.get(r, r), q) for r, q in ranges]
    scored = [(_quality(offer, ranges), -i, offer) for i, offer in enumerate(offers)]
    q, _, offer = max(scored)
    if q <= 0:
        if not strict:
            return offers[0]
        raise NotAcceptable(f"cannot answer in {accept}; available: {', '.join(offers)}")
    return offer
