"""Staff see a patient's answers to the clinic's own questions after the validated
instruments, worded as the version the patient saw, labelled, and never scored."""

import io
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.extensions import db
from app.models import ReferralDocument
from app.reports.render import render_referral
from tests.conftest import AuthActions
from tests.fixtures import page_text, post_form
from tests.patient.clinic_sitting import LABEL, PHARMACY, THERAPIST, TRAVEL, completed_check_in

COFFEE = "Would you like a coffee while you wait?"
RENAMED = "Are you seeing a counsellor at the moment?"


@pytest.fixture
def answered_then_edited(login_as, app, start_screening, registry, demo):
    """A completed check-in, then the admin removes a question and adds others (versions 4-6);
    the test client is the clinician's."""
    admin = app.test_client()
    assert AuthActions(admin).sign_in("admin@example.com").status_code == 302
    screening_id = completed_check_in(
        admin, app, start_screening, registry, demo, {"q1": 0, "q2": 1, "q3": "Corner Pharmacy"}
    )
    page = "/admin/clinic-questions"
    post_form(admin, page, {"action": "remove:q1"}, url=f"{page}/change")
    post_form(admin, page, {"type": "yes_no", "text": RENAMED, "options": ""})
    post_form(admin, page, {"type": "yes_no", "text": COFFEE, "options": ""})
    login_as("clinician")
    return screening_id


def _pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def _patient_id(session, screening_id):
    from app.models import Screening

    return session.get(Screening, screening_id).patient_id


def test_history_shows_the_wording_the_patient_saw_after_the_instruments(answered_then_edited, client, session):
    history = client.get(f"/clinician/patients/{_patient_id(session, answered_then_edited)}")
    assert history.status_code == 200
    text = page_text(history.text)
    assert LABEL.lower() in text.lower()
    assert f"1 {THERAPIST} Yes" in text
    assert f"2 {TRAVEL} Bus" in text
    assert f"3 {PHARMACY} Corner Pharmacy" in text
    assert COFFEE not in text
    assert RENAMED not in text
    assert text.index("Clinic questions") > text.index("PHQ-2")


def test_screening_page_lists_the_answers_outside_the_results_table(answered_then_edited, client):
    page = page_text(client.get(f"/clinician/screenings/{answered_then_edited}").text)
    results = page[page.index("Results") : page.index("Clinic questions")]
    assert THERAPIST not in results
    assert f"{THERAPIST} Yes" in page
    assert "as worded on the form the patient completed (version 3)" in page


def test_referral_pdf_keeps_the_version_seen_when_stored_and_when_rendered_again(answered_then_edited, app, session):
    stored = session.scalar(
        sa.select(ReferralDocument.pdf).where(ReferralDocument.screening_id == answered_then_edited)
    )
    with app.app_context():
        again = render_referral(db.session, answered_then_edited, generated_at=datetime(2026, 11, 25, tzinfo=UTC)).pdf
    for pdf in (stored, again):
        text = _pdf_text(pdf)
        assert LABEL.lower() in text.lower()
        assert f"{THERAPIST} Yes" in text
        assert f"{PHARMACY} Corner Pharmacy" in text
        assert COFFEE not in text
        assert RENAMED not in text
        assert text.index("Clinic questions") > text.index("Patient Health Questionnaire-2")
