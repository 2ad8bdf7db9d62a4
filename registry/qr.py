"""QR data carriers (segno): the resolvable URL of a passport, as SVG or PNG."""

from __future__ import annotations

import io

import segno

KINDS = {"image/svg+xml": "svg", "image/png": "png"}
# ISO/IEC 18004 asks for a quiet zone of 4 modules around the symbol; scanners fail without it.
QUIET_ZONE = 4


def _make(url: str) -> segno.QRCode:
    # Error correction level M survives the scuffs a label on a building product gets.
    return segno.make(url, error="m", micro=False)


def qr_code(url: str, media_type: str = "image/svg+xml", scale: int = 8) -> bytes:
    out = io.BytesIO()
    _make(url).save(out, kind=KINDS[media_type], scale=scale, border=QUIET_ZONE)
    return out.getvalue()


def qr_svg_inline(url: str) -> str:
    """The code for an HTML page: a viewBox and no fixed size, so CSS scales it whole, quiet zone included.

    A fixed 296 px SVG shrunk by CSS was clipped (the page showed a corner of it, which no scanner read);
    the white background keeps the quiet zone light on any page colour.
    """
    svg: str = _make(url).svg_inline(scale=1, border=QUIET_ZONE, omitsize=True, dark="#000", light="#fff",
                                     svgclass="qr-code")
    return svg
