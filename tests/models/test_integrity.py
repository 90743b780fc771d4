"""Invariants the database itself enforces, whatever code writes to it."""

from datetime import datetime

import pytest
import sqlalchemy as sa

from app.models import AuditEvent, Response, Screening
from app.models.screening import ImmutableRecordError


def _first_response(session):
    return session.scalars(sa.select(Response).order_by(Response.id)).first()


def test_response_cannot_be_updated_through_the_orm(demo, session):
    response = _first_response(session)
    response.total = 0
    with pytest.raises(ImmutableRecordError):
        session.commit()
    session.rollback()


def test_response_cannot_be_updated_or_deleted_with_raw_sql(demo, session):
    response_id = _first_response(session).id
    for statement in (
        sa.text("UPDATE response SET total = 0 WHERE id = :id"),
        sa.text("DELETE FROM response WHERE id = :id"),
    ):
        with pytest.raises(sa.exc.DatabaseError, match="immutable"):
            session.execute(statement, {"id": response_id})
        session.rollback()
    assert session.get(Response, response_id) is not None


def test_audit_events_cannot_be_changed_with_raw_sql(demo, session):
    event_id = session.scalars(sa.select(AuditEvent.id)).first()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        session.execute(sa.text("UPDATE audit_event SET action = 'x' WHERE id = :id"), {"id": event_id})
    session.rollback()


def test_naive_datetimes_are_refused(demo, session):
    screening = session.scalars(sa.select(Screening)).first()
    screening.started_at = datetime(2026, 1, 1, 12, 0)  # no tzinfo
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        session.commit()
    session.rollback()


def test_a_completed_screening_must_have_a_completion_time(demo, session):
    screening_id = session.scalars(sa.select(Screening.id).where(Screening.status == "completed")).first()
    with pytest.raises(sa.exc.IntegrityError):
        session.execute(sa.text("UPDATE screening SET completed_at = NULL WHERE id = :id"), {"id": screening_id})
    session.rollback()


def test_times_come_back_as_utc_aware(demo, session):
    screening = session.scalars(sa.select(Screening)).first()
    assert screening.created_at.utcoffset().total_seconds() == 0
