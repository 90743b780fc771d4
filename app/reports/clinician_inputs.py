"""Clinician inputs as staff read them, and the score a response has once they are applied.

The stored response is never rewritten: its score at submission stays as it was, and the tier
shown is the pinned version's own rule applied to the latest input a clinician recorded."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.instruments.definition import Instrument
from app.instruments.scoring import score
from app.models import ClinicianInput, Response, User


@dataclass(frozen=True)
class GivenInput:
    key: str
    value: str
    by: str
    at: datetime


def given_inputs(session: Session, response_ids: Iterable[int]) -> dict[int, list[GivenInput]]:
    """Every input recorded for these responses, oldest first, with who gave it (one query)."""
    ids = list(response_ids)
    if not ids:
        return {}
    rows = session.execute(
        sa.select(ClinicianInput, User.name)
        .join(User, User.id == ClinicianInput.recorded_by_id)
        .where(ClinicianInput.response_id.in_(ids))
        .order_by(ClinicianInput.recorded_at, ClinicianInput.id)
    ).all()
    given: dict[int, list[GivenInput]] = defaultdict(list)
    for row, name in rows:
        given[row.response_id].append(GivenInput(row.key, row.value, name, row.recorded_at))
    return dict(given)


def current_score(definition: Instrument, response: Response, given: list[GivenInput]) -> dict:
    """The response's score with the latest recorded inputs applied; the stored score when
    none were recorded or the pinned version takes none."""
    if not given or definition.scoring.clinician_input is None:
        return response.score
    inputs = dict(response.clinician_inputs) | {entry.key: entry.value for entry in given}
    return score(
        definition, response.instrument_version, response.answers, inputs, response.score.get("cut_off")
    ).to_dict()
