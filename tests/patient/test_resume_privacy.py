"""A new code carries a sitting on without showing what was answered before it to whoever
holds the tablet: the patient, or the front desk trying the code itself."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.models import DraftAnswer, KioskSession, Response, Screening
from tests.conftest import csrf_token_from
from tests.fixtures import Tablet

FOLLOW_UP_STEPS = 17  # PHQ-9 (10 items) and GAD-7 (7), no instructions screens
NEARLY_EVERY_DAY = "Nearly every day"
CHOSEN = re.compile(r"<input[^>]*\bchecked")


def leave_after_answering(session, start_screening, tablet) -> int:
    """The patient answers PHQ-9 items 1 to 3 "Nearly every day" and item 9 "Several days",
    then the tablet is cleared before they finish."""
    screening_id, code = start_screening(packet="Follow-up")
    tablet.enter_code(code)
    for index in range(3):
        tablet.answer(index, 3)
    tablet.answer(8, 1)
    tablet.client.get("/kiosk/timeout")
    return screening_id


def new_code_from_check_in(frontdesk_client, screening_id: int) -> str:
    page = frontdesk_client.get(f"/check-in/screenings/{screening_id}/code")
    issued = frontdesk_client.post(
        f"/check-in/screenings/{screening_id}/code", data={"csrf_token": csrf_token_from(page.text)}
    )
    assert issued.status_code == 200  # the code is shown in this answer only, kept nowhere
    return re.search(r'class="access-code"[^>]*>([A-Z0-9-]+)<', issued.text).group(1)


def test_front_desk_redeeming_a_new_code_itself_sees_no_earlier_answer(app, session, start_screening, tablet, login_as):
    screening_id = leave_after_answering(session, start_screening, tablet)
    desk = login_as("frontdesk").client
    code = new_code_from_check_in(desk, screening_id)
    patient_id = session.get(Screening, screening_id).patient_id
    # No staff page the front desk can open shows an answer.
    for path in (f"/check-in/screenings/{screening_id}/code", f"/check-in/patients/{patient_id}", "/check-in/"):
        page = desk.get(path)
        assert page.status_code == 200
        assert NEARLY_EVERY_DAY not in page.text
    for path in (f"/clinician/screenings/{screening_id}", f"/clinician/patients/{patient_id}", "/clinician/"):
        assert desk.get(path).status_code == 403
    # Nor does the tablet, when the front desk redeems the code itself.
    desk_tablet = Tablet(desk)
    assert desk_tablet.enter_code(code).headers["Location"] == "/kiosk/welcome"

    seen = [desk.get("/kiosk/welcome").text, desk.get("/kiosk/review").text]
    seen += [desk_tablet.step(index).text for index in range(FOLLOW_UP_STEPS)]
    for page in seen:
        assert not CHOSEN.search(page)
    review = seen[1]
    assert NEARLY_EVERY_DAY not in review
    assert "Several days" not in review
    assert review.count("Answered before this code") == 4
    # Nothing was changed by looking.
    values = session.scalars(
        sa.select(DraftAnswer.value).where(DraftAnswer.screening_id == screening_id).order_by(DraftAnswer.id)
    ).all()
    assert values == [3, 3, 3, 1]


def test_patient_resuming_keeps_earlier_answers_and_can_replace_them(app, session, start_screening, tablet, login_as):
    screening_id = leave_after_answering(session, start_screening, tablet)
    code = new_code_from_check_in(login_as("frontdesk").client, screening_id)
    patient = Tablet(app.test_client())
    patient.enter_code(code)
    welcome = patient.client.get("/kiosk/welcome").text
    assert "Welcome back" in welcome
    assert 'href="/kiosk/step/3"' in welcome  # the first question never reached
    # Moving past an earlier answer without choosing keeps it; choosing replaces it.
    assert "You answered this question before" in patient.step(0).text
    patient.answer(0, None)
    patient.answer(1, 0)
    assert patient.chosen(1) == 0  # answered with this code: shown again
    for index in range(3, FOLLOW_UP_STEPS):
        if index != 8:
            patient.answer(index, 0)
    assert patient.submit().headers["Location"] == "/kiosk/done"
    phq9 = session.scalar(
        sa.select(Response).where(Response.screening_id == screening_id, Response.instrument_id == "phq9")
    )
    assert {item: phq9.answers[item] for item in ("1", "2", "3", "9")} == {"1": 3, "2": 0, "3": 3, "9": 1}
    assert session.get(Screening, screening_id).is_urgent is True
    assert session.scalar(sa.select(sa.func.count()).select_from(KioskSession)) == 2
