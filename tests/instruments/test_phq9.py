"""PHQ-9 scoring against the reference vectors (instruments.md §8.1, rules in §1 and Decision 1).

Total = sum of items 1–9 (0–3 each). Bands: minimal 0–4, mild 5–9, moderate 10–14,
moderately_severe 15–19, severe 20–27. Item 9 ≥ 1 raises `suicidal_ideation`, also on an
incomplete response. Provisional syndrome: a symptom is present at ≥ 2 on items 1–8 and ≥ 1 on
item 9; core = items 1–2 present; major = core ≥ 1 and n ≥ 5; other = core ≥ 1 and 2 ≤ n ≤ 4.
Item 10 (difficulty) is never scored and is required only when the total is above 0.
"""

from __future__ import annotations

import pytest

FLAG9 = "suicidal_ideation"

# (reference id, items 1–9, total, band, item-9 flag raised, provisional syndrome)
VECTORS = [
    # 0 = 0; n = 0
    ("P1", "0 0 0 0 0 0 0 0 0", 0, "minimal", False, None),
    # 9 × 3 = 27; all nine present, core 2
    ("P2", "3 3 3 3 3 3 3 3 3", 27, "severe", True, "major"),
    # item 9 alone: 1; n = 1 (item 9), core 0
    ("P3", "0 0 0 0 0 0 0 0 1", 1, "minimal", True, None),
    # 2+2+2+2+2 = 10; n = 5 (items 1–5), core 2
    ("P4", "2 2 2 2 2 0 0 0 0", 10, "moderate", False, "major"),
    # 2+2+2+2+1+0+0+0+1 = 10; n = 5 (items 1–4 at 2, item 9 at 1), core 2
    ("P5", "2 2 2 2 1 0 0 0 1", 10, "moderate", True, "major"),
    # 2+2+2+2+1+1 = 10; n = 4 (items 5 and 6 at 1 are not present), core 2
    ("P6", "2 2 2 2 1 1 0 0 0", 10, "moderate", False, "other"),
    # 3+3+3+3+3 = 15; n = 5 but core 0
    ("P7", "0 0 3 3 3 3 3 0 0", 15, "moderately_severe", False, None),
    # 2+2 = 4; n = 2 (items 1, 3), core 1
    ("P8", "2 0 2 0 0 0 0 0 0", 4, "minimal", False, "other"),
    # 3+1 = 4; n = 2 (item 1, item 9 at 1), core 1
    ("P9", "3 0 0 0 0 0 0 0 1", 4, "minimal", True, "other"),
    # 9 × 1 = 9; n = 1 (item 9 only), core 0
    ("P10", "1 1 1 1 1 1 1 1 1", 9, "mild", True, None),
    # 8 × 1 + 2 = 10; n = 1 (item 9), core 0
    ("P11", "1 1 1 1 1 1 1 1 2", 10, "moderate", True, None),
    # 9 × 2 = 18; n = 9, core 2
    ("P12", "2 2 2 2 2 2 2 2 2", 18, "moderately_severe", True, "major"),
    # 5 × 3 + 2 + 2 = 19; n = 7, core 2
    ("P13", "3 3 3 3 3 2 2 0 0", 19, "moderately_severe", False, "major"),
    # 6 × 3 + 2 = 20; n = 7, core 2
    ("P14", "3 3 3 3 3 3 2 0 0", 20, "severe", False, "major"),
    # 5 × 1 = 5; n = 0
    ("P15", "1 1 1 1 1 0 0 0 0", 5, "mild", False, None),
    # 4 × 1 = 4; n = 0
    ("P16", "0 0 0 1 1 1 1 0 0", 4, "minimal", False, None),
    # 2+1 = 3; n = 1 (item 1), core 1: one core symptom is not a syndrome
    ("P17", "2 1 0 0 0 0 0 0 0", 3, "minimal", False, None),
]


@pytest.mark.parametrize(
    ("row", "total", "band", "flagged", "syndrome"),
    [pytest.param(*vector[1:], id=vector[0]) for vector in VECTORS],
)
def test_reference_vector_scores_total_band_flag_and_syndrome(score_row, row, total, band, flagged, syndrome):
    result = score_row("phq9", row)

    assert result.total == total
    assert result.band == band
    assert {flag.key for flag in result.flags} == ({FLAG9} if flagged else set())
    assert result.syndrome == syndrome


def test_item9_flag_is_urgent_and_labelled_as_safety_item(score_row):
    (flag,) = score_row("phq9", "0 0 0 0 0 0 0 0 1").flags

    assert flag.is_urgent
    assert flag.label == "Safety item endorsed (PHQ-9 item 9)"


def test_item9_answered_raises_flag_even_when_incomplete(score_row):
    result = score_row("phq9", "0 0 - 0 0 0 0 0 1")  # item 3 missing

    assert result.total is None
    assert result.band is None
    assert result.syndrome is None
    assert {flag.key for flag in result.flags} == {FLAG9}
    assert not result.is_complete
    assert "3" in result.unanswered


@pytest.mark.parametrize(
    ("row", "missing"),
    [
        pytest.param("- 3 3 3 3 3 3 3 0", {"1"}, id="item1-missing-rest-high"),
        pytest.param("2 2 2 2 2 2 2 2 -", {"9"}, id="item9-missing"),
        pytest.param("- - - - - - - - -", {str(n) for n in range(1, 10)}, id="nothing-answered"),
    ],
)
def test_incomplete_response_has_no_total_band_or_syndrome(score_row, row, missing):
    result = score_row("phq9", row)

    assert result.total is None
    assert result.band is None
    assert result.syndrome is None
    assert result.flags == ()
    assert not result.is_complete
    assert missing <= set(result.unanswered)


@pytest.mark.parametrize("difficulty", [0, 1, 2, 3])
@pytest.mark.parametrize(("row", "total"), [("0 0 0 0 0 0 0 0 0", 0), ("2 2 2 2 1 0 0 0 1", 10)])
def test_item10_never_changes_the_total(score_row, row, total, difficulty):
    result = score_row("phq9", f"{row} {difficulty}")

    assert result.total == total
    assert result.is_complete
    assert result.unanswered == ()


def test_item10_is_unanswered_when_total_above_zero(score_row):
    result = score_row("phq9", "0 0 0 0 0 0 0 0 1")  # total 1, item 10 not asked of the row

    assert result.total == 1
    assert result.unanswered == ("10",)
    assert not result.is_complete


def test_item10_is_not_required_when_total_is_zero(score_row):
    result = score_row("phq9", "0 0 0 0 0 0 0 0 0")

    assert result.total == 0
    assert result.unanswered == ()
    assert result.is_complete
