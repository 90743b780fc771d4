"""A packet with the clinic's own questions, set up by the admin through the admin pages
and completed by a patient on the tablet: shared by tablet, clinician and export tests."""

from __future__ import annotations

from app.extensions import db
from app.patient.flow import build_steps
from app.services.clinic_questions import clinic_questions_definition
from tests.fixtures import Tablet, post_form

THERAPIST = "Do you currently see a therapist or counsellor?"
TRAVEL = "How did you get here today?"
PHARMACY = "Which pharmacy do you use?"
PACKET = "Check-in"
LABEL = "Clinic question — not a validated instrument"


def add_clinic_questions(admin) -> None:
    """Three questions, one of each kind: saved as versions 1, 2 and 3."""
    page = "/admin/clinic-questions"
    post_form(admin, page, {"type": "yes_no", "text": THERAPIST, "options": ""})
    post_form(admin, page, {"type": "single_choice", "text": TRAVEL, "options": "Car\nBus\nWalked"})
    post_form(admin, page, {"type": "short_text", "text": PHARMACY, "options": ""})


def make_check_in_packet(admin) -> str:
    """PHQ-2 with the clinic questions moved in front of it; returns the packet page's path."""
    created = post_form(admin, "/admin/packets", {"name": PACKET, "instrument": "phq2"})
    packet_page = created.headers["Location"]
    post_form(admin, packet_page, {"name": PACKET, "action": "add", "instrument": "clinic_questions"})
    post_form(admin, packet_page, {"name": PACKET, "action": "up:clinic_questions"})
    return packet_page


def clinic_steps(app, registry, clinic_id: int):
    with app.app_context():
        items = clinic_questions_definition(db.session, clinic_id)["items"]
    return build_steps(registry, ["clinic_questions", "phq2"], items)


def complete_check_in(app, tablet: Tablet, code: str, registry, clinic_id: int, answers: dict) -> list:
    """Answer every screen: PHQ-2 items get 1, clinic questions get `answers[item_id]`."""
    tablet.enter_code(code)
    steps = clinic_steps(app, registry, clinic_id)
    for index, step in enumerate(steps):
        if step.kind != "item":
            tablet.answer(index, None)
        elif step.instrument_id == "clinic_questions":
            tablet.answer(index, answers.get(step.item_id))
        else:
            tablet.answer(index, 1)
    return steps


def completed_check_in(client, app, start_screening, registry, clinic_id: int, answers: dict) -> int:
    """An admin (signed in on `client`) sets up the questions; a patient completes the
    packet on a tablet of their own. Returns the screening's id."""
    add_clinic_questions(client)
    make_check_in_packet(client)
    screening_id, code = start_screening(packet=PACKET)
    tablet = Tablet(app.test_client())
    complete_check_in(app, tablet, code, registry, clinic_id, answers)
    assert tablet.submit().headers["Location"] == "/kiosk/done"
    return screening_id
