"""ACEs Aware "Adverse Childhood Experience Questionnaire for Adults" (instruments-2.md §1.5;
instruments.md Decision 5 and §8.6).

Score = number of categories answered Yes, 0–10. Tier: 0 → low; 1–3 → low without and
intermediate with an ACE-associated health condition (AAHC, a clinician input); unknown or no
AAHC status → no tier and a note; ≥ 4 → high with or without an AAHC. The closing self-rating
("Do you believe that these experiences have affected your health?") is stored, never scored.
"""

from __future__ import annotations

import pytest

from app.instruments.scoring import AnswerError

AAHC_ANSWERS = ["yes", "no", "unknown", None]  # None: no input at all

# (answers to items 1–10, AAHC, score, tier); "any" expands to every AAHC answer (§8.6's "—").
VECTORS = [
    ("0 0 0 0 0 0 0 0 0 0", "any", 0, "low"),  # "If the ACE score is 0-3 without ..." and 0 → low
    ("1 1 1 0 0 0 0 0 0 0", "no", 3, "low"),  # 1+1+1 = 3 without AAHC: upper edge of low
    ("1 1 1 0 0 0 0 0 0 0", "yes", 3, "intermediate"),  # "1-3 with ACE-Associated Health Conditions"
    ("0 0 0 0 0 1 0 0 0 0", "yes", 1, "intermediate"),  # lower edge of intermediate
    ("0 0 0 0 0 1 0 0 0 0", "no", 1, "low"),
    ("1 1 1 1 0 0 0 0 0 0", "no", 4, "high"),  # "4 or higher, even without" an AAHC
    ("1 1 1 1 0 0 0 0 0 0", "yes", 4, "high"),
    ("1 1 1 1 1 1 1 1 1 1", "any", 10, "high"),
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
    result = score_row("aceaware", row, inputs(aahc))

    assert result.total == total
    assert result.band == band
    assert result.flags == ()


@pytest.mark.parametrize("aahc", ["unknown", None])
@pytest.mark.parametrize("row", ["1 1 1 0 0 0 0 0 0 0", "0 0 0 0 0 1 0 0 0 0"])
def test_score_one_to_three_without_aahc_status_has_no_tier_and_says_why(score_row, row, aahc):
    result = score_row("aceaware", row, inputs(aahc))

    assert result.band is None
    assert any("AAHC" in note for note in result.notes)


@pytest.mark.parametrize("self_rating", [None, 0, 1, 2])
def test_self_rating_is_stored_but_never_scored_nor_required(score_row, self_rating):
    row = "1 1 1 1 1 0 0 0 0 0" + ("" if self_rating is None else f" {self_rating}")

    result = score_row("aceaware", row)

    assert result.total == 5
    assert result.is_complete


def test_missing_category_answer_leaves_no_total_and_no_tier(score_row):
    result = score_row("aceaware", "1 1 1 1 - 0 0 0 0 0", {"aahc": "yes"})

    assert (result.total, result.band, result.is_complete) == (None, None, False)


@pytest.mark.parametrize("inputs_given", [{"aahc": "Yes"}, {"aahc": "maybe"}, {"chronic_pain": "yes"}])
def test_clinician_input_outside_its_declared_values_is_refused(score_row, inputs_given):
    with pytest.raises(AnswerError):
        score_row("aceaware", "1 1 1 0 0 0 0 0 0 0", inputs_given)


def test_yes_no_decision_and_dated_algorithm_source_are_recorded(registry):
    definition = registry["aceaware"].definition
    source = definition.scoring.bands_source

    assert any("no “No” option" in decision for decision in definition.decisions)
    assert source.checked_on == "2026-11-25"
    assert "ACEs Aware" in source.title
    assert [band.key for band in definition.scoring.bands] == ["low", "low_or_intermediate", "high"]
