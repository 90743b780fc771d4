"""Trend and bar charts: they scale to their container, their text stays readable, and the
newest point is always inside the picture."""

from __future__ import annotations

import re

import pytest
from PIL import ImageFont

from app.config import PROJECT_ROOT
from app.reports.charts import Bar, ChartBand, ChartPoint, bar_chart, trend_chart

FONTS = PROJECT_ROOT / "app" / "reports" / "fonts"
BANDS = [
    ChartBand("None–minimal", 0, 4),
    ChartBand("Mild", 5, 9),
    ChartBand("Moderate", 10, 14),
    ChartBand("Moderately severe", 15, 19),
    ChartBand("Severe", 20, 27),
]
POINTS = [
    ChartPoint(f"{day:02d} Jan 2026", total) for day, total in zip(range(1, 13), [3, 8, 27, 14, 0, 20] * 2, strict=True)
]


def _view_box(svg: str) -> tuple[float, float]:
    width, height = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).groups()
    return float(width), float(height)


@pytest.mark.parametrize("compact", [False, True])
def test_trend_chart_scales_to_its_container_with_text_of_at_least_12(compact):
    svg = str(trend_chart("t", "PHQ-9 totals", POINTS, BANDS, (0, 27), compact=compact))
    opening = svg.split(">", 1)[0]
    assert "viewBox" in opening
    assert " width=" not in opening  # no fixed size: CSS fits it to the page or the PDF column
    assert " height=" not in opening
    sizes = [float(size) for size in re.findall(r'font-size="([\d.]+)"', svg)]
    assert sizes
    assert min(sizes) >= 12


@pytest.mark.parametrize("compact", [False, True])
def test_newest_point_its_value_and_every_band_label_are_inside_the_chart(compact):
    svg = str(trend_chart("t", "PHQ-9 totals", POINTS, BANDS, (0, 27), compact=compact))
    width, height = _view_box(svg)
    circles = [
        (float(x), float(y), float(r))
        for x, y, r in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)"', svg)
    ]
    x, y, r = circles[-1]
    assert x + r <= width
    assert y - r >= 0
    assert y + r <= height
    texts = re.findall(r'<text x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]+)</text>', svg)
    assert [t for t in texts if t[2] == "20" and abs(float(t[0]) - x) < 1]  # the newest value, over its point
    assert [t for t in texts if t[2] == "12 Jan 2026"]  # and its date
    for band in BANDS:
        label = [t for t in texts if t[2].startswith(band.label + " (")]
        assert label, band.label
        x, _y, text = label[0]
        assert float(x) + _text_width(text, svg) <= width, text


def _text_width(text: str, svg: str) -> float:
    """The width of `text` in the packaged DejaVu Sans at the size the chart gives it."""
    size = float(re.search(r'font-size="([\d.]+)"[^>]*>' + re.escape(text) + "<", svg).group(1))
    return ImageFont.truetype(str(FONTS / "DejaVuSans.ttf"), size).getlength(text)


def test_bar_chart_writes_every_value_and_label():
    svg = str(bar_chart("b", "Referrals", [Bar("Psychiatry", 2, "2"), Bar("Counselling", 1, "1")]))
    assert "Psychiatry" in svg
    assert ">2</text>" in svg
    assert min(float(size) for size in re.findall(r'font-size="([\d.]+)"', svg)) >= 12
    assert 'role="img"' in svg
