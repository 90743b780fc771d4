"""A clinic's own short-text question on a tablet and a phone: labelled as not a validated
instrument, a labelled text box, shown on the review page; no axe-core violations."""

import pytest
import sqlalchemy as sa

from tests.browser.conftest import axe_violations, demo_app, issue_code, screenshot, serving, staff_sign_in
from tests.browser.test_tablet import enter_code

pytestmark = pytest.mark.browser
PHARMACY = "Which pharmacy do you use?"
LABEL = "Clinic question — not a validated instrument"


def _clinic_with_questions(directory):
    """The demo clinic with a yes/no and a short-text question in a PHQ-2 packet."""
    from app.extensions import db, instruments
    from app.models import User
    from app.services import clinic_questions, packets

    app = demo_app(directory)
    with app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.email == "admin@example.com"))
        for kind, text in (("yes_no", "Do you currently see a therapist or counsellor?"), ("short_text", PHARMACY)):
            clinic_questions.add_clinic_question(db.session, admin, clinic_questions.QuestionDraft(kind, text))
        packets.create_packet(db.session, instruments(), admin, "Check-in", ["clinic_questions", "phq2"])
    return app


@pytest.mark.parametrize("viewport", ["tablet", "phone"])
def test_short_text_clinic_question_on_tablet_and_phone(tmp_path, new_page, viewport):
    app = _clinic_with_questions(tmp_path)
    with serving(app) as base_url:
        page = new_page(viewport)
        enter_code(page, base_url, issue_code(app, packet="Check-in"))
        page.get_by_role("link", name="Begin").click()
        while PHARMACY not in page.locator("h1").inner_text():
            options = page.locator("label.option")
            if options.count():
                options.first.click()
            if page.get_by_text(LABEL).count():  # the yes/no clinic question: the same option rows
                assert axe_violations(page) == [], page.url
                screenshot(page, f"kiosk-clinic-question-yes-no-{viewport}")
            page.get_by_role("button", name="Next").click()
            page.wait_for_load_state()
        assert page.get_by_text(LABEL).is_visible()
        box = page.get_by_label(PHARMACY)
        assert box.get_attribute("maxlength") == "200"
        box.fill("Corner Pharmacy, Main Street")
        assert axe_violations(page) == [], page.url
        screenshot(page, f"kiosk-clinic-question-text-{viewport}")
        page.get_by_role("button", name="Next").click()
        page.wait_for_url("**/kiosk/review")
        page.get_by_text("Corner Pharmacy, Main Street").wait_for()
        assert page.get_by_text("not answered").count() == 0
        assert axe_violations(page) == [], page.url
        screenshot(page, f"kiosk-clinic-questions-review-{viewport}")


@pytest.mark.parametrize("viewport", ["tablet", "phone"])
def test_clinic_answers_in_the_patient_history_and_screening_page(tmp_path, new_page, viewport):
    from app.extensions import db, instruments
    from app.models import Packet, Patient
    from app.services import screenings

    app = _clinic_with_questions(tmp_path)
    with app.app_context():
        patient = db.session.scalar(sa.select(Patient).where(Patient.mrn == "103377"))
        packet = db.session.scalar(sa.select(Packet).where(Packet.name == "Check-in"))
        screening = screenings.create_screening(db.session, patient, packet, created_by_id=None)
        answers = {"phq2": {"1": 1, "2": 0}, "clinic_questions": {"q1": 1, "q2": "Corner Pharmacy, Main Street"}}
        screenings.complete_screening(db.session, instruments(), screening, answers, queue_referral=False)
        patient_id, screening_id = patient.id, screening.id
    with serving(app) as base_url:
        page = new_page(viewport)
        staff_sign_in(page, base_url, "clinician")
        for path, name in ((f"patients/{patient_id}", "history"), (f"screenings/{screening_id}", "screening")):
            page.goto(f"{base_url}/clinician/{path}")
            page.get_by_text("Corner Pharmacy, Main Street").first.wait_for()
            assert page.get_by_text(LABEL).first.is_visible()
            assert axe_violations(page) == [], page.url
            screenshot(page, f"clinician-clinic-answers-{name}-{viewport}")
