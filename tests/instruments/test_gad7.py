"""GAD-7 scoring against the reference vectors (instruments.md §8.3, §3 and Decision 3).

Total = sum of items 1–7 (0–3 each), 0–21. Bands: minimal 0–4, mild 5–9, moderate 10–14,
severe 15–21. A total of 10 or more means "further evaluation recommended".
"""

from __future__ import annotations

import pytest

FURTHER_EVALUATION = "further_evaluation"

# (items 1–7, total, band); the flag follows from the total (≥ 10)
VECTORS = [
    ("0 0 0 0 0 0 0", 0, "minimal"),  # minimum
    ("1 1 1 1 0 0 0", 4, "minimal"),  # 4 × 1 = 4: band edge
    ("1 1 1 1 1 0 0", 5, "mild"),  # 5 × 1 = 5: band edge
    ("1 1 1 1 1 1 1", 7, "mild"),  # 7 × 1 = 7
    ("2 2 2 2 1 0 0", 9, "mild"),  # 4 × 2 + 1 = 9: band edge, no flag yet
    ("2 2 2 2 2 0 0", 10, "moderate"),  # 5 × 2 = 10: band edge, flag
    ("3 3 3 3 2 0 0", 14, "moderate"),  # 4 × 3 + 2 = 14: band edge
    ("3 3 3 3 3 0 0", 15, "severe"),  # 5 × 3 = 15: band edge
    ("3 3 3 3 3 3 3", 21, "severe"),  # 7 × 3 = 21: maximum
]


@pytest.mark.parametrize(("row", "total", "band"), VECTORS)
def test_reference_vector_scores_total_band_and_flag(score_row, row, total, band):
    result = score_row("gad7", row)

    assert result.total == total
    assert result.band == band
    assert {flag.key for flag in result.flags} == ({FURTHER_EVALUATION} if total >= 10 else set())


@pytest.mark.parametrize(("row", "flagged"), [("2 2 2 2 1 0 0", False), ("2 2 2 2 2 0 0", True)])
def test_further_evaluation_flag_starts_at_ten(score_row, row, flagged):
    assert any(flag.key == FURTHER_EVALUATION for flag in score_row("gad7", row).flags) is flagged
