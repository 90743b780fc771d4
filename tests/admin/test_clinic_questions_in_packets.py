"""The clinic's own questions as a packet entry: offered once the clinic has some, kept in
the packet's order for the admin, never a packet on their own."""

import sqlalchemy as sa

from app.models import Packet
from tests.fixtures import page_text, post_form
from tests.patient.clinic_sitting import LABEL, PACKET, add_clinic_questions, make_check_in_packet


def test_clinic_questions_are_offered_only_once_the_clinic_has_some(admin):
    assert 'value="clinic_questions"' not in admin.get("/admin/packets").text
    add_clinic_questions(admin)
    offered = page_text(admin.get("/admin/packets").text)
    assert f"Clinic questions ({LABEL.lower()})" in offered


def test_an_admin_adds_clinic_questions_to_a_packet_and_moves_them(admin, session):
    add_clinic_questions(admin)
    packet_page = make_check_in_packet(admin)
    packet = session.scalar(sa.select(Packet).where(Packet.name == PACKET))
    assert packet.instrument_ids == ["clinic_questions", "phq2"]
    page = page_text(admin.get(packet_page).text)
    assert "1. Clinic questions" in page
    assert "2. PHQ-2" in page
    assert 'value="clinic_questions"' not in admin.get(packet_page).text.split("Add an instrument")[1]


def test_clinic_questions_alone_are_not_a_packet(admin, session):
    add_clinic_questions(admin)
    refused = post_form(admin, "/admin/packets", {"name": "Only ours", "instrument": "clinic_questions"})
    assert refused.status_code == 200
    assert "A packet needs at least one instrument." in refused.text
    assert session.scalar(sa.select(Packet).where(Packet.name == "Only ours")) is None
    packet_page = make_check_in_packet(admin)
    post_form(admin, packet_page, {"name": PACKET, "action": "remove:phq2"})
    session.expire_all()
    assert session.scalar(sa.select(Packet).where(Packet.name == PACKET)).instrument_ids == ["clinic_questions", "phq2"]
