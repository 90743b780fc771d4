"""The audit trail as an admin reads it: filtered by person, patient, action and date,
paginated, exported as CSV (the export itself audited, formula cells neutralised)."""

import csv
import html
import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.models import AuditEvent, Clinic, Screening
from app.services.audit import PAGE_SIZE, spreadsheet_safe
from app.services.patients import find_patient
from tests.conftest import AuthActions
from tests.fixtures import demo_user, post_form


def _event_ids(html):
    return [int(match) for match in re.findall(r"<td data-label=\"#\">(\d+)</td>", html)]


def _csv(response):
    return list(csv.reader(io.StringIO(response.text)))


def _export(admin, **filters):
    """The audit page's "Export as CSV" button: a POST with the page's CSRF token."""
    return post_form(admin, "/admin/audit", filters, url="/admin/audit.csv")


def _clinic_today():
    return datetime.now(ZoneInfo("America/Chicago")).date()


def test_filter_by_person_shows_only_their_events(admin, session):
    me = demo_user(session, "admin")
    page = admin.get(f"/admin/audit?person={me.id}").text
    expected = session.scalars(sa.select(AuditEvent.id).where(AuditEvent.actor_user_id == me.id)).all()
    assert sorted(_event_ids(page)) == sorted(expected)
    assert expected


def test_filter_by_patient_mrn_finds_the_patient_and_their_screenings(admin, session, demo):
    patient = find_patient(session, demo, "100871")
    screening_ids = {str(i) for i in session.scalars(sa.select(Screening.id).where(Screening.patient_id == patient.id))}
    rows = _csv(_export(admin, mrn="100871"))[1:]
    assert {(row[5], row[6]) for row in rows} == {("patient", str(patient.id))} | {
        ("screening", sid) for sid in screening_ids
    }
    assert {row[4] for row in rows} == {"patient.create", "screening.create", "screening.complete"}


def test_unknown_mrn_is_reported_not_treated_as_no_filter(admin):
    page = admin.get("/admin/audit?mrn=999999").text
    assert "No patient with this MRN is registered at this clinic." in page
    assert _event_ids(page) == []


def test_filter_by_action(admin, session):
    rows = _csv(_export(admin, action="staff.create"))[1:]
    assert len(rows) == 3
    assert {row[4] for row in rows} == {"staff.create"}


def test_filter_by_date_uses_whole_days_in_the_clinic_time_zone(admin, session):
    today, tomorrow = _clinic_today(), _clinic_today() + timedelta(days=1)
    assert _event_ids(admin.get(f"/admin/audit?date_from={tomorrow}").text) == []
    total = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.clinic_id.is_not(None)))
    assert f"{total} events" in admin.get(f"/admin/audit?date_from={today}&date_to={today}").text


def test_end_date_before_start_date_is_refused_with_a_message(admin):
    page = admin.get("/admin/audit?date_from=2026-05-02&date_to=2026-05-01").text
    assert "The end date is before the start date." in page
    assert _event_ids(page) == []


def test_trail_is_paginated_newest_first(admin, session):
    while session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) <= PAGE_SIZE:
        _export(admin)  # each export is an event
    first = _event_ids(admin.get("/admin/audit").text)
    second = _event_ids(admin.get("/admin/audit?page=2").text)
    assert len(first) == PAGE_SIZE
    assert first == sorted(first, reverse=True)
    assert max(second) < min(first)
    assert "Page 2 of" in admin.get("/admin/audit?page=2").text


def test_csv_export_is_audited_and_keeps_the_filter(admin, session):
    response = _export(admin, action="staff.create")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    export = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "audit.export")).one()
    assert export.actor_user_id == demo_user(session, "admin").id
    assert export.details == {"action": "staff.create"}


def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised(admin, app, demo, make_staff):
    formula = '=HYPERLINK("http://attacker.example","Click")'
    make_staff(demo, "frontdesk", "f@example.com", name=formula)
    AuthActions(app.test_client()).sign_in("f@example.com")

    rows = _csv(_export(admin, action="staff.sign_in"))
    assert ["'" + formula] == [row[2] for row in rows[1:] if formula in row[2]]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_spreadsheet_safe_prefixes_every_formula_start():
    for value, expected in [("=1+2", "'=1+2"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("ok", "ok")]:
        assert spreadsheet_safe(value) == expected


def _audit_rows(html):
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in body.split("</tr>")[:-1]]


def test_a_crisis_text_change_reads_in_plain_words_with_its_old_and_new_wording(admin, session):
    from app.models.clinic import DEFAULT_CRISIS_TEXT
    from tests.admin.test_clinic_settings import VALID
    from tests.fixtures import post_form

    clinic = session.get(Clinic, demo_user(session, "admin").clinic_id)
    unchanged = {
        "address": clinic.address,
        "referral_destinations": "\n".join(clinic.referral_destinations),
        "care_intro_text": clinic.care_intro_text,
    }
    post_form(admin, "/admin/settings", {**VALID, **unchanged})
    row = _audit_rows(admin.get("/admin/audit?action=clinic.settings").text)[0]
    assert "Alex Morgan Changed the crisis text clinic" in row
    assert f"Crisis text: was “{DEFAULT_CRISIS_TEXT}”, now “{VALID['crisis_text']}”" in html.unescape(row)
    assert "clinic.settings" not in row
    assert "['" not in row


def test_events_read_as_words_without_python_values(admin, session):
    page = html.unescape(admin.get("/admin/audit").text)
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Signed in" in text
    assert "Created a staff account" in text
    for python_value in ("True", "False", "None", "['", "{'"):
        assert python_value not in text.split("Audit trail", 1)[1]
    # the action filter offers the same words
    assert '<option value="staff.sign_in">Signed in</option>' in page


def test_the_csv_keeps_the_machine_codes_beside_the_words(admin, session):
    rows = _csv(_export(admin, action="staff.create"))
    header = rows[0]
    assert "action" in header
    assert "what happened" in header
    row = dict(zip(header, rows[1], strict=True))
    assert row["action"] == "staff.create"
    assert row["what happened"] == "Created a staff account"
    assert row["details"].startswith("{")  # the machine details, as JSON
    assert "role" in row["details"]
