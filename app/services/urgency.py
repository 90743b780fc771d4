"""Where a screening sits on the clinician worklist, and the safety flags nobody has seen yet.

The order is kept on the screening (`worklist_priority`) and changed in the same transaction
as whatever changes it: the flag raised on the tablet, the submit, an acknowledgement, a new
referral threshold. The worklist then reads one index in order instead of scoring the
clinic's whole history on every page. Private helpers here only flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.models import Response, Screening, ScreeningReview

PINNED, OVER_THRESHOLD, ROUTINE = 2, 1, 0
Thresholds = Mapping[str, int | None]


def is_over_threshold(responses: Iterable[Response], thresholds: Thresholds) -> bool:
    return any(
        response.total is not None
        and thresholds.get(response.instrument_id) is not None
        and response.total >= thresholds[response.instrument_id]
        for response in responses
    )


def worklist_priority(
    screening: Screening,
    thresholds: Thresholds,
    *,
    is_acknowledged: bool,
    responses: Iterable[Response] | None = None,
) -> int | None:
    """An urgent screening is on the worklist in every state, pinned until acknowledged; any
    other is listed once completed. `responses`: the screening's, when the caller holds them
    (else they are loaded)."""
    if screening.is_urgent and not is_acknowledged:
        return PINNED
    if screening.status == "completed" and is_over_threshold(
        screening.responses if responses is None else responses, thresholds
    ):
        return OVER_THRESHOLD
    if screening.status == "completed" or screening.is_urgent:
        return ROUTINE
    return None


# Built once: every submit and every raised flag reads it.
_REVIEW_OF = sa.select(ScreeningReview).where(ScreeningReview.screening_id == sa.bindparam("screening_id"))


def worklist_review(session: Session, screening: Screening) -> ScreeningReview:
    """The screening's review row, added ("needs review") when it first reaches the worklist:
    every listed screening has one, so filtering by status reads the review index instead
    of looking for rows that are missing."""
    review = session.scalar(_REVIEW_OF, {"screening_id": screening.id})
    if review is None:
        review = ScreeningReview(screening_id=screening.id, clinic_id=screening.clinic_id, status="needs_review")
        session.add(review)
    return review


def recompute_clinic_priorities(session: Session, clinic_id: int, thresholds: Thresholds) -> None:
    """After a referral threshold changes: re-sort what is not pinned. One statement, run
    only when an admin saves a threshold."""
    over_any = [
        sa.and_(Response.instrument_id == instrument_id, Response.total >= threshold)
        for instrument_id, threshold in thresholds.items()
        if threshold is not None
    ]
    over = sa.exists().where(Response.screening_id == Screening.id, sa.or_(*over_any)) if over_any else sa.false()
    session.execute(
        sa.update(Screening)
        .where(Screening.clinic_id == clinic_id, Screening.worklist_priority.in_((ROUTINE, OVER_THRESHOLD)))
        .values(worklist_priority=sa.case((over, OVER_THRESHOLD), else_=ROUTINE))
        .execution_options(synchronize_session=False)
    )


def unacknowledged_urgent(session: Session, clinic_id: int) -> list[Screening]:
    """Screenings whose safety flag no clinician has acknowledged yet, newest flag first
    (read from the worklist index)."""
    return list(
        session.scalars(
            sa.select(Screening)
            .where(Screening.clinic_id == clinic_id, Screening.worklist_priority == PINNED)
            .order_by(Screening.created_at.desc(), Screening.id.desc())
            .options(selectinload(Screening.patient))
        )
    )


def unacknowledged_urgent_ids(session: Session, clinic_id: int) -> list[int]:
    """Only the ids, for the pages that poll: no name or answer leaves in the poll."""
    return list(
        session.scalars(
            sa.select(Screening.id)
            .where(Screening.clinic_id == clinic_id, Screening.worklist_priority == PINNED)
            .order_by(Screening.created_at.desc(), Screening.id.desc())
        )
    )
