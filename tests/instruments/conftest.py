"""Helpers shared by the instrument tests: answers written as the reference writes them.

The scoring vectors in /work/shared/instruments.md §8 list answers in printed item order,
separated by spaces ("2 2 2 2 1 0 0 0 1"). The tests copy those rows verbatim; `score_row`
turns one into the {item id: value} mapping `score()` takes, with "-" for an unanswered item.
"""

from __future__ import annotations

import pytest

from app.instruments.scoring import Score, score

UNANSWERED = "-"


def _answers(item_ids: list[str], row: str) -> dict[str, int | None]:
    """ "2 - 1" -> {"1": 2, "2": None, "3": 1}: values in printed item order."""
    return {
        item_id: None if value == UNANSWERED else int(value)
        for item_id, value in zip(item_ids, row.split(), strict=False)
    }


@pytest.fixture(scope="session")
def score_answers(registry):
    """Score {item id: value} with an installed instrument, as the app would."""

    def score_answers(instrument_id: str, answers: dict, clinician_inputs: dict[str, str] | None = None) -> Score:
        loaded = registry[instrument_id]
        return score(loaded.definition, loaded.version, answers, clinician_inputs)

    return score_answers


@pytest.fixture(scope="session")
def score_row(registry, score_answers):
    """Score one row of answers written as in the reference: score_row("phq9", "0 0 0 0 0 0 0 0 1")."""

    def score_row(instrument_id: str, row: str, clinician_inputs: dict[str, str] | None = None) -> Score:
        item_ids = [item.id for item in registry[instrument_id].definition.items]
        return score_answers(instrument_id, _answers(item_ids, row), clinician_inputs)

    return score_row
