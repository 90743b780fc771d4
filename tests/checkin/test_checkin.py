"""The front desk finds or adds a patient, starts a screening and hands over a code."""

import re

import sqlalchemy as sa

from app.checkin.qr import kiosk_qr_svg
from app.models import AccessCode, AuditEvent, Patient, Screening
from tests.conftest import csrf_token_from
from tests.fixtures import post_form


def test_front_desk_adds_a_patient_and_lands_on_their_page(login_as, client, session):
    login_as("frontdesk")
    response = post_form(
        client, "/check-in/patients/new", {"mrn": "200001", "name": "Grace Kim", "date_of_birth": "1988-04-02"}
    )
    patient = session.scalar(sa.select(Patient).where(Patient.mrn == "200001"))
    assert response.headers["Location"] == f"/check-in/patients/{patient.id}"
    assert patient.name == "Grace Kim"
    assert str(patient.date_of_birth) == "1988-04-02"


def test_duplicate_mrn_is_refused_with_a_clear_message_and_nothing_added(login_as, client, session):
    login_as("frontdesk")
    before = session.scalar(sa.select(sa.func.count()).select_from(Patient))
    response = post_form(
        client, "/check-in/patients/new", {"mrn": "100234", "name": "Someone Else", "date_of_birth": "1990-01-01"}
    )
    assert response.status_code == 200
    assert "A patient with MRN 100234 is already registered at this clinic." in response.text
    assert session.scalar(sa.select(sa.func.count()).select_from(Patient)) == before


def test_future_date_of_birth_is_refused(login_as, client):
    login_as("frontdesk")
    response = post_form(
        client, "/check-in/patients/new", {"mrn": "200002", "name": "A B", "date_of_birth": "2999-01-01"}
    )
    assert "in the future" in response.text


def test_search_is_a_post_so_names_never_reach_a_url(login_as, client):
    login_as("frontdesk")
    response = post_form(client, "/check-in/", {"query": "alvarez"})
    assert "Maria Alvarez" in response.text
    by_mrn = post_form(client, "/check-in/", {"query": "102044"})
    assert "Robert Hughes" in by_mrn.text
    assert client.get("/check-in/?query=alvarez").text.count("Maria Alvarez") == 0


def test_starting_a_screening_shows_a_large_code_and_a_qr_code_for_the_tablet(login_as, client, session):
    login_as("frontdesk")
    patient = session.scalar(sa.select(Patient).where(Patient.mrn == "103377"))
    page = client.get(f"/check-in/patients/{patient.id}")
    packet_id = re.search(r'<option value="(\d+)">New patient</option>', page.text).group(1)
    response = client.post(
        f"/check-in/patients/{patient.id}", data={"packet_id": packet_id, "csrf_token": csrf_token_from(page.text)}
    )
    screening = session.scalar(sa.select(Screening).where(Screening.patient_id == patient.id))
    assert response.headers["Location"] == f"/check-in/screenings/{screening.id}/code"
    assert screening.instrument_ids == ["phq9", "gad7", "pss10", "aceaware"]
    assert session.scalar(sa.select(sa.func.count()).select_from(AccessCode)) == 0
    code_page = post_form(client, response.headers["Location"], {})
    code = re.search(r'class="access-code"[^>]*>([A-Z0-9]{4}-[A-Z0-9]{4})<', code_page.text).group(1)
    # The QR code opens the tablet page with the code in the fragment, never in the query string.
    with client.application.test_request_context():
        assert str(kiosk_qr_svg(f"http://localhost/kiosk/#code={code.replace('-', '')}")) in code_page.text
    assert session.scalar(sa.select(sa.func.count()).select_from(AccessCode)) == 1
    assert code.replace("-", "") not in session.scalar(sa.select(AccessCode.code_hash))
    actions = session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(2)).all()
    assert actions == ["access_code.issue", "screening.create"]


def test_staff_of_another_clinic_get_404_for_this_clinics_patients_and_screenings(
    demo, client, auth, session, make_clinic, make_staff
):
    make_staff(make_clinic("hillside", "Hillside Clinic"), "frontdesk", "desk@hillside.example", name="Pat")
    auth.sign_in("desk@hillside.example")
    patient_id = session.scalar(sa.select(Patient.id).where(Patient.mrn == "100234"))
    screening_id = session.scalar(sa.select(Screening.id).where(Screening.patient_id == patient_id))
    assert client.get(f"/check-in/patients/{patient_id}").status_code == 404
    assert client.get(f"/check-in/screenings/{screening_id}/code").status_code == 404
    found = post_form(client, "/check-in/", {"query": "alvarez"})
    assert "Maria Alvarez" not in found.text
