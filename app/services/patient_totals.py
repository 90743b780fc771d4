"""Keeping each patient's course on each instrument (app.models.patient_total) in step with
their responses. Private to the services that change a course: they call these before their
own commit, so the course and what changed it are stored together."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import PacketEntry, Response, Screening
from app.models.patient_total import PatientTotal


class CompleteTotal(NamedTuple):
    response_id: int
    clinic_id: int
    patient_id: int
    instrument_id: str
    packet_id: int | None
    total: int
    at: datetime


def due_at(at: datetime, weeks: int | None) -> datetime | None:
    return None if weeks is None else at + timedelta(weeks=weeks)


def course_rows(totals: Iterable[CompleteTotal], weeks: Mapping[tuple[int | None, str], int]) -> list[dict]:
    """The course rows of `totals`, given in order of patient, instrument, completion time and
    response id; `weeks`: (packet id, instrument id) -> the entry's re-screening interval."""
    rows = []
    for _key, group in itertools.groupby(totals, key=lambda total: (total.patient_id, total.instrument_id)):
        course = list(group)
        for sequence, (total, following) in enumerate(itertools.zip_longest(course, course[1:]), start=1):
            rows.append(
                {
                    **total._asdict(),
                    "sequence": sequence,
                    "baseline_total": course[0].total,
                    "superseded_at": following.at if following else None,
                    "rescreen_due_at": due_at(total.at, weeks.get((total.packet_id, total.instrument_id))),
                }
            )
    return rows


def complete_totals_query() -> sa.Select:
    """Every response with a total in a completed screening, in course order."""
    return (
        sa.select(
            Response.id,
            Screening.clinic_id,
            Screening.patient_id,
            Response.instrument_id,
            Screening.packet_id,
            Response.total,
            Screening.completed_at,
        )
        .join(Screening, Screening.id == Response.screening_id)
        .where(Screening.status == "completed", Response.total.is_not(None))
        .order_by(Screening.patient_id, Response.instrument_id, Screening.completed_at, Response.id)
    )


_INTERVALS = sa.select(PacketEntry.packet_id, PacketEntry.instrument_id, PacketEntry.rescreen_weeks).where(
    PacketEntry.packet_id.in_(sa.bindparam("packet_ids", expanding=True)), PacketEntry.rescreen_weeks.is_not(None)
)


def _intervals(session: Session, packet_ids: Iterable[int | None]) -> dict[tuple[int, str], int]:
    given = sorted({packet_id for packet_id in packet_ids if packet_id is not None})
    rows = session.execute(_INTERVALS, {"packet_ids": given})
    return {(packet_id, instrument_id): weeks for packet_id, instrument_id, weeks in rows}


# A patient's courses on some instruments, read and dropped by every submit: built once.
_PATIENT_COURSES = complete_totals_query().where(
    Screening.patient_id == sa.bindparam("patient_id"),
    Response.instrument_id.in_(sa.bindparam("instrument_ids", expanding=True)),
)
_DROP_PATIENT_COURSES = sa.delete(PatientTotal).where(
    PatientTotal.patient_id == sa.bindparam("patient_id"),
    PatientTotal.instrument_id.in_(sa.bindparam("instrument_ids", expanding=True)),
)


def refresh_patient_totals(session: Session, screening: Screening, responses: Iterable[Response] | None = None) -> None:
    """Rewrite the patient's course on each instrument the screening has a total for. A
    course is a handful of rows read by the patient's index, so it is rebuilt whole: a
    screening completed out of time order (a late sync, a seeded history) places itself.
    `responses`: the screening's, when the caller holds them (else they are loaded)."""
    given = screening.responses if responses is None else responses
    instrument_ids = {response.instrument_id for response in given if response.total is not None}
    if screening.status != "completed" or not instrument_ids:
        return
    session.flush()
    course = {"patient_id": screening.patient_id, "instrument_ids": sorted(instrument_ids)}
    totals = [CompleteTotal(*row) for row in session.execute(_PATIENT_COURSES, course)]
    session.execute(_DROP_PATIENT_COURSES, course)
    session.execute(sa.insert(PatientTotal), course_rows(totals, _intervals(session, {t.packet_id for t in totals})))


def reschedule(session: Session, packet_id: int, weeks: Mapping[str, int | None]) -> None:
    """Move the due dates of the totals given in the packet, for instruments whose interval
    changed (instrument id -> the new weeks, None for none)."""
    if not weeks:
        return
    rows = session.execute(
        sa.select(PatientTotal.id, PatientTotal.instrument_id, PatientTotal.at).where(
            PatientTotal.packet_id == packet_id, PatientTotal.instrument_id.in_(list(weeks))
        )
    ).all()
    if rows:
        session.execute(
            sa.update(PatientTotal),
            [{"id": row_id, "rescreen_due_at": due_at(at, weeks[iid])} for row_id, iid, at in rows],
        )
