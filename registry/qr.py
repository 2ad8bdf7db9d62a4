"""QR data carriers (segno): the resolvable URL of a passport, as SVG or PNG."""

from __future__ import annotations

import io

import segno

KINDS = {"image/svg+xml": "svg", "image/png": "png"}


def qr_code(url: str, media_type: str = "image/svg+xml", scale: int = 8) -> bytes:
    # Error correction level M survives the scuffs a label on a building product gets.
    code = segno.make(url, error="m", micro=False)
    out = io.BytesIO()
    code.save(out, kind=KINDS[media_type], scale=scale, border=4)
    return out.getvalue()
