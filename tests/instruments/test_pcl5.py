"""PCL-5 (instruments-2.md §4).

Total = sum of the 20 items (0–4 each), 0–80; cluster sums B = items 1–5, C = 6–7, D = 8–14,
E = 15–20. Provisional diagnosis: an item rated 2 ("Moderately") or higher is a symptom endorsed;
at least 1 B, 1 C, 2 D and 2 E — always labelled provisional. Cut-off: the clinic's choice within
the published 31–33, default 33. No published reliable-change threshold for the PCL-5.
"""

from __future__ import annotations

import pytest

from app.instruments.scoring import AnswerError, score
from app.reports.context import reliable_change_rule


def row(**rated) -> str:
    """A 20-item row, every item 0 except those given as i<item>=value."""
    values = ["0"] * 20
    for key, value in rated.items():
        values[int(key.removeprefix("i")) - 1] = str(value)
    return " ".join(values)


# The fewest endorsed symptoms the rule accepts: 1 B (item 1), 1 C (6), 2 D (8, 9), 2 E (15, 16).
MINIMAL = {"i1": 2, "i6": 2, "i8": 2, "i9": 2, "i15": 2, "i16": 2}


def test_all_zero_is_zero_with_empty_clusters_and_no_diagnosis(score_row):
    result = score_row("pcl5", row())

    assert result.total == 0
    assert result.subscales == {"B": 0, "C": 0, "D": 0, "E": 0}
    assert result.syndrome is None
    assert result.band == "below_cut_off"


def test_all_four_is_eighty_with_full_clusters(score_row):
    result = score_row("pcl5", " ".join(["4"] * 20))

    assert result.total == 80  # 20 × 4
    assert result.subscales == {"B": 20, "C": 8, "D": 28, "E": 24}  # 5×4, 2×4, 7×4, 6×4
    assert result.syndrome == "provisional_ptsd"
    assert result.band == "probable_ptsd"


def test_cluster_sums_follow_item_membership(score_row):
    # B: 1+2+3+4+0 = 10; C: 1+2 = 3; D: 3 on item 14 only; E: 4 on item 20 only
    result = score_row("pcl5", row(i1=1, i2=2, i3=3, i4=4, i6=1, i7=2, i14=3, i20=4))

    assert result.subscales == {"B": 10, "C": 3, "D": 3, "E": 4}
    assert result.total == 20


def test_minimal_endorsement_in_every_cluster_is_a_provisional_diagnosis_labelled_provisional(score_row):
    result = score_row("pcl5", row(**MINIMAL))

    assert result.total == 12  # 6 × 2: the rule does not depend on the total
    assert result.syndrome == "provisional_ptsd"
    assert "provisional" in result.syndrome_label.lower()


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"i1": 1}, id="B-item-at-1-is-not-endorsed"),
        pytest.param({"i6": 0}, id="no-C-item"),
        pytest.param({"i9": 1}, id="only-one-D-item"),
        pytest.param({"i16": 1}, id="only-one-E-item"),
    ],
)
def test_one_cluster_short_is_no_provisional_diagnosis(score_row, change):
    result = score_row("pcl5", row(**(MINIMAL | change)))

    assert result.syndrome is None


# Band edges at the default 33 and at 31 (both ends of the published 31–33).
@pytest.mark.parametrize(
    ("rated", "total", "cut_off", "band"),
    [
        ({"i1": 4, "i2": 4, "i3": 4, "i4": 4, "i5": 4, "i6": 4, "i7": 4, "i8": 4, "i9": 1}, 33, 33, "probable_ptsd"),
        ({"i1": 4, "i2": 4, "i3": 4, "i4": 4, "i5": 4, "i6": 4, "i7": 4, "i8": 4}, 32, 33, "below_cut_off"),
        ({"i1": 4, "i2": 4, "i3": 4, "i4": 4, "i5": 4, "i6": 4, "i7": 4, "i8": 3}, 31, 31, "probable_ptsd"),
        ({"i1": 4, "i2": 4, "i3": 4, "i4": 4, "i5": 4, "i6": 4, "i7": 4, "i8": 2}, 30, 31, "below_cut_off"),
    ],
)
def test_band_edges_at_the_clinic_cut_off(registry, rated, total, cut_off, band):
    loaded = registry["pcl5"]
    answers = {key.removeprefix("i"): value for key, value in rated.items()}
    answers |= {str(n): 0 for n in range(1, 21) if str(n) not in answers}

    result = score(loaded.definition, loaded.version, answers, cut_off=cut_off)

    assert (result.total, result.band) == (total, band)


def test_default_cut_off_is_33_within_the_published_range(registry):
    cut_off = registry["pcl5"].definition.scoring.cut_off

    assert cut_off.default == 33
    assert cut_off.values == (31, 32, 33)
    assert "between 31-33" in cut_off.source


@pytest.mark.parametrize("cut_off", [30, 34])
def test_cut_off_outside_the_published_range_is_refused(registry, cut_off):
    loaded = registry["pcl5"]
    with pytest.raises(AnswerError):
        score(loaded.definition, loaded.version, {str(n): 0 for n in range(1, 21)}, cut_off=cut_off)


def test_missing_item_leaves_no_total_no_clusters_and_no_diagnosis(score_row):
    result = score_row("pcl5", row(**MINIMAL).replace("2", "-", 1))

    assert (result.total, result.band, result.syndrome, result.subscales) == (None, None, None, {})
    assert result.unanswered == ("1",)


def test_change_over_time_carries_no_reliable_marker(registry):
    definition = registry["pcl5"].definition

    assert definition.scoring.reliable_change is None
    assert reliable_change_rule(definition).startswith("No published reliable-change threshold")
