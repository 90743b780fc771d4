"""PC-PTSD-5 (instruments-2.md §3).

The exposure question gates the five items: "If no, screen total = 0. Please stop here." With a
Yes, the total is the number of Yes answers to items 1–5, 0–5. The cut-off is the clinic's choice
of 3 (maximised sensitivity) or 4 (maximised efficiency, the default), Prins 2016; Bovin 2021
notes women may need 3.
"""

from __future__ import annotations

import pytest

from app.instruments.scoring import AnswerError, score


def answers(exposure, *items):
    given = {"exposure": exposure}
    given.update({str(n): value for n, value in enumerate(items, start=1)})
    return given


def test_exposure_no_gives_total_zero_and_asks_nothing_more(score_answers):
    result = score_answers("pcptsd5", answers(0))

    assert result.total == 0
    assert result.band == "negative"
    assert result.is_complete
    assert result.unanswered == ()
    assert any("not asked" in note for note in result.notes)


@pytest.mark.parametrize("item", ["1", "5"])
@pytest.mark.parametrize("value", [0, 1])
def test_exposure_no_refuses_answers_to_the_five_items(score_answers, item, value):
    with pytest.raises(AnswerError, match=f"item {item} is not asked"):
        score_answers("pcptsd5", {"exposure": 0, item: value})


# (items 1–5 after exposure Yes, total, band at cut-off 4, band at cut-off 3)
VECTORS = [
    ((0, 0, 0, 0, 0), 0, "negative", "negative"),
    ((1, 1, 0, 0, 0), 2, "negative", "negative"),  # below both cut-offs
    ((1, 1, 1, 0, 0), 3, "negative", "positive"),  # edge: 3 is positive only at the sensitive cut-off
    ((0, 1, 1, 1, 1), 4, "positive", "positive"),  # edge: 4 positive at both
    ((1, 1, 1, 1, 1), 5, "positive", "positive"),
]


@pytest.mark.parametrize(("items", "total", "at_four", "at_three"), VECTORS)
def test_total_is_count_of_yes_and_band_follows_the_clinic_cut_off(registry, items, total, at_four, at_three):
    loaded = registry["pcptsd5"]

    default = score(loaded.definition, loaded.version, answers(1, *items))
    sensitive = score(loaded.definition, loaded.version, answers(1, *items), cut_off=3)

    assert (default.total, default.band, default.cut_off) == (total, at_four, 4)
    assert (sensitive.total, sensitive.band, sensitive.cut_off) == (total, at_three, 3)


@pytest.mark.parametrize("cut_off", [2, 5])
def test_cut_off_other_than_three_or_four_is_refused(registry, cut_off):
    loaded = registry["pcptsd5"]
    with pytest.raises(AnswerError, match="published choice"):
        score(loaded.definition, loaded.version, answers(1, 1, 1, 1, 1, 1), cut_off=cut_off)


def test_missing_exposure_answer_is_incomplete(score_answers):
    result = score_answers("pcptsd5", {"1": 1, "2": 1, "3": 1, "4": 1, "5": 1})

    assert (result.total, result.band, result.is_complete) == (None, None, False)
    assert result.unanswered == ("exposure",)


def test_exposure_yes_with_an_item_missing_is_incomplete(score_answers):
    result = score_answers("pcptsd5", {"exposure": 1, "1": 1, "2": 1, "4": 1, "5": 1})

    assert (result.total, result.band, result.unanswered) == (None, None, ("3",))


def test_cut_off_source_and_women_note_are_recorded(registry):
    cut_off = registry["pcptsd5"].definition.scoring.cut_off

    assert cut_off.values == (3, 4)
    assert cut_off.default == 4
    assert "a cut score of 4 maximized efficiency" in cut_off.source
    assert "women may require a lower cut point (ie, a score of 3)" in cut_off.note
