"""QR codes of the console's addresses, drawn as inline SVG with segno (no script, no
image request): the check-in and check-out codes the office shows at an elder's home and
the personal cards it prints.

Owns the drawing and its settings: error correction M (a creased card still scans) and a
quiet zone of four modules, as ISO/IEC 18004 asks.
"""

from __future__ import annotations

import segno
from markupsafe import Markup

__all__ = ["qr_svg"]

MODULE_PIXELS = 5
QUIET_ZONE_MODULES = 4


def qr_svg(text: str, title: str = "") -> Markup:
    """An <svg> element of text as a QR code, safe to put in a page as it is."""
    code = segno.make(text, error="m")
    return Markup(code.svg_inline(scale=MODULE_PIXELS, border=QUIET_ZONE_MODULES, title=title or None, svgclass="qr"))
