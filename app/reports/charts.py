"""Trend charts as SVG markup, for the history page and the PDF alike.

Readable in black and white: each band has its own hatching as well as its own grey, its
label is written inside it, and every point carries its value, so nothing depends on colour.
Only presentation attributes are used (no style attributes), which the page's CSP allows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 230
LEFT, RIGHT, TOP, BOTTOM = 34, 178, 14, 34
INSET = 26  # keeps the first and last points clear of the axes
# The PDF's packaged font first; a browser falls back to its own sans-serif.
FONT_FAMILY = "Report Sans, DejaVu Sans, sans-serif"
DATE_LABEL_WIDTH = 72  # room one "01 Jan 2026" needs at font size 10

# (fill, hatching path in a 8x8 tile or None): lighter bands first, so "higher" reads as "denser".
BAND_LOOKS = (
    ("#ffffff", None),
    ("#f2f2f2", "M0,8 l8,-8"),
    ("#e4e4e4", "M0,8 l8,-8 M0,0 l8,8"),
    ("#d6d6d6", "M0,4 h8 M4,0 v8"),
    ("#c8c8c8", "M0,8 l8,-8 M0,0 l8,8 M0,4 h8"),
)


@dataclass(frozen=True)
class ChartBand:
    label: str
    low: int
    high: int


@dataclass(frozen=True)
class ChartPoint:
    label: str  # the date as the reader should see it
    total: int


def trend_chart(
    chart_id: str, title: str, points: list[ChartPoint], bands: list[ChartBand], total_range: tuple[int, int]
) -> Markup:
    """An SVG line chart of totals over the band stripes. `chart_id` keeps pattern ids unique
    when several charts share a page."""
    low, high = total_range
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    span = max(high - low, 1)

    def y_of(value: float) -> float:
        return TOP + plot_h - (value - low) / span * plot_h

    def x_of(index: int) -> float:
        inner = plot_w - 2 * INSET
        return LEFT + INSET + (inner / 2 if len(points) == 1 else index * inner / (len(points) - 1))

    cid = escape(chart_id)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'class="trend-chart" role="img" aria-labelledby="{cid}-title" font-family="{FONT_FAMILY}">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        "<defs>",
    ]
    for index, (_fill, hatch) in enumerate(BAND_LOOKS):
        if hatch:
            parts.append(
                f'<pattern id="{cid}-p{index}" width="8" height="8" patternUnits="userSpaceOnUse">'
                f'<path d="{hatch}" stroke="#8a8a8a" stroke-width="0.7" fill="none"/></pattern>'
            )
    parts.append("</defs>")
    for index, band in enumerate(bands):
        fill, hatch = BAND_LOOKS[min(index, len(BAND_LOOKS) - 1)]
        top, bottom = (
            y_of(band.high + 0.5 if band.high < high else high),
            y_of(band.low - 0.5 if band.low > low else low),
        )
        height = bottom - top
        parts.append(f'<rect x="{LEFT}" y="{top:.1f}" width="{plot_w}" height="{height:.1f}" fill="{fill}"/>')
        if hatch:
            parts.append(
                f'<rect x="{LEFT}" y="{top:.1f}" width="{plot_w}" height="{height:.1f}" fill="url(#{cid}-p{index})"/>'
            )
        parts.append(
            f'<text x="{LEFT + plot_w + 6}" y="{top + height / 2 + 4:.1f}" font-size="11" fill="#1b1b1b">'
            f"{escape(band.label)} ({band.low}–{band.high})</text>"
        )
    parts.append(
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#1b1b1b" stroke-width="1"/>'
    )
    for tick in sorted({low, high, *(band.low for band in bands)}):
        parts.append(
            f'<text x="{LEFT - 5}" y="{y_of(tick) + 4:.1f}" font-size="10" text-anchor="end" '
            f'fill="#1b1b1b">{tick}</text>'
        )
    coordinates = [(x_of(i), y_of(point.total)) for i, point in enumerate(points)]
    if len(coordinates) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#000000" stroke-width="2"/>')
    step = (plot_w - 2 * INSET) / max(len(points) - 1, 1)
    date_every = max(1, math.ceil(DATE_LABEL_WIDTH / step))
    last = len(points) - 1
    for index, ((x, y), point) in enumerate(zip(coordinates, points, strict=True)):
        radius = 4 if step >= 12 else 2.5
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="#ffffff" stroke="#000000" stroke-width="2"/>'
        )
        # every value when they fit side by side; else the first and the latest (the table has them all)
        if step >= 18 or index in (0, last):
            label_y = y - 8 if y - 8 > TOP + 10 else y + 17
            parts.append(
                f'<text x="{x:.1f}" y="{label_y:.1f}" font-size="11" font-weight="bold" text-anchor="middle" '
                f'fill="#000000">{point.total}</text>'
            )
        # the latest date always, and others only where they cannot run into it
        if index == last or (index % date_every == 0 and last - index >= date_every):
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" font-size="10" text-anchor="middle" fill="#1b1b1b">'
                f"{escape(point.label)}</text>"
            )
    parts.append("</svg>")
    # Every interpolated text above is escaped.
    return Markup("".join(parts))  # noqa: S704  # nosec B704
