"""Trend charts as SVG markup, for the history page and the PDF alike.

Readable in black and white: each band has its own hatching as well as its own grey, its
label is written inside it, and every point carries its value, so nothing depends on colour.
Only presentation attributes are used (no style attributes), which the page's CSP allows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup, escape

FONT_FAMILY = "Report Sans, DejaVu Sans, sans-serif"
# Text sizes are in the chart's own units. Each layout is drawn at about its own width (the
# page shows the wide one from a tablet up and the compact one on a phone, and neither is
# shrunk below its width), so 13 units stay at least 12 px on screen.
FONT_SIZE, SMALL_FONT_SIZE = 13, 12
DATE_LABEL_WIDTH = 86  # room one "01 Jan 2026" needs at the small size


@dataclass(frozen=True)
class Layout:
    width: int
    height: int
    left: int
    right: int  # room for the band labels; 0 writes them inside their bands
    top: int
    bottom: int
    inset: int  # keeps the first and last points clear of the axes


WIDE = Layout(640, 240, 36, 190, 16, 36, 26)
COMPACT = Layout(300, 220, 30, 0, 16, 36, 22)
LEGEND_ROW = 20  # the compact layout's key of bands, under the chart

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
    chart_id: str,
    title: str,
    points: list[ChartPoint],
    bands: list[ChartBand],
    total_range: tuple[int, int],
    *,
    compact: bool = False,
) -> Markup:
    """An SVG line chart of totals over the band stripes, sized by CSS to its container.
    `chart_id` keeps pattern ids unique when several charts share a page. The compact
    layout writes each band's label inside its band and dates only at both ends; the newest
    point and its value are always drawn, inside the plot."""
    look = COMPACT if compact else WIDE
    low, high = total_range
    plot_w, plot_h = look.width - look.left - look.right, look.height - look.top - look.bottom
    span = max(high - low, 1)

    def y_of(value: float) -> float:
        return look.top + plot_h - (value - low) / span * plot_h

    def x_of(index: int) -> float:
        inner = plot_w - 2 * look.inset
        return look.left + look.inset + (inner / 2 if len(points) == 1 else index * inner / (len(points) - 1))

    cid = escape(chart_id)
    total_height = look.height + (0 if look.right else 8 + LEGEND_ROW * len(bands))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {look.width} {total_height}" '
        f'class="trend-chart {"compact" if compact else "wide"}" role="img" aria-labelledby="{cid}-title" '
        f'font-family="{FONT_FAMILY}">',
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
    labels = []
    for index, band in enumerate(bands):
        fill, hatch = BAND_LOOKS[min(index, len(BAND_LOOKS) - 1)]
        top, bottom = (
            y_of(band.high + 0.5 if band.high < high else high),
            y_of(band.low - 0.5 if band.low > low else low),
        )
        height = bottom - top
        parts.append(f'<rect x="{look.left}" y="{top:.1f}" width="{plot_w}" height="{height:.1f}" fill="{fill}"/>')
        if hatch:
            parts.append(
                f'<rect x="{look.left}" y="{top:.1f}" width="{plot_w}" height="{height:.1f}" '
                f'fill="url(#{cid}-p{index})"/>'
            )
        text = f"{escape(band.label)} ({band.low}–{band.high})"
        label_y = top + height / 2 + 4.5
        if look.right:
            labels.append(
                f'<text x="{look.left + plot_w + 6}" y="{label_y:.1f}" font-size="{FONT_SIZE}" fill="#1b1b1b">'
                f"{text}</text>"
            )
        else:
            # a key under the chart, highest band first, each with its own swatch: inside the
            # plot a label would sit under the points it describes
            key_x, key_y = look.left, look.height + 6 + (len(bands) - 1 - index) * LEGEND_ROW
            labels.append(
                f'<rect x="{key_x}" y="{key_y}" width="14" height="14" fill="{fill}" stroke="#1b1b1b" '
                f'stroke-width="0.7"/>'
                + (
                    f'<rect x="{key_x}" y="{key_y}" width="14" height="14" fill="url(#{cid}-p{index})"/>'
                    if hatch
                    else ""
                )
                + f'<text x="{key_x + 19}" y="{key_y + 12}" font-size="{SMALL_FONT_SIZE}" fill="#1b1b1b">{text}</text>'
            )
    parts += labels
    parts.append(
        f'<rect x="{look.left}" y="{look.top}" width="{plot_w}" height="{plot_h}" fill="none" '
        f'stroke="#1b1b1b" stroke-width="1"/>'
    )
    for tick in sorted({low, high, *(band.low for band in bands)}):
        parts.append(
            f'<text x="{look.left - 5}" y="{y_of(tick) + 4:.1f}" font-size="{SMALL_FONT_SIZE}" text-anchor="end" '
            f'fill="#1b1b1b">{tick}</text>'
        )
    coordinates = [(x_of(i), y_of(point.total)) for i, point in enumerate(points)]
    if len(coordinates) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#000000" stroke-width="2"/>')
    step = (plot_w - 2 * look.inset) / max(len(points) - 1, 1)
    date_every = max(1, math.ceil(DATE_LABEL_WIDTH / step))
    last = len(points) - 1
    for index, ((x, y), point) in enumerate(zip(coordinates, points, strict=True)):
        radius = 4 if step >= 12 else 2.5
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="#ffffff" stroke="#000000" stroke-width="2"/>'
        )
        # every value when they fit side by side; else the first and the latest (the table has them all)
        if step >= 22 or index in (0, last):
            label_y = y - 9 if y - 9 > look.top + 12 else y + 19
            parts.append(
                f'<text x="{x:.1f}" y="{label_y:.1f}" font-size="{FONT_SIZE}" font-weight="bold" '
                f'text-anchor="middle" fill="#000000">'
                f"{point.total}</text>"
            )
        # the latest date always, and others only where they cannot run into it
        if index == last or (index % date_every == 0 and last - index >= date_every):
            anchor = "end" if index == last and len(points) > 1 else ("start" if index == 0 else "middle")
            label_x = {"end": x + look.inset - 2, "start": x - look.inset + 2, "middle": x}[anchor]
            parts.append(
                f'<text x="{label_x:.1f}" y="{look.height - look.bottom + 18}" font-size="{SMALL_FONT_SIZE}" '
                f'text-anchor="{anchor}" fill="#1b1b1b">{escape(point.label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text above is escaped  # nosec B704


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    #: what is written at the end of the bar, e.g. "12 of 40 (30 %)"
    value_text: str


def bar_chart(chart_id: str, title: str, bars: list[Bar], maximum: float | None = None) -> Markup:
    """Horizontal bars, one per row, each with its label above it and its value written at
    its end: nothing depends on colour, and it reads the same at any width (the table beside
    it gives the same figures)."""
    width, row, left = 300, 44, 4
    height = max(len(bars), 1) * row + 8
    top_value = maximum if maximum is not None else max((bar.value for bar in bars), default=0)
    scale = (width - 2 * left - 120) / top_value if top_value else 0
    cid = escape(chart_id)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" class="bar-chart" role="img" '
        f'aria-labelledby="{cid}-title" font-family="{FONT_FAMILY}">',
        f'<title id="{cid}-title">{escape(title)}</title>',
    ]
    for index, bar in enumerate(bars):
        y = 4 + index * row
        length = max(bar.value * scale, 0)
        parts.append(f'<text x="{left}" y="{y + 13}" font-size="{FONT_SIZE}" fill="#1b1b1b">{escape(bar.label)}</text>')
        parts.append(
            f'<rect x="{left}" y="{y + 19}" width="{length:.1f}" height="16" fill="#4a5563" stroke="#1b1b1b"/>'
        )
        parts.append(
            f'<text x="{left + length + 6:.1f}" y="{y + 32}" font-size="{FONT_SIZE}" font-weight="bold" '
            f'fill="#1b1b1b">{escape(bar.value_text)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text above is escaped  # nosec B704


SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 96, 24, 4


def sparkline(chart_id: str, title: str, points: list[ChartPoint], total_range: tuple[int, int]) -> Markup:
    """A word-sized trend of totals for a table cell: the line over the instrument's whole
    range, the latest point marked. The values themselves are written beside it."""
    low, high = total_range
    span = max(high - low, 1)
    inner_w, inner_h = SPARK_WIDTH - 2 * SPARK_PAD, SPARK_HEIGHT - 2 * SPARK_PAD
    step = inner_w / max(len(points) - 1, 1)
    coordinates = [
        (
            SPARK_PAD + (inner_w / 2 if len(points) == 1 else index * step),
            SPARK_PAD + inner_h - (point.total - low) / span * inner_h,
        )
        for index, point in enumerate(points)
    ]
    cid = escape(chart_id)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SPARK_WIDTH} {SPARK_HEIGHT}" width="{SPARK_WIDTH}" '
        f'height="{SPARK_HEIGHT}" class="sparkline" role="img" aria-labelledby="{cid}-title">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<line x1="{SPARK_PAD}" y1="{SPARK_HEIGHT - SPARK_PAD}" x2="{SPARK_WIDTH - SPARK_PAD}" '
        f'y2="{SPARK_HEIGHT - SPARK_PAD}" stroke="#8a8a8a" stroke-width="0.6"/>',
    ]
    if len(coordinates) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#000000" stroke-width="1.4"/>')
    x, y = coordinates[-1]
    parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.4" fill="#000000"/>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - the only text, the title, is escaped  # nosec B704
