"""The front desk clears the wait that wrong tablet codes put on its network, after confirming."""

import re

import sqlalchemy as sa

from app.models import AccessAttempt, AuditEvent, Patient, User
from app.services import access_codes
from tests.conftest import csrf_token_from
from tests.fixtures import Tablet

WRONG = "ZZZZ-ZZZZ"


def new_code_at_check_in(client, session) -> str:
    patient_id = session.scalar(sa.select(Patient.id).where(Patient.mrn == "103377"))
    page = client.get(f"/check-in/patients/{patient_id}")
    packet = re.search(r'<option value="(\d+)"', page.text).group(1)
    started = client.post(
        f"/check-in/patients/{patient_id}", data={"packet_id": packet, "csrf_token": csrf_token_from(page.text)}
    )
    code_page = client.get(started.headers["Location"])
    # the code is issued by the code page's button and shown in that answer only
    issued = client.post(started.headers["Location"], data={"csrf_token": csrf_token_from(code_page.text)})
    return re.search(r'class="access-code"[^>]*>([A-Z0-9-]+)<', issued.text).group(1)


def slow_this_network(app) -> Tablet:
    tablet = Tablet(app.test_client())
    for _ in range(access_codes.SLOW_AFTER):
        tablet.enter_code(WRONG)
    assert "Please wait" in tablet.enter_code(WRONG).text  # not checked, so not counted
    return tablet


def test_front_desk_sees_the_slowed_network_and_clears_it_after_confirming(app, session, login_as, client):
    tablet = slow_this_network(app)
    login_as("frontdesk")
    code = new_code_at_check_in(client, session)
    check_in = client.get("/check-in/").text
    assert "Tablets on this network are being slowed" in check_in
    confirm = client.get("/check-in/tablet-codes")
    assert f"{access_codes.SLOW_AFTER} wrong codes were entered" in confirm.text
    assert session.scalar(sa.select(sa.func.count()).where(AccessAttempt.cleared_at.is_not(None))) == 0

    cleared = client.post("/check-in/tablet-codes", data={"csrf_token": csrf_token_from(confirm.text)})

    assert cleared.headers["Location"] == "/check-in/"
    assert "Tablets on this network are being slowed" not in client.get("/check-in/").text
    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "access_code.clear_wait"))
    desk = session.scalar(sa.select(User).where(User.email == "frontdesk@example.com"))
    assert (event.actor_user_id, event.clinic_id, event.details) == (
        desk.id,
        desk.clinic_id,
        {"wrong_codes": access_codes.SLOW_AFTER},
    )
    assert tablet.enter_code(code).headers["Location"] == "/kiosk/welcome"


def test_clearing_needs_the_confirmation_form(app, session, login_as, client):
    slow_this_network(app)
    login_as("frontdesk")
    assert client.post("/check-in/tablet-codes").status_code == 400
    assert session.scalar(sa.select(sa.func.count()).where(AccessAttempt.cleared_at.is_not(None))) == 0
    assert access_codes.wrong_codes_from(session, "127.0.0.1").is_slowed


def test_a_network_without_wrong_codes_has_nothing_to_clear(login_as, client):
    login_as("frontdesk")
    assert "being slowed" not in client.get("/check-in/").text
    page = client.get("/check-in/tablet-codes").text
    assert "nothing to clear" in page
    assert "Yes, clear the wait" not in page
