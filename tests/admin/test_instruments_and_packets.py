"""Instruments: every installed one listed with its version, citation and permission note;
enabled per clinic; thresholds within the instrument's range. Packets: built from enabled
instruments, ordered, renamed, deactivated, never deleted."""

import pytest
import sqlalchemy as sa
from markupsafe import escape

from app.extensions import db, instruments
from app.models import AuditEvent, Clinic, ClinicInstrument, Packet, Screening, User
from app.services import clinic_settings, screenings
from app.services.patients import find_patient
from tests.fixtures import demo_clinic_row, post_form


def _packet(session, name):
    session.expire_all()
    return session.scalar(sa.select(Packet).where(Packet.name == name))


def _threshold_row(session, instrument_id):
    session.expire_all()
    return session.scalar(sa.select(ClinicInstrument).where(ClinicInstrument.instrument_id == instrument_id))


def test_instrument_list_shows_every_installed_instrument_with_version_and_locked_note(admin, registry):
    page = admin.get("/admin/instruments").text
    for loaded in registry.values():
        assert loaded.definition.short_title in page
        assert loaded.version[:12] in page
    assert "wording and scoring of a validated instrument are locked" in page


def test_instrument_page_shows_citation_permission_and_why_wording_is_locked(admin, registry):
    page = admin.get("/admin/instruments/phq9").text
    definition = registry["phq9"].definition
    for citation in definition.citations:
        assert str(escape(citation)) in page
    assert str(escape(definition.permission)) in page
    assert "Wording and scoring are locked" in page
    assert "0–27" in page


def test_unknown_instrument_is_not_found(admin):
    assert admin.get("/admin/instruments/not-installed").status_code == 404


def test_threshold_within_range_is_saved_and_used_for_referrals(admin, app, session, demo):
    response = post_form(admin, "/admin/instruments/phq9", {"is_enabled": "y", "referral_threshold": "15"})
    assert response.status_code == 302
    assert _threshold_row(session, "phq9").referral_threshold == 15
    with app.app_context():
        thresholds = clinic_settings.referral_thresholds(db.session, instruments(), demo)
    assert thresholds["phq9"] == 15


@pytest.mark.parametrize("value", ["30", "-1"])
def test_phq9_threshold_outside_0_to_27_is_refused_with_the_range(admin, session, value):
    response = post_form(admin, "/admin/instruments/phq9", {"is_enabled": "y", "referral_threshold": value})
    assert response.status_code == 200
    assert "Totals run from 0 to 27; choose a threshold in that range." in response.text
    assert _threshold_row(session, "phq9") is None


def test_service_refuses_an_out_of_range_threshold_even_without_the_form(app, demo, session):
    with app.app_context():
        actor = db.session.scalar(sa.select(User).where(User.email == "admin@example.com"))
        with pytest.raises(clinic_settings.ClinicError, match="PHQ-9 totals run from 0 to 27"):
            clinic_settings.save_instrument_setting(
                db.session, instruments(), actor, "phq9", is_enabled=True, referral_threshold=30
            )
    assert _threshold_row(session, "phq9") is None


def test_empty_threshold_falls_back_to_the_instrument_default(admin, app, demo, registry):
    post_form(admin, "/admin/instruments/gad7", {"is_enabled": "y", "referral_threshold": "12"})
    post_form(admin, "/admin/instruments/gad7", {"is_enabled": "y", "referral_threshold": ""})
    with app.app_context():
        thresholds = clinic_settings.referral_thresholds(db.session, instruments(), demo)
    assert thresholds["gad7"] == registry["gad7"].definition.scoring.default_referral_threshold


def test_instrument_in_an_active_packet_cannot_be_disabled_and_nothing_is_saved(admin, session):
    response = post_form(admin, "/admin/instruments/gad7", {"referral_threshold": "12"})
    assert response.status_code == 200
    assert "is in the packet(s) Follow-up, New patient" in response.text
    assert _threshold_row(session, "gad7") is None


def test_disabled_instrument_is_offered_for_no_new_packet(admin, session):
    assert post_form(admin, "/admin/instruments/phq2", {}).status_code == 302
    assert _threshold_row(session, "phq2").is_enabled is False
    page = admin.get("/admin/packets").text
    assert '<option value="phq2"' not in page
    response = post_form(admin, "/admin/packets", {"name": "Brief", "instrument": "phq2"})
    assert "Enable phq2 for the clinic before adding it to a packet." in response.text
    assert _packet(session, "Brief") is None


def test_admin_builds_a_packet_and_its_order_is_the_order_of_a_new_screening(admin, app, session):
    response = post_form(admin, "/admin/packets", {"name": "Annual review", "instrument": "gad7"})
    packet = _packet(session, "Annual review")
    assert response.headers["Location"] == f"/admin/packets/{packet.id}"
    page = f"/admin/packets/{packet.id}"
    post_form(admin, page, {"action": "add", "instrument": "phq9", "name": packet.name})
    post_form(admin, page, {"action": "add", "instrument": "ace", "name": packet.name})
    post_form(admin, page, {"action": "up:ace", "name": packet.name})
    assert _packet(session, "Annual review").instrument_ids == ["gad7", "ace", "phq9"]
    post_form(admin, page, {"action": "up:ace", "name": packet.name})
    post_form(admin, page, {"action": "down:gad7", "name": packet.name})
    assert _packet(session, "Annual review").instrument_ids == ["ace", "phq9", "gad7"]

    with app.app_context():
        patient = find_patient(db.session, packet.clinic_id, "100234")
        packet_now = db.session.get(Packet, packet.id)
        screening = screenings.create_screening(db.session, patient, packet_now, created_by_id=None)
        assert screening.instrument_ids == ["ace", "phq9", "gad7"]


def test_editing_a_packet_leaves_past_screenings_as_they_were(admin, session):
    packet = _packet(session, "Follow-up")
    before = session.scalars(sa.select(Screening.instrument_ids).where(Screening.packet_id == packet.id)).all()
    post_form(admin, f"/admin/packets/{packet.id}", {"action": "down:phq9", "name": "Follow-up"})
    post_form(admin, f"/admin/packets/{packet.id}", {"action": "rename", "name": "Follow-up visit"})
    assert _packet(session, "Follow-up visit").instrument_ids == ["gad7", "phq9"]
    after = session.scalars(sa.select(Screening.instrument_ids).where(Screening.packet_id == packet.id)).all()
    assert after == before
    assert set(session.scalars(sa.select(Screening.packet_name).where(Screening.packet_id == packet.id))) == {
        "Follow-up"
    }


def test_packet_name_must_be_unique_in_the_clinic(admin, session):
    packet = _packet(session, "Follow-up")
    response = post_form(admin, f"/admin/packets/{packet.id}", {"action": "rename", "name": "New patient"})
    assert response.status_code == 302
    assert "already has a packet called “New patient”" in admin.get(response.headers["Location"]).text
    assert _packet(session, "Follow-up") is not None


def test_last_instrument_cannot_be_removed(admin, session):
    post_form(admin, "/admin/packets", {"name": "Single", "instrument": "phq2"})
    packet = _packet(session, "Single")
    response = post_form(
        admin, f"/admin/packets/{packet.id}", {"action": "remove:phq2", "name": "Single"}, follow_redirects=True
    )
    assert "deactivate the packet instead" in response.text
    assert _packet(session, "Single").instrument_ids == ["phq2"]


def test_packet_is_deactivated_not_deleted_and_can_come_back(admin, session):
    packet = _packet(session, "New patient")
    post_form(admin, f"/admin/packets/{packet.id}", {"action": "deactivate", "name": packet.name})
    assert _packet(session, "New patient").is_active is False
    assert "Deactivated" in admin.get("/admin/packets").text
    post_form(admin, f"/admin/packets/{packet.id}", {"action": "activate", "name": packet.name})
    assert _packet(session, "New patient").is_active is True
    changes = session.scalars(
        sa.select(AuditEvent.details).where(AuditEvent.action == "packet.save", AuditEvent.actor_user_id.is_not(None))
    ).all()
    assert [change["change"] for change in changes] == ["deactivate", "activate"]


def test_packet_page_works_without_script_buttons_carry_the_action(admin, session):
    packet = _packet(session, "New patient")
    page = admin.get(f"/admin/packets/{packet.id}").text
    assert "<script" not in page
    assert 'value="up:gad7"' in page
    assert 'value="down:gad7"' in page
    assert demo_clinic_row(session).name in page


def test_saving_an_existing_packet_in_a_new_order_replaces_its_entries(app, demo, session):
    from app.services import packets

    with app.app_context():
        clinic = db.session.get(Clinic, demo)
        packets.save_packet(db.session, instruments(), clinic, "Follow-up", ["gad7", "phq9"])
    assert _packet(session, "Follow-up").instrument_ids == ["gad7", "phq9"]


def test_admin_sets_a_rescreen_interval_that_survives_a_reorder_and_is_audited(admin, session):
    packet = _packet(session, "Follow-up")
    page = f"/admin/packets/{packet.id}"
    assert 'name="rescreen-gad7"' in admin.get(page).text
    post_form(admin, page, {"action": "rescreen:gad7", "rescreen-gad7": "6", "name": "Follow-up"})
    post_form(admin, page, {"action": "down:phq9", "name": "Follow-up"})
    session.expire_all()
    entries = {entry.instrument_id: entry.rescreen_weeks for entry in _packet(session, "Follow-up").entries}
    assert entries == {"gad7": 6, "phq9": 4}  # the demo packet re-screens PHQ-9 every 4 weeks
    event = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "packet.rescreen_interval").order_by(AuditEvent.id.desc())
    ).first()
    assert event.details == {"instrument": "gad7", "old": 4, "new": 6}


def test_a_rescreen_interval_that_is_not_whole_weeks_is_refused(admin, session):
    packet = _packet(session, "Follow-up")
    page = f"/admin/packets/{packet.id}"
    response = post_form(admin, page, {"action": "rescreen:gad7", "rescreen-gad7": "200", "name": "Follow-up"})
    assert "from 1 to 104" in admin.get(response.headers["Location"]).text
    session.expire_all()
    assert {e.instrument_id: e.rescreen_weeks for e in _packet(session, "Follow-up").entries}["gad7"] == 4


@pytest.mark.parametrize(
    ("instrument_id", "value"), [("pcptsd5", "5"), ("pcptsd5", "2"), ("pcl5", "34"), ("pcl5", "20")]
)
def test_a_cut_off_outside_the_published_choices_is_refused_and_nothing_saved(admin, session, instrument_id, value):
    response = post_form(admin, f"/admin/instruments/{instrument_id}", {"is_enabled": "y", "referral_threshold": value})
    assert response.status_code == 200
    assert "is read against a published cut-off" in response.text
    assert _threshold_row(session, instrument_id) is None


def test_pc_ptsd5_cut_off_of_three_is_saved_and_its_page_shows_the_source_and_the_women_note(admin, session):
    page = admin.get("/admin/instruments/pcptsd5").text
    assert "women may require a lower cut point" in page
    assert "a cut score of 4 maximized efficiency" in page

    response = post_form(admin, "/admin/instruments/pcptsd5", {"is_enabled": "y", "referral_threshold": "3"})

    assert response.status_code == 302
    assert _threshold_row(session, "pcptsd5").referral_threshold == 3


def test_admin_sets_a_follow_up_that_waits_for_an_earlier_result(admin, session):
    post_form(admin, "/admin/packets", {"name": "Depression two step", "instrument": "phq2"})
    packet = _packet(session, "Depression two step")
    page = f"/admin/packets/{packet.id}"
    post_form(admin, page, {"action": "add", "instrument": "phq9", "name": packet.name})
    assert "Only when PHQ-2 is 3 or more" in admin.get(page).text

    response = post_form(admin, page, {"action": "follow:phq9", "after_phq9": "phq2", "name": packet.name})

    assert response.status_code == 302
    assert _packet(session, "Depression two step").follow_ups == {"phq9": "phq2"}
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "packet.save")).all()[-1]
    assert (event.details["change"], event.details["follow_ups"]) == ("follow_up", {"phq9": "phq2"})
