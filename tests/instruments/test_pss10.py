"""PSS-10 scoring against the reference vectors (instruments.md §8.4, §4 and Decision 4).

Answers 0–4 (Never … Very Often). Items 4, 5, 7, 8 are reversed (4 − answer), then all ten are
summed: total 0–40. Bands (a non-validated convention, not Cohen's): low 0–13, moderate 14–26,
high 27–40. The arithmetic comments read: forward items 1, 2, 3, 6, 9, 10 + reversed items 4, 5, 7, 8.
"""

from __future__ import annotations

import pytest

# (raw answers as ticked, items 1–10; total; band)
VECTORS = [
    pytest.param("0 0 0 0 0 0 0 0 0 0", 16, "moderate", id="all-never"),  # 0 + 4×4 = 16
    pytest.param("4 4 4 4 4 4 4 4 4 4", 24, "moderate", id="all-very-often"),  # 6×4 + 4×0 = 24
    pytest.param("2 2 2 2 2 2 2 2 2 2", 20, "moderate", id="all-sometimes"),  # 6×2 + 4×2 = 20
    pytest.param("1 1 1 1 1 1 1 1 1 1", 18, "moderate", id="all-almost-never"),  # 6×1 + 4×3 = 18
    pytest.param("3 3 3 3 3 3 3 3 3 3", 22, "moderate", id="all-fairly-often"),  # 6×3 + 4×1 = 22
    pytest.param("4 4 4 0 0 4 0 0 4 4", 40, "high", id="maximum"),  # 6×4 + 4×4 = 40
    pytest.param("0 0 0 4 4 0 4 4 0 0", 0, "low", id="minimum"),  # 0 + 4×0 = 0
    pytest.param("1 1 1 4 4 1 4 4 1 1", 6, "low", id="six"),  # 6×1 + 4×0 = 6
    pytest.param("0 0 0 3 3 0 3 3 0 1", 5, "low", id="five"),  # 1 + 4×1 = 5
    pytest.param("2 2 2 2 2 2 2 2 1 2", 19, "moderate", id="nineteen"),  # (2+2+2+2+1+2) + 4×2 = 19
    pytest.param("4 4 4 4 4 1 4 4 0 0", 13, "low", id="band-edge-13"),  # (4+4+4+1+0+0) + 4×0 = 13
    pytest.param("4 4 4 4 4 2 4 4 0 0", 14, "moderate", id="band-edge-14"),  # (4+4+4+2+0+0) + 4×0 = 14
    pytest.param("3 3 3 2 2 3 2 2 3 3", 26, "moderate", id="band-edge-26"),  # 6×3 + 4×2 = 26
    pytest.param("4 4 4 1 4 4 4 4 4 4", 27, "high", id="band-edge-27"),  # 6×4 + (3+0+0+0) = 27
    pytest.param("4 4 4 1 1 4 1 1 4 2", 34, "high", id="thirty-four"),  # (4+4+4+4+4+2) + 4×3 = 34
    pytest.param("4 4 4 0 0 4 0 0 4 3", 39, "high", id="thirty-nine"),  # (4+4+4+4+4+3) + 4×4 = 39
]


@pytest.mark.parametrize(("row", "total", "band"), VECTORS)
def test_reference_vector_scores_reversed_total_and_band(score_row, row, total, band):
    result = score_row("pss10", row)

    assert result.total == total
    assert result.band == band
    assert result.flags == ()


def test_bands_are_labelled_as_a_non_validated_convention(registry):
    note = registry["pss10"].definition.scoring.bands_note

    assert note
    assert "non-validated" in note.lower()


@pytest.mark.parametrize(
    "row",
    [
        pytest.param("0 0 0 0 0 0 0 0 0 -", id="item10-missing"),
        pytest.param("4 4 4 - 0 4 0 0 4 4", id="reversed-item4-missing"),
        pytest.param("- - - - - - - - - -", id="nothing-answered"),
    ],
)
def test_incomplete_response_has_no_total_and_no_band(score_row, row):
    result = score_row("pss10", row)

    assert result.total is None
    assert result.band is None
    assert not result.is_complete
