"""Rules every instrument shares: an unanswered scored item leaves no total and no band
(no proration), and an answer the instrument does not have is refused."""

import pytest

from app.instruments.scoring import AnswerError

# Rows as the reference writes them, "-" for an unanswered item.
INCOMPLETE = {
    "gad7": ["0 0 0 0 0 0 -", "- 1 1 1 1 1 1", "- - - - - - -"],
    "phq2": ["3 -", "- 3", "- -"],
    "aceaware": ["1 1 1 1 1 1 1 1 1 -", "- 0 0 0 0 0 0 0 0 0"],
    "pcl5": ["4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 4 -", "- 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0"],
}
BAD_ANSWERS = {
    "aceaware": [
        pytest.param({"1": 2}, id="value-2"),
        pytest.param({"self_rating": 3}, id="self-rating-beyond-a-lot"),
        pytest.param({"11": 0}, id="item-11-unknown"),
    ],
    "pcptsd5": [
        pytest.param({"exposure": 2}, id="exposure-2"),
        pytest.param({"1": 2}, id="item1-value-2"),
        pytest.param({"6": 0}, id="item-6-unknown"),
        pytest.param({"exposure": True}, id="boolean"),
    ],
    "pcl5": [
        pytest.param({"1": 5}, id="item1-above-4"),
        pytest.param({"20": -1}, id="item20-negative"),
        pytest.param({"21": 0}, id="item-21-unknown"),
        pytest.param({"17": True}, id="boolean"),
    ],
    "ace": [
        pytest.param({"1": 2}, id="value-2"),
        pytest.param({"1": -1}, id="negative"),
        pytest.param({"11": 0}, id="item-11-unknown"),
        pytest.param({"1": True}, id="boolean-true-is-not-yes"),
        pytest.param({"1": False}, id="boolean-false-is-not-no"),
        pytest.param({"1": "yes"}, id="string"),
    ],
    "gad7": [
        pytest.param({"1": 4}, id="item1-above-3"),
        pytest.param({"7": -1}, id="item7-negative"),
        pytest.param({"8": 0}, id="item-8-unknown"),
        pytest.param({"10": 0}, id="no-difficulty-item"),
        pytest.param({"2": False}, id="boolean"),
    ],
    "phq2": [
        pytest.param({"1": 4}, id="item1-above-3"),
        pytest.param({"2": -1}, id="item2-negative"),
        pytest.param({"3": 0}, id="phq9-item3-is-not-a-phq2-item"),
        pytest.param({"9": 1}, id="phq9-item9-is-not-a-phq2-item"),
        pytest.param({"1": True}, id="boolean"),
    ],
    "phq9": [
        pytest.param({"1": 4}, id="item1-above-3"),
        pytest.param({"9": -1}, id="item9-negative"),
        pytest.param({"10": 4}, id="item10-above-3"),
        pytest.param({"0": 0}, id="item-0-unknown"),
        pytest.param({"11": 0}, id="item-11-unknown"),
        pytest.param({1: 0}, id="integer-item-id"),
        pytest.param({"1": True}, id="boolean-true"),
        pytest.param({"9": False}, id="boolean-false"),
        pytest.param({"1": "1"}, id="string-value"),
        pytest.param({"1": 1.0}, id="float-value"),
    ],
    "pss10": [
        pytest.param({"1": 5}, id="item1-above-4"),
        pytest.param({"4": -1}, id="reversed-item-negative"),
        pytest.param({"11": 0}, id="item-11-unknown"),
        pytest.param({"3": True}, id="boolean"),
    ],
}


@pytest.mark.parametrize(("instrument_id", "row"), [(key, row) for key, rows in INCOMPLETE.items() for row in rows])
def test_incomplete_response_has_no_total_and_no_band(score_row, instrument_id, row):
    result = score_row(instrument_id, row)

    assert result.total is None
    assert result.band is None
    assert not result.is_complete


@pytest.mark.parametrize(
    ("instrument_id", "answers"),
    [pytest.param(key, *case.values, id=f"{key}-{case.id}") for key, cases in BAD_ANSWERS.items() for case in cases],
)
def test_answer_outside_the_instrument_raises_answer_error(score_answers, instrument_id, answers):
    with pytest.raises(AnswerError):
        score_answers(instrument_id, answers)
