"""ACE scoring against the reference vectors (instruments.md §8.6, §5.3 and Decision 5).

Score = number of "Yes" (1) answers, 0–10. ACEs Aware tier: 0 → low; 1–3 → low without and
intermediate with an ACE-associated health condition (AAHC, a clinician input); unknown AAHC →
no tier and a note that it needs AAHC status; ≥ 4 → high with or without an AAHC.
"""

from __future__ import annotations

import pytest

from app.instruments.scoring import AnswerError

AAHC_ANSWERS = ["yes", "no", "unknown", None]  # None: the clinician gave no input at all

# (answers, AAHC, score, tier); an AAHC of "any" expands to every AAHC answer (the table's "—")
VECTORS = [
    ("0 0 0 0 0 0 0 0 0 0", "any", 0, "low"),  # no Yes
    ("1 1 1 0 0 0 0 0 0 0", "no", 3, "low"),  # 1+1+1 = 3, no AAHC
    ("1 1 1 0 0 0 0 0 0 0", "yes", 3, "intermediate"),  # 3 with an AAHC
    ("0 0 0 0 0 1 0 0 0 0", "yes", 1, "intermediate"),  # 1 with an AAHC
    ("1 1 1 1 0 0 0 0 0 0", "no", 4, "high"),  # 1+1+1+1 = 4
    ("1 1 1 1 0 0 0 0 0 0", "yes", 4, "high"),  # 4 is high with or without an AAHC
    ("1 1 1 1 1 1 1 1 1 1", "any", 10, "high"),  # 10 × Yes
]


def expand(vectors):
    return [
        pytest.param(row, given, total, band, id=f"{total}-aahc-{given}")
        for row, aahc, total, band in vectors
        for given in (AAHC_ANSWERS if aahc == "any" else [aahc])
    ]


def inputs(aahc: str | None) -> dict[str, str] | None:
    return None if aahc is None else {"aahc": aahc}


@pytest.mark.parametrize(("row", "aahc", "total", "band"), expand(VECTORS))
def test_reference_vector_scores_count_of_yes_and_aces_aware_tier(score_row, row, aahc, total, band):
    result = score_row("ace", row, inputs(aahc))

    assert result.total == total
    assert result.band == band
    assert result.flags == ()


@pytest.mark.parametrize("aahc", ["unknown", None])
@pytest.mark.parametrize("row", ["1 1 1 0 0 0 0 0 0 0", "0 0 0 0 0 1 0 0 0 0"])
def test_score_one_to_three_without_aahc_status_has_no_tier_and_says_why(score_row, row, aahc):
    result = score_row("ace", row, inputs(aahc))

    assert result.total in {1, 3}
    assert result.band is None
    assert any("AAHC" in note for note in result.notes)


@pytest.mark.parametrize(
    "row",
    [
        pytest.param("1 1 1 1 - 0 0 0 0 0", id="four-yes-and-one-missing"),
        pytest.param("0 0 0 0 0 0 0 0 0 -", id="item10-missing"),
    ],
)
def test_incomplete_response_has_no_total_and_no_band(score_row, row):
    result = score_row("ace", row, {"aahc": "yes"})

    assert result.total is None
    assert result.band is None
    assert not result.is_complete


@pytest.mark.parametrize("inputs_given", [{"aahc": "Yes"}, {"aahc": "maybe"}, {"chronic_pain": "yes"}])
def test_clinician_input_outside_its_declared_values_is_refused(score_row, inputs_given):
    with pytest.raises(AnswerError):
        score_row("ace", "1 1 1 0 0 0 0 0 0 0", inputs_given)


def test_instrument_without_clinician_input_refuses_one(score_row):
    with pytest.raises(AnswerError):
        score_row("phq9", "0 0 0 0 0 0 0 0 0", {"aahc": "yes"})
