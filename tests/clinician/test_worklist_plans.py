"""The worklist reads indexes, never a whole table, on SQLite and on PostgreSQL.

A clinic with a few thousand screenings (inserted in bulk, then ANALYZEd so each planner
sees realistic statistics) is listed with and without filters, first page and next; every
statement the worklist ran is then EXPLAINed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.instruments.scoring import band_for_total
from app.models import Response, Screening, ScreeningReview, User
from app.services.urgency import OVER_THRESHOLD, PINNED, ROUTINE

HISTORY = 20000
WATCHED = ("screening", "response", "screening_review")


def _bulk_history(session, registry, clinic_id: int) -> None:
    """HISTORY completed screenings over a few years, each with a PHQ-9 response across the
    bands; all but the last few hundred reviewed, as in a clinic that keeps up."""
    template = session.scalar(
        sa.select(Response).join(Screening).where(Screening.clinic_id == clinic_id, Response.instrument_id == "phq9")
    )
    definition = registry["phq9"].definition
    patient_id = session.scalar(sa.select(Screening.patient_id).where(Screening.id == template.screening_id))
    clinician = session.scalar(sa.select(User.id).where(User.clinic_id == clinic_id, User.role == "clinician"))
    start = datetime(2020, 1, 1, tzinfo=UTC)
    first_id = session.scalar(sa.select(sa.func.max(Screening.id))) + 1
    screenings, responses, reviews = [], [], []
    for n in range(HISTORY):
        at = start + timedelta(hours=n)
        total = (n * 7) % 28
        urgent = n % 1000 == 7
        screenings.append(
            {
                "id": first_id + n,
                "clinic_id": clinic_id,
                "patient_id": patient_id,
                "packet_name": "Follow-up",
                "instrument_ids": ["phq9"],
                "status": "completed",
                "is_urgent": urgent,
                "urgent_at": at if urgent else None,
                "worklist_priority": PINNED if urgent else (OVER_THRESHOLD if total >= 10 else ROUTINE),
                "created_at": at,
                "started_at": at,
                "completed_at": at,
            }
        )
        responses.append(
            {
                "screening_id": first_id + n,
                "instrument_id": "phq9",
                "instrument_version": template.instrument_version,
                "answers": {},
                "clinician_inputs": {},
                "score": template.score,
                "total": total,
                "band": band_for_total(definition, total).key,
                "is_complete": True,
                "is_urgent": urgent,
                "submitted_at": at,
            }
        )
        is_reviewed = n < HISTORY - 300
        reviews.append(
            {
                "screening_id": first_id + n,
                "clinic_id": clinic_id,
                "status": "reviewed" if is_reviewed else "needs_review",
                "status_by_id": clinician if is_reviewed else None,
                "status_at": at if is_reviewed else None,
            }
        )
    session.execute(sa.insert(Screening), screenings)
    session.execute(sa.insert(Response), responses)
    session.execute(sa.insert(ScreeningReview), reviews)
    session.commit()
    if session.get_bind().dialect.name == "postgresql":
        # after a bulk load the sequence must move past the ids given
        session.execute(sa.text("SELECT setval('screening_id_seq', (SELECT max(id) FROM screening))"))
        session.commit()
        with session.get_bind().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE"))
    else:
        session.execute(sa.text("ANALYZE"))
        session.commit()


def _plans(app, clinic_id: int, calls) -> list[tuple[str, list[str]]]:
    """Run each worklist call, then EXPLAIN every statement it sent that reads a watched table."""
    from app.extensions import db, instruments
    from app.models import Clinic
    from app.services.reviews import worklist

    sent = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT") and re.search(r"\b(screening|response)\b", statement):
            sent.append((statement, parameters))

    engine = app.extensions["tallyform.engine"]
    with app.app_context():
        clinic = db.session.get(Clinic, clinic_id)
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            for call in calls:
                call(lambda **kwargs: worklist(db.session, instruments(), clinic, **kwargs))
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
        explained = []
        with engine.connect() as connection:
            for statement, parameters in sent:
                if engine.dialect.name == "sqlite":
                    rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
                    explained.append((statement, [row[-1] for row in rows]))
                else:
                    rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
                    explained.append((statement, [row[0] for row in rows]))
    return explained


SEQ_SCAN = re.compile(r"Seq Scan on ({})\b".format("|".join(WATCHED)))
# Loading the page's own rows (WHERE … IN (the ids on the page)) may sort those few rows;
# what must never be sorted is the clinic's history.
PAGE_LOAD = re.compile(r"\bIN \((\?|%\(\w+\)s)")


def _full_scans(dialect: str, plans) -> list[str]:
    bad = []
    for statement, lines in plans:
        for line in lines:
            if dialect == "sqlite":
                scanned = re.match(r"SCAN (\w+)", line)
                if scanned and scanned.group(1) in WATCHED and "INDEX" not in line:
                    bad.append(f"{line}  <-  {statement[:160]}")
                if "TEMP B-TREE" in line and not PAGE_LOAD.search(statement):
                    bad.append(f"{line}  <-  {statement[:160]}")
            elif SEQ_SCAN.search(line):
                bad.append(f"{line.strip()}  <-  {statement[:160]}")
    return bad


def test_no_worklist_query_scans_a_whole_table(app, demo, session, registry):
    from app.services.reviews import WorklistFilters

    _bulk_history(session, registry, demo)

    def first_page(worklist):
        page = worklist()
        assert len(page.rows) == 25
        assert page.rows[0].is_pinned
        worklist(after=page.next_after)

    def filtered(worklist):
        worklist(filters=WorklistFilters(instrument_id="phq9", band="severe"))
        worklist(filters=WorklistFilters(status="reviewed"))
        page = worklist(filters=WorklistFilters(status="needs_review", instrument_id="phq9"))
        worklist(filters=WorklistFilters(status="needs_review", instrument_id="phq9"), after=page.next_after)

    plans = _plans(app, demo, [first_page, filtered])
    assert len(plans) >= 6 * 2  # each call: the capped count and the page, then what they load
    assert _full_scans(session.get_bind().dialect.name, plans) == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_plan_check_sees_a_full_scan_when_there_is_one(app, demo, session):
    """The check above is not blind: a worklist ordered by a CASE over the responses, as it
    once was, is caught."""
    with app.app_context():
        engine = app.extensions["tallyform.engine"]
        old_order = (
            sa.select(Screening.id)
            .where(Screening.clinic_id == demo, Screening.status == "completed")
            .order_by(
                sa.case((sa.exists().where(Response.screening_id == Screening.id, Response.total >= 10), 0), else_=1),
                Screening.created_at.desc(),
            )
            .limit(25)
        )
        statement = str(old_order.compile(engine, compile_kwargs={"literal_binds": True}))
        with engine.connect() as connection:
            lines = [row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}")]
    assert _full_scans("sqlite", [(statement, lines)])
