"""A safety item endorsed on the tablet reaches a clinician and the front desk however the
sitting ends: sent, idled out, abandoned, resumed with a new code, or cancelled."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.db import utcnow
from app.models import AuditEvent, KioskSession, Screening
from app.services import kiosk
from tests.clinician.test_worklist import rows
from tests.conftest import DEMO_PASSWORD, AuthActions
from tests.fixtures import page_text, post_form

ITEM9_STEP = 8  # Follow-up packet: PHQ-9 item 9
ALERT = "Ask a clinician to see this patient before they leave"
NOT_FINISHED = "Not finished — patient may still be in the building"


def alert_box(html: str) -> str:
    """The words of the front desk's alert, or "" when none is shown."""
    if 'id="urgent-alerts"' not in html:
        return ""
    return page_text(html.split('id="urgent-alerts"', 1)[1].split("</section>", 1)[0])


def staff_client(app, role: str):
    client = app.test_client()
    assert AuthActions(client).sign_in(f"{role}@example.com", DEMO_PASSWORD).status_code == 302
    return client


def idle_out(app, session, tablet, _frontdesk, _screening_id):
    idle = timedelta(seconds=app.config["KIOSK_IDLE_SECONDS"])
    idle += kiosk.last_seen_step(idle)  # the slack for a last_seen_at written at most that often
    session.execute(sa.update(KioskSession).values(last_seen_at=utcnow() - idle - timedelta(seconds=1)))
    session.commit()
    assert tablet.step(0).headers["Location"].startswith("/kiosk/?cleared=1")


def walk_away(_app, _session, _tablet, _frontdesk, _screening_id):
    """The tablet is put down: nothing more is sent."""


def new_code(_app, _session, _tablet, frontdesk, screening_id):
    response = post_form(
        frontdesk,
        f"/check-in/screenings/{screening_id}/code",
        {},
        url=f"/check-in/screenings/{screening_id}/code",
    )
    assert response.status_code == 200  # the new code is shown in this response only
    assert 'class="access-code"' in response.text


def cancel(_app, _session, _tablet, frontdesk, screening_id):
    page = f"/check-in/screenings/{screening_id}/cancel"
    assert "Cancel this screening?" in page_text(frontdesk.get(page).text)
    assert post_form(frontdesk, page, {}, url=page).status_code == 302


def submit(_app, _session, tablet, _frontdesk, _screening_id):
    assert tablet.submit().status_code == 302


@pytest.mark.parametrize(
    ("ending", "state"),
    [
        (idle_out, NOT_FINISHED),
        (walk_away, NOT_FINISHED),
        (new_code, NOT_FINISHED),
        (cancel, "Cancelled before it was finished"),
        (submit, "Completed"),
    ],
    ids=["idle", "tablet-closed", "new-code", "front-desk-cancel", "submitted"],
)
def test_item9_endorsed_is_pinned_openable_acknowledgeable_and_shown_to_the_front_desk(
    app, demo, session, start_screening, tablet, ending, state
):
    screening_id, code = start_screening(packet="Follow-up")
    tablet.enter_code(code)
    tablet.answer(ITEM9_STEP, 1)  # "Several days"
    clinician, frontdesk = staff_client(app, "clinician"), staff_client(app, "frontdesk")
    ending(app, session, tablet, frontdesk, screening_id)

    listed = rows(clinician.get("/clinician/").text)
    assert listed[0].startswith("URGENT, not yet acknowledged Daniel Weiss")
    assert state in listed[0]
    assert "ago" in listed[0]  # how long since the item was endorsed

    opened = clinician.get(f"/clinician/screenings/{screening_id}")
    assert opened.status_code == 200
    text = page_text(opened.text)
    assert "Several days" in text  # the answer, in the wording the patient saw
    assert "better off dead" in text

    desk_page = frontdesk.get("/check-in/").text
    assert ALERT in alert_box(desk_page)
    assert "Daniel Weiss" in alert_box(desk_page)
    desk = page_text(desk_page)
    for hidden in ("Several days", "item 9", "Item 9", "PHQ-9", "score", "Score"):
        assert hidden not in desk

    page = f"/clinician/screenings/{screening_id}"
    assert post_form(clinician, page, {"confirm": "y"}, url=f"{page}/acknowledge").status_code == 302
    listed = rows(clinician.get("/clinician/").text)
    assert not any("URGENT" in row and "Daniel Weiss" in row for row in listed)
    assert "Daniel Weiss" not in alert_box(frontdesk.get("/check-in/").text)
    session.expire_all()
    assert session.get(Screening, screening_id).is_urgent is True  # the record keeps the flag


def test_front_desk_sees_the_alert_until_acknowledged_and_nothing_of_the_answers(
    app, demo, session, start_screening, tablet
):
    screening_id, code = start_screening(packet="Follow-up")
    tablet.enter_code(code)
    tablet.answer(ITEM9_STEP, 3)  # "Nearly every day"
    frontdesk = staff_client(app, "frontdesk")
    patient_page = frontdesk.get(f"/check-in/patients/{session.get(Screening, screening_id).patient_id}")
    assert ALERT in alert_box(patient_page.text)
    assert "Daniel Weiss" in alert_box(patient_page.text)
    assert "Nearly every day" not in page_text(patient_page.text)


def test_time_from_endorsement_to_acknowledgement_is_stored_and_in_the_audit_trail(
    app, demo, session, start_screening, tablet
):
    screening_id, code = start_screening(packet="Follow-up")
    tablet.enter_code(code)
    tablet.answer(ITEM9_STEP, 1)
    endorsed = session.get(Screening, screening_id).urgent_at
    assert endorsed is not None
    session.execute(
        sa.update(Screening).where(Screening.id == screening_id).values(urgent_at=endorsed - timedelta(minutes=7))
    )
    session.commit()
    clinician = staff_client(app, "clinician")
    page = f"/clinician/screenings/{screening_id}"
    post_form(clinician, page, {"confirm": "y"}, url=f"{page}/acknowledge")
    assert "7 minutes after the item was endorsed" in page_text(clinician.get(page).text)
    event = session.scalar(
        sa.select(AuditEvent).where(
            AuditEvent.action == "screening.urgent_acknowledged", AuditEvent.target_id == str(screening_id)
        )
    )
    assert event.details["seconds_from_endorsement"] >= 7 * 60


def test_a_retracted_item9_answer_keeps_the_flag_once_sent(app, demo, session, start_screening, tablet):
    """The front desk was already alerted; changing the answer before sending does not
    silently close it without a clinician."""
    screening_id, code = start_screening(packet="Follow-up")
    tablet.enter_code(code)
    tablet.answer(ITEM9_STEP, 1)
    tablet.answer(ITEM9_STEP, 0)
    tablet.submit()
    session.expire_all()
    assert session.get(Screening, screening_id).is_urgent is True
    listed = rows(staff_client(app, "clinician").get("/clinician/").text)
    assert listed[0].startswith("URGENT, not yet acknowledged Daniel Weiss")


def test_cancel_is_refused_for_a_completed_screening(app, demo, session):
    from tests.fixtures import latest_screening_id

    frontdesk = staff_client(app, "frontdesk")
    screening_id = latest_screening_id(session, "James Okafor")
    page = f"/check-in/screenings/{screening_id}/cancel"
    response = post_form(frontdesk, f"/check-in/screenings/{screening_id}/code", {}, url=page)
    assert response.status_code == 400
    assert "already finished" in page_text(response.text)
    session.expire_all()
    assert session.get(Screening, screening_id).status == "completed"


def test_a_not_urgent_unfinished_screening_is_not_on_the_worklist(app, demo, session, start_screening, tablet):
    screening_id, code = start_screening(packet="Follow-up")
    tablet.enter_code(code)
    tablet.answer(0, 2)
    clinician = staff_client(app, "clinician")
    assert not any("Daniel Weiss" in row for row in rows(clinician.get("/clinician/").text))
    assert clinician.get(f"/clinician/screenings/{screening_id}").status_code == 404
