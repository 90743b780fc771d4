"""CDC-Kaiser ACE-10 (instruments.md Decision 5, corrected 2026-11-25; §5.3).

Score = number of "Yes" (1) answers, 0–10. The ACEs Aware tiers were published for a different
form and do not apply: no band, whatever the score; the Felitti "4 or more" grouping is research
usage, said in a caveat, and the ACE authors' caveat is kept.
"""

from __future__ import annotations

import pytest

from app.instruments.scoring import AnswerError

# (answers, score): §8.6's answer rows, scored as the count of Yes.
VECTORS = [
    ("0 0 0 0 0 0 0 0 0 0", 0),
    ("1 1 1 0 0 0 0 0 0 0", 3),  # 1+1+1
    ("0 0 0 0 0 1 0 0 0 0", 1),
    ("1 1 1 1 0 0 0 0 0 0", 4),  # the Felitti "4 or more" group, still no tier
    ("1 1 1 1 1 1 1 1 1 1", 10),
]


@pytest.mark.parametrize(("row", "total"), VECTORS)
def test_score_is_the_count_of_yes_with_no_tier(score_row, row, total):
    result = score_row("ace", row)

    assert result.total == total
    assert result.band is None
    assert result.band_label is None
    assert result.notes == ()
    assert result.is_complete


def test_incomplete_response_has_no_total(score_row):
    result = score_row("ace", "1 1 1 1 - 0 0 0 0 0")

    assert result.total is None
    assert not result.is_complete


def test_aahc_is_refused_because_no_tier_depends_on_it(score_row):
    with pytest.raises(AnswerError, match="no clinician input"):
        score_row("ace", "1 1 1 0 0 0 0 0 0 0", {"aahc": "yes"})


def test_four_or_more_is_described_as_research_usage_and_the_authors_caveat_is_kept(registry):
    definition = registry["ace"].definition
    caveats = " ".join(definition.caveats)

    assert not definition.scoring.bands
    assert "Research usage" in caveats
    assert "4 or more" in caveats
    assert "the ACE score is neither a diagnostic tool nor is it predictive at the individual level" in caveats
    assert "ACEs Aware" not in definition.source
    assert all("ACEs Aware" not in citation for citation in definition.citations)
