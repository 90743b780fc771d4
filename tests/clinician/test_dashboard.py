"""The clinic dashboard's figures, checked against values worked out by hand from a small
fixture clinic, on SQLite and PostgreSQL; and its queries read through indexes."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.models import Clinic, Packet, Patient, Screening, ScreeningReview, User
from tests.fixtures import ClinicBuilder, at, page_text, post_form

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def phq9(total: int, item9: int = 0) -> list[int]:
    """PHQ-9 answers with this total (item 9 included) and item 9 as given."""
    rest, items = total - item9, []
    for _ in range(8):
        items.append(min(3, rest))
        rest -= items[-1]
    assert rest == 0
    return [*items, item9, 1]


def gad7(total: int) -> list[int]:
    rest, items = total, []
    for _ in range(7):
        items.append(min(3, rest))
        rest -= items[-1]
    assert rest == 0
    return items


@pytest.fixture
def fixture_clinic(app, demo, make_clinic, make_staff):
    """A clinic of its own (New York time) with a clinician, and the March worked out by hand.

    In March (whole days, New York): 8 screenings begun, 7 completed, 1 abandoned.
      P1 baseline 10 Jan PHQ-9 20 / GAD-7 12; follow-up 10 Mar PHQ-9 8 / GAD-7 5; again 2 Apr PHQ-9 20 (after March)
      P2 2 Mar PHQ-9 12 / GAD-7 9, referred to Counselling; follow-up 20 Mar PHQ-9 4 / GAD-7 3
      P3 2 Mar PHQ-9 10 / GAD-7 10 (one screening; PHQ-9 re-screen due 30 Mar)
      P4 6 Mar PHQ-9 15 urgent, acknowledged after 10 min, referred to Psychiatry / GAD-7 4
      P5 7 Mar PHQ-9 9 urgent, acknowledged after 60 min / GAD-7 4
      P6 8 Mar PHQ-9 20 urgent, acknowledged after 30 min, referred to Psychiatry / GAD-7 11
      P7 9 Mar: code issued, never completed
    """
    from app.extensions import db, instruments
    from app.services import packets, reviews, screenings

    clinic_id = make_clinic(
        "lakeside", "Lakeside", timezone="America/New_York", referral_destinations=["Counselling", "Psychiatry"]
    )
    clinician_id = make_staff(clinic_id, "clinician", "dr@lakeside.example", name="Dr Lake")
    build = ClinicBuilder(app, clinic_id)
    people = {n: build.patient(f"Patient {n}", f"90{n}") for n in range(1, 8)}
    follow_up = {"phq9": None, "gad7": None}

    def sitting(n, day, phq, gad, month=3):
        return build.screening(people[n], follow_up | {"phq9": phq, "gad7": gad7(gad)}, at(2026, month, day))

    sitting(1, 10, phq9(20), 12, month=1)
    sitting(1, 10, phq9(8), 5)
    sitting(1, 2, phq9(20), 12, month=4)
    s_p2 = sitting(2, 2, phq9(12), 9)
    sitting(2, 20, phq9(4), 3)
    sitting(3, 2, phq9(10), 10)
    s_p4 = sitting(4, 6, phq9(15, item9=1), 4)
    s_p5 = sitting(5, 7, phq9(9, item9=1), 4)
    s_p6 = sitting(6, 8, phq9(20, item9=2), 11)
    with app.app_context():
        session = db.session
        user = session.get(User, clinician_id)
        packet = session.scalar(sa.select(Packet).where(Packet.clinic_id == clinic_id))
        packets.set_rescreen_interval(session, user, packet, "phq9", 4)
        abandoned = session.get(Patient, people[7])
        screenings.create_screening(session, abandoned, packet, created_by_id=None, created_at=at(2026, 3, 9))
        for screening_id, minutes in ((s_p4, 10), (s_p5, 60), (s_p6, 30)):
            screening = session.get(Screening, screening_id)
            reviews.acknowledge_urgent(session, instruments(), user, screening)
            # the service stamps the present; the test needs the minutes it worked out
            review = session.scalar(sa.select(ScreeningReview).where(ScreeningReview.screening_id == screening_id))
            review.urgent_acknowledged_at = screening.completed_at + timedelta(minutes=minutes)
            session.commit()
        clinic = session.get(Clinic, clinic_id)
        for screening_id, destination in ((s_p2, "Counselling"), (s_p4, "Psychiatry"), (s_p6, "Psychiatry")):
            reviews.save_referral(
                session,
                clinic,
                user,
                session.get(Screening, screening_id),
                reason="",
                destination=destination,
                note="",
                based_on=0,  # the first version
            )
    return clinic_id, people


def _dashboard(app, clinic_id, date_from, date_to):
    from app.extensions import db, instruments
    from app.services.dashboard import build_dashboard

    with app.app_context():
        clinic = db.session.get(Clinic, clinic_id)
        return build_dashboard(db.session, instruments(), clinic, date_from, date_to)


def test_dashboard_figures_match_the_hand_count_of_the_fixture_clinic(app, fixture_clinic):
    clinic_id, people = fixture_clinic
    board = _dashboard(app, clinic_id, *MARCH)

    assert (board.screenings.started, board.screenings.completed, board.screenings.abandoned) == (8, 7, 1)
    assert board.screenings.open == 0
    # PHQ-9 at or over 10: P2 12, P3 10, P4 15, P6 20 of the 7 complete (P1 8, P2 4, P5 9 are under)
    # GAD-7 at or over 10: P3 10, P6 11
    shares = {share.instrument_id: (share.screened, share.positive) for share in board.positive}
    assert shares == {"phq9": (7, 4), "gad7": (7, 2)}
    # acknowledged after 10, 30 and 60 minutes: median 30; 90th percentile at rank 0.9 * (3 - 1) = 1.8,
    # so 30 + 0.8 * (60 - 30) = 54
    assert (board.urgent.flagged, board.urgent.acknowledged) == (3, 3)
    assert (board.urgent.median_minutes, board.urgent.p90_minutes) == (30.0, 54.0)
    assert board.referrals == [("Psychiatry", 2), ("Counselling", 1)]
    # P3's PHQ-9 10 on 2 Mar with a 4-week interval: due 30 Mar; P4 (6 Mar) and P6 (8 Mar) fall due in April
    assert [(due.patient_id, due.instrument_id, due.due_on) for due in board.rescreen_due] == [
        (people[3], "phq9", date(2026, 3, 30))
    ]
    # PHQ-9: P1 20 -> 8 (a 60 % drop: response, not remission), P2 12 -> 4 (response and remission);
    # P1's 2 April screening is after the range and ignored.
    # GAD-7: P1 12 -> 5 (a 58 % drop: response; 5 is not below 5); P2's baseline 9 is under 10.
    outcomes = {o.instrument_id: (o.followed_up, o.responded, o.remitted) for o in board.outcomes}
    assert outcomes == {"phq9": (2, 2, 1), "gad7": (1, 1, 0)}


def test_a_range_without_screenings_shows_zeros_not_errors(app, fixture_clinic):
    clinic_id, _people = fixture_clinic
    board = _dashboard(app, clinic_id, date(2025, 6, 1), date(2025, 6, 30))
    assert (board.screenings.started, board.positive, board.referrals) == (0, [], [])
    assert (board.urgent.flagged, board.urgent.median_minutes, board.urgent.p90_minutes) == (0, None, None)
    assert all(outcome.followed_up == 0 for outcome in board.outcomes)


def test_days_are_whole_days_in_the_clinic_time_zone(app, fixture_clinic):
    clinic_id, _people = fixture_clinic
    # 2 March 15:00 UTC is 10:00 in New York: in a range of 2 March only, not of 1 March
    assert _dashboard(app, clinic_id, date(2026, 3, 2), date(2026, 3, 2)).screenings.started == 2
    assert _dashboard(app, clinic_id, date(2026, 3, 1), date(2026, 3, 1)).screenings.started == 0


def test_dashboard_page_shows_the_figures_and_cites_the_outcome_definitions(app, client, auth, fixture_clinic):
    auth.sign_in("dr@lakeside.example")
    page = page_text(client.get("/clinician/dashboard?date_from=2026-03-01&date_to=2026-03-31").text)
    assert "Begun (a tablet code issued) 8" in page
    assert "PHQ-9 10 or more 7 4 57 %" in page
    assert "Median time to acknowledgement 30.0 min" in page
    assert "90th percentile time to acknowledgement 54.0 min" in page
    assert "Psychiatry 2" in page
    assert "Patient 3 MRN 903 PHQ-9 10" in page
    assert "1 re-screening due, for 1 patient" in page
    for source in ("NQF 0710", "NQF 1884", "Kroenke K", "Spitzer RL"):
        assert source in page
    assert "Patient 1" not in page  # only the patients due are named


def test_dashboard_csv_is_posted_with_csrf_has_the_figures_and_no_patient(app, client, auth, fixture_clinic, session):
    from app.models import AuditEvent

    auth.sign_in("dr@lakeside.example")
    assert (
        client.post("/clinician/dashboard.csv", data={"date_from": "2026-03-01", "date_to": "2026-03-31"}).status_code
        == 400
    )
    response = post_form(
        client,
        "/clinician/dashboard?date_from=2026-03-01&date_to=2026-03-31",
        {"date_from": "2026-03-01", "date_to": "2026-03-31"},
        url="/clinician/dashboard.csv",
    )
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert ["screenings", "started", "", "8"] in rows
    assert ["urgent", "90th percentile minutes to acknowledgement", "", "54.0"] in rows
    assert ["outcomes", "remission", "PHQ-9", "1"] in rows
    assert ["rescreening", "patients due", "", "1"] in rows
    assert not re.search(r"Patient \d|90\d", response.text)
    export = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "dashboard.export")).one()
    assert export.details == {"from": "2026-03-01", "to": "2026-03-31"}


def test_dashboard_reads_only_its_own_clinic(app, client, login_as, fixture_clinic):
    login_as("clinician")  # the demo clinic's clinician
    page = page_text(client.get("/clinician/dashboard?date_from=2026-03-01&date_to=2026-03-31").text)
    assert "Patient 3" not in page


def test_end_before_start_is_refused_with_a_message(client, login_as):
    login_as("admin")
    page = client.get("/clinician/dashboard?date_from=2026-03-31&date_to=2026-03-01").text
    assert "The end date is before the start date" in page
    assert "Screenings begun" not in page


def test_demo_clinic_dashboard_has_something_to_show(client, login_as):
    login_as("clinician")
    page = page_text(client.get("/clinician/dashboard").text)
    for heading in ("Screened positive, per instrument", "Urgent flags", "Referrals, by destination"):
        assert heading in page
    assert "No referrals written" not in page
    assert "No patient is due." not in page


# -- The queries read through indexes -------------------------------------------------------


def _dashboard_statements(app, clinic_id):
    from app.extensions import db, instruments
    from app.services.dashboard import build_dashboard

    statements = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))

    with app.app_context():
        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            build_dashboard(db.session, instruments(), db.session.get(Clinic, clinic_id), *MARCH)
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
    return [(s, p) for s, p in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]


TABLES = ("screening", "response", "screening_review", "packet_entry", "patient", "patient_total")


def test_every_dashboard_query_reads_the_big_tables_through_an_index(app, fixture_clinic):
    """No dashboard query scans a whole table: at 100,000 screenings each reads one clinic's
    date range (or one clinic) through an index, and joins by indexed keys. SQLite reports a
    full scan as `SCAN <table>`; PostgreSQL, with sequential scans priced out, as `Seq Scan`."""
    clinic_id, _people = fixture_clinic
    statements = _dashboard_statements(app, clinic_id)
    assert len(statements) >= 6
    from app.extensions import db

    with app.app_context():
        connection = db.session.connection()
        dialect = connection.dialect.name
        for statement, parameters in statements:
            if dialect == "postgresql":
                connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
                plan = "\n".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters))
                scans = re.findall(r"Seq Scan on (\w+)", plan)
            else:
                plan = "\n".join(
                    row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
                )
                scans = re.findall(r"\bSCAN (\w+)", plan)
            assert not [table for table in scans if table in TABLES], f"{plan}\n--\n{statement}"


# -- Each patient's course is kept with every submit -----------------------------------------


def _course(app, patient_id, instrument_id="phq9"):
    from app.extensions import db
    from app.models import PatientTotal

    with app.app_context():
        rows = db.session.scalars(
            sa.select(PatientTotal)
            .where(PatientTotal.patient_id == patient_id, PatientTotal.instrument_id == instrument_id)
            .order_by(PatientTotal.sequence)
        ).all()
        return [(r.sequence, r.total, r.baseline_total, r.at, r.superseded_at, r.rescreen_due_at) for r in rows]


def test_the_course_follows_a_second_and_third_screening_and_one_sent_out_of_order(app, fixture_clinic):
    clinic_id, people = fixture_clinic
    build = ClinicBuilder(app, clinic_id)
    jan, mar, apr = at(2026, 1, 10), at(2026, 3, 10), at(2026, 4, 2)
    # P1: 20 in January, 8 in March, 20 in April; the packet re-screens PHQ-9 after 4 weeks
    assert _course(app, people[1]) == [
        (1, 20, 20, jan, mar, jan + timedelta(weeks=4)),
        (2, 8, 20, mar, apr, mar + timedelta(weeks=4)),
        (3, 20, 20, apr, None, apr + timedelta(weeks=4)),
    ]
    # a screening completed later but taken between the others (a late sync) takes its place
    feb = at(2026, 2, 12)
    build.screening(people[1], {"phq9": phq9(14), "gad7": gad7(6)}, feb)
    assert [(seq, total, superseded) for seq, total, _b, _at, superseded, _due in _course(app, people[1])] == [
        (1, 20, feb),
        (2, 14, mar),
        (3, 8, apr),
        (4, 20, None),
    ]
    # one earlier than the baseline becomes the new baseline of every row
    dec = at(2025, 12, 1)
    build.screening(people[1], {"phq9": phq9(5), "gad7": gad7(2)}, dec)
    assert [(total, baseline) for _s, total, baseline, *_rest in _course(app, people[1])] == [
        (5, 5),
        (20, 5),
        (14, 5),
        (8, 5),
        (20, 5),
    ]


def test_a_cancelled_screening_and_a_changed_interval(app, fixture_clinic):
    from app.extensions import db
    from app.services import packets, screenings

    clinic_id, people = fixture_clinic
    before = _course(app, people[3])
    with app.app_context():
        session = db.session
        user = session.scalar(sa.select(User).where(User.clinic_id == clinic_id))
        packet = session.scalar(sa.select(Packet).where(Packet.clinic_id == clinic_id))
        patient = session.get(Patient, people[3])
        screening = screenings.create_screening(
            session, patient, packet, created_by_id=None, created_at=at(2026, 3, 20)
        )
        screenings.cancel_screening(session, user, screening)
    assert _course(app, people[3]) == before
    # P3's PHQ-9 10 on 2 March: due 4 weeks later, then 6, then never
    march_2 = at(2026, 3, 2)
    assert before == [(1, 10, 10, march_2, None, march_2 + timedelta(weeks=4))]
    with app.app_context():
        session = db.session
        user = session.scalar(sa.select(User).where(User.clinic_id == clinic_id))
        packet = session.scalar(sa.select(Packet).where(Packet.clinic_id == clinic_id))
        packets.set_rescreen_interval(session, user, packet, "phq9", 6)
    assert _course(app, people[3])[0][-1] == march_2 + timedelta(weeks=6)
    assert _dashboard(app, clinic_id, *MARCH).rescreen_due == []
    with app.app_context():
        session = db.session
        user = session.scalar(sa.select(User).where(User.clinic_id == clinic_id))
        packet = session.scalar(sa.select(Packet).where(Packet.clinic_id == clinic_id))
        packets.set_rescreen_interval(session, user, packet, "phq9", None)
    assert _course(app, people[3])[0][-1] is None
    assert _course(app, people[3], "gad7")[0][-1] is None  # GAD-7 never had an interval


def test_the_migration_fills_the_course_as_the_submit_keeps_it(app, fixture_clinic):
    """0140's backfill, run over the fixture clinic's responses, gives the same rows."""
    import importlib.util
    from pathlib import Path

    from app.extensions import db
    from app.models import PatientTotal

    clinic_id, _people = fixture_clinic
    columns = ("response_id", "sequence", "total", "baseline_total", "at", "superseded_at", "rescreen_due_at")

    def rows(session):
        return session.execute(
            sa.select(*(getattr(PatientTotal, c) for c in columns))
            .where(PatientTotal.clinic_id == clinic_id)
            .order_by(PatientTotal.response_id)
        ).all()

    path = Path(__file__).parents[2] / "migrations" / "versions" / "0140_patient_totals.py"
    spec = importlib.util.spec_from_file_location("_tallyform_0140", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with app.app_context():
        session = db.session
        kept = rows(session)
        assert len(kept) == 2 * 9
        session.execute(sa.delete(PatientTotal))
        # as the migration sees the table: plain columns, read and written as the database gives them
        table = sa.table("patient_total", *(sa.column(column.name) for column in PatientTotal.__table__.c))
        migration._backfill(session.connection(), table)
        assert rows(session) == kept
        session.rollback()


def test_the_re_screening_list_names_the_longest_overdue_and_counts_them_all(app, fixture_clinic):
    from app.extensions import db, instruments
    from app.services.dashboard import _bounds, rescreen_counts, rescreen_due

    clinic_id, people = fixture_clinic
    with app.app_context():
        clinic = db.session.get(Clinic, clinic_id)
        _start, end_of_april = _bounds(clinic, date(2026, 4, 1), date(2026, 4, 30))
        # by 1 May: P3 (due 30 Mar), P4 (3 Apr), P6 (5 Apr) and P1, whose 2 April PHQ-9 of 20 fell due 30 Apr
        listed = rescreen_due(db.session, instruments(), clinic, end_of_april, limit=2)
        assert [(due.patient_id, due.due_on) for due in listed] == [
            (people[3], date(2026, 3, 30)),
            (people[4], date(2026, 4, 3)),
        ]
        assert rescreen_counts(db.session, instruments(), clinic, end_of_april) == (4, 4)
