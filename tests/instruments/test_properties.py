"""Properties of scoring that hold for every answer vector, checked with hypothesis.

The published ranges and the PSS-10 rule are written here as literals from the reference
(instruments.md Decisions 1–5 and §4.3), not read from the YAML under test.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.instruments.scoring import score

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)

# instrument: (published lowest total, published highest total)
PUBLISHED_RANGES = {
    "phq9": (0, 27),
    "phq2": (0, 6),
    "gad7": (0, 21),
    "pss10": (0, 40),
    "aceaware": (0, 10),
    "pcl5": (0, 80),
}
PSS10_FORWARD_ITEMS = ("1", "2", "3", "6", "9", "10")
PSS10_REVERSED_ITEMS = ("4", "5", "7", "8")
AAHC_SETTLED = ("yes", "no")  # an AAHC status that always settles the ACEs Aware tier


def complete_answers(definition):
    """A strategy: every scored item answered with one of its own options."""
    return st.fixed_dictionaries(
        {
            item.id: st.sampled_from([option.value for option in definition.options_for(item)])
            for item in definition.scored_items
        }
    )


def score_loaded(loaded, answers, aahc=None):
    """Score; `aahc` goes to the instrument's clinician input when it has one (ACE)."""
    wanted = loaded.definition.scoring.clinician_input
    inputs = {wanted.key: aahc} if wanted and aahc is not None else None
    return score(loaded.definition, loaded.version, answers, inputs)


@pytest.mark.parametrize("instrument_id", sorted(PUBLISHED_RANGES))
def test_complete_response_total_stays_within_published_range_and_has_a_band(registry, instrument_id):
    loaded = registry[instrument_id]
    low, high = PUBLISHED_RANGES[instrument_id]

    @PROPERTY_SETTINGS
    @given(answers=complete_answers(loaded.definition), aahc=st.sampled_from(AAHC_SETTLED))
    def check(answers, aahc):
        result = score_loaded(loaded, answers, aahc)
        assert result.total is not None
        assert low <= result.total <= high
        assert result.band is not None

    check()


def test_cdc_kaiser_ace_counts_yes_answers_and_never_gives_a_tier(registry):
    loaded = registry["ace"]

    @PROPERTY_SETTINGS
    @given(answers=complete_answers(loaded.definition))
    def check(answers):
        result = score_loaded(loaded, answers)
        assert result.total == sum(1 for value in answers.values() if value == 1)
        assert 0 <= result.total <= 10
        assert result.band is None

    check()


def test_aces_aware_without_aahc_status_has_a_tier_except_for_scores_one_to_three(registry):
    loaded = registry["aceaware"]

    @PROPERTY_SETTINGS
    @given(answers=complete_answers(loaded.definition), aahc=st.sampled_from(["unknown", None]))
    def check(answers, aahc):
        result = score_loaded(loaded, answers, aahc)
        assert (result.band is None) == (1 <= result.total <= 3)

    check()


def test_pss10_total_is_forward_items_plus_reversed_items(registry):
    loaded = registry["pss10"]

    @PROPERTY_SETTINGS
    @given(answers=complete_answers(loaded.definition))
    def check(answers):
        expected = sum(answers[item] for item in PSS10_FORWARD_ITEMS) + sum(
            4 - answers[item] for item in PSS10_REVERSED_ITEMS
        )
        assert score_loaded(loaded, answers).total == expected

    check()


def test_pss10_mirrored_answers_give_the_mirrored_total(registry):
    """Replacing every answer a by 4 − a turns a total t into 40 − t."""
    loaded = registry["pss10"]

    @PROPERTY_SETTINGS
    @given(answers=complete_answers(loaded.definition))
    def check(answers):
        mirrored = {item: 4 - value for item, value in answers.items()}
        assert score_loaded(loaded, mirrored).total == 40 - score_loaded(loaded, answers).total

    check()


@pytest.mark.parametrize("instrument_id", sorted(PUBLISHED_RANGES))
def test_any_missing_scored_item_leaves_no_total_and_no_band(registry, instrument_id):
    loaded = registry[instrument_id]
    item_ids = [item.id for item in loaded.definition.scored_items]

    @PROPERTY_SETTINGS
    @given(
        answers=complete_answers(loaded.definition),
        missing=st.sets(st.sampled_from(item_ids), min_size=1),
        drop_key=st.booleans(),
    )
    def check(answers, missing, drop_key):
        # An unanswered item may arrive as None or not arrive at all.
        partial = {item: value for item, value in answers.items() if item not in missing}
        if not drop_key:
            partial.update(dict.fromkeys(missing))
        result = score_loaded(loaded, partial, aahc="yes")
        assert result.total is None
        assert result.band is None
        assert not result.is_complete
        assert missing <= set(result.unanswered)

    check()
