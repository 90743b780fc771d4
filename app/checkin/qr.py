"""The QR code that opens the tablet page with the code filled in."""

from __future__ import annotations

from markupsafe import Markup


def kiosk_qr_svg(url: str) -> Markup:
    # segno is imported when a code is shown, not at start-up, where it took a twentieth of
    # every web worker's and command's start (its encoder builds tables on import).
    import segno

    qr = segno.make_qr(url, error="m")
    svg = qr.svg_inline(scale=6, dark="#1b2430", light="#ffffff", svgclass="qr", omitsize=False)
    # segno escapes nothing we pass except the URL it encodes as modules; the SVG is ours.
    return Markup(svg)  # noqa: S704  # nosec B704
