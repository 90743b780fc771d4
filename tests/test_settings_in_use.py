"""What a clinic admin sets is what patients and clinicians meet: the crisis message on
the tablet's last page, a packet's order on the tablet, thresholds on the worklist."""

import sqlalchemy as sa

from app.models import Packet, User
from app.patient.flow import build_steps
from app.services import packets
from tests.admin.test_clinic_settings import VALID
from tests.clinician.test_worklist import rows
from tests.fixtures import Tablet, post_form

CRISIS = "Please stay with us: Dr Rivera will see you before you leave. Call or text 988 at any time."


def test_crisis_text_set_by_the_admin_is_what_the_patient_sees(app, admin, start_screening, registry):  # noqa: F811
    post_form(admin, "/admin/settings", {**VALID, "crisis_text": CRISIS})
    _id, code = start_screening(packet="Follow-up")
    tablet = Tablet(app.test_client())  # the clinic's tablet, not the admin's browser
    tablet.enter_code(code)
    for index in range(len(build_steps(registry, ["phq9", "gad7"]))):
        tablet.answer(index, 1)  # PHQ-9 item 9 "Several days"
    tablet.submit()
    assert CRISIS in tablet.client.get("/kiosk/done").text


def test_packet_order_set_by_the_admin_is_the_order_on_the_tablet(app, demo, session, registry, start_screening):  # noqa: F811
    packet = session.scalar(sa.select(Packet).where(Packet.name == "Follow-up"))
    admin_user = session.scalar(sa.select(User).where(User.role == "admin"))
    with app.app_context():
        packets.move_in_packet(session, registry, admin_user, packet, "gad7", -1)
    _id, code = start_screening(packet="Follow-up")
    tablet = Tablet(app.test_client())
    tablet.enter_code(code)
    first = tablet.step(0).text
    assert "Feeling nervous, anxious or on edge" in first  # GAD-7 item 1
    assert "Over the last 2 weeks, how often have you been bothered by the following problems?" in first


def test_thresholds_set_by_the_admin_change_what_the_worklist_raises(admin, client):  # noqa: F811
    def aisha_row():
        page = client.get("/clinician/?date_from=2026-11-20&date_to=2026-11-20").text  # Aisha's screening day
        return next(row for row in rows(page) if "Aisha Rahman" in row)

    assert "Over referral threshold" in aisha_row()  # PHQ-9 10 and GAD-7 12: at the defaults of 10
    post_form(admin, "/admin/instruments/phq9", {"is_enabled": "y", "referral_threshold": "15"})
    post_form(admin, "/admin/instruments/gad7", {"is_enabled": "y", "referral_threshold": "15"})
    assert "Over referral threshold" not in aisha_row()
