"""The front desk picks the patient's language at check-in; a packet holding questionnaires
not available in it is flagged before any code is issued."""

import re

import sqlalchemy as sa

from app.models import AccessCode, Patient, Screening
from tests.conftest import csrf_token_from


def _patient(session, mrn="103377"):
    return session.scalar(sa.select(Patient).where(Patient.mrn == mrn))


def _start(client, patient, packet_name, **fields):
    page = client.get(f"/check-in/patients/{patient.id}")
    packet_id = re.search(rf'<option value="(\d+)">{packet_name}</option>', page.text).group(1)
    data = {"packet_id": packet_id, "csrf_token": csrf_token_from(page.text), **fields}
    return client.post(f"/check-in/patients/{patient.id}", data=data)


def _codes(session):
    return session.scalar(sa.select(sa.func.count()).select_from(AccessCode))


def test_front_desk_can_pick_spanish(login_as, client, session):
    login_as("frontdesk")
    page = client.get(f"/check-in/patients/{_patient(session).id}")

    assert '<option selected value="en">English</option>' in page.text
    assert '<option value="es">Spanish (Español)</option>' in page.text


def test_packet_with_pss10_warns_the_front_desk_for_a_spanish_speaking_patient(login_as, client, session):
    login_as("frontdesk")
    patient = _patient(session)
    before = _codes(session)

    response = _start(client, patient, "New patient", language="es")

    assert response.status_code == 200
    warning = response.text[response.text.index('id="language-gap"') :]
    assert "Not available in Spanish" in warning
    assert "<li>PSS-10</li>" in warning
    assert "PHQ-9" not in warning.split("</ul>")[0]
    assert "Leave them out this time" in warning
    assert "Give them in English" in warning
    assert session.scalar(sa.select(Screening).where(Screening.patient_id == patient.id)) is None
    assert _codes(session) == before


def test_leaving_them_out_gives_only_what_is_available_in_spanish(login_as, client, session):
    login_as("frontdesk")
    patient = _patient(session)

    response = _start(client, patient, "New patient", language="es", gap_choice="leave_out")

    screening = session.scalar(sa.select(Screening).where(Screening.patient_id == patient.id))
    assert response.headers["Location"] == f"/check-in/screenings/{screening.id}/code"
    assert screening.instrument_ids == ["phq9", "gad7"]
    assert screening.language == "es"
    session.refresh(patient)
    assert patient.language == "es"


def test_giving_them_in_english_keeps_the_whole_packet(login_as, client, session):
    login_as("frontdesk")
    patient = _patient(session)

    _start(client, patient, "New patient", language="es", gap_choice="english")

    screening = session.scalar(sa.select(Screening).where(Screening.patient_id == patient.id))
    assert screening.instrument_ids == ["phq9", "gad7", "pss10", "aceaware"]
    assert screening.language == "es"


def test_packet_fully_available_in_spanish_needs_no_choice(login_as, client, session):
    login_as("frontdesk")
    patient = _patient(session)

    response = _start(client, patient, "Follow-up", language="es")

    screening = session.scalar(sa.select(Screening).where(Screening.patient_id == patient.id))
    assert response.headers["Location"] == f"/check-in/screenings/{screening.id}/code"  # no choice asked
    assert screening.language == "es"


def test_the_patients_language_is_offered_first_next_time(login_as, client, session):
    login_as("frontdesk")
    patient = _patient(session)
    _start(client, patient, "Follow-up", language="es")

    page = client.get(f"/check-in/patients/{patient.id}")

    assert '<option selected value="es">Spanish (Español)</option>' in page.text


def test_a_language_that_is_not_offered_is_refused(login_as, client, session):
    login_as("frontdesk")
    patient = _patient(session)

    response = _start(client, patient, "Follow-up", language="pt")

    assert response.status_code == 200
    assert session.scalar(sa.select(Screening).where(Screening.patient_id == patient.id)) is None


def test_a_clinic_that_does_not_offer_spanish_cannot_start_a_spanish_screening(login_as, client, session):
    """Spanish is offered only by a clinic that chose it and wrote its support message in it."""
    from app.models import Clinic

    patient = _patient(session)
    clinic = session.get(Clinic, patient.clinic_id)
    clinic.offered_languages = []
    session.commit()
    login_as("frontdesk")

    page = client.get(f"/check-in/patients/{patient.id}").text
    response = _start(client, patient, "Follow-up", language="es")

    assert 'value="es"' not in page
    assert response.status_code == 200
    assert session.scalar(sa.select(Screening).where(Screening.patient_id == patient.id)) is None
