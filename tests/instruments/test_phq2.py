"""PHQ-2 scoring against the reference vectors (instruments.md §8.2, §2 and Decision 2).

Items = PHQ-9 items 1 and 2, 0–3 each; total 0–6; `positive` at ≥ 3, else `negative`.
"""

from __future__ import annotations

import pytest

from app.instruments.scoring import AnswerError

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


@pytest.mark.parametrize("row", ["3 -", "- 3", "- -"])
def test_incomplete_response_has_no_total_and_no_band(score_row, row):
    result = score_row("phq2", row)

    assert result.total is None
    assert result.band is None
    assert not result.is_complete


@pytest.mark.parametrize(
    "answers",
    [
        pytest.param({"1": 4}, id="item1-above-3"),
        pytest.param({"2": -1}, id="item2-negative"),
        pytest.param({"3": 0}, id="phq9-item3-is-not-a-phq2-item"),
        pytest.param({"9": 1}, id="phq9-item9-is-not-a-phq2-item"),
        pytest.param({"1": True}, id="boolean"),
    ],
)
def test_answer_outside_the_instrument_raises_answer_error(score_answers, answers):
    with pytest.raises(AnswerError):
        score_answers("phq2", answers)
