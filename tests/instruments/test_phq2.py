"""PHQ-2 scoring against the reference vectors (instruments.md §8.2, §2 and Decision 2).

Items = PHQ-9 items 1 and 2, 0–3 each; total 0–6; `positive` at ≥ 3, else `negative`.
"""

from __future__ import annotations

import pytest

# (items 1–2, total, band)
VECTORS = [
    ("0 0", 0, "negative"),  # minimum
    ("1 1", 2, "negative"),  # 1+1 = 2: just below the cut-off
    ("2 1", 3, "positive"),  # 2+1 = 3: cut-off
    ("1 2", 3, "positive"),  # 1+2 = 3: cut-off, the other way round
    ("0 3", 3, "positive"),  # 0+3 = 3: one item alone reaches it
    ("3 3", 6, "positive"),  # maximum
]


@pytest.mark.parametrize(("row", "total", "band"), VECTORS)
def test_reference_vector_scores_total_and_screen_result(score_row, row, total, band):
    result = score_row("phq2", row)

    assert result.total == total
    assert result.band == band
    assert result.flags == ()
    assert result.is_complete
