"""A patient's history: per-instrument scores over time, trends, change, and the answers as asked."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.models import AuditEvent
from tests.fixtures import at, page_text, patient_id


def test_history_shows_each_instrument_with_trend_change_and_reliable_change(login_as, client, session):
    login_as("clinician")
    html = client.get(f"/clinician/patients/{patient_id(session, 'Maria Alvarez')}").text
    text = page_text(html)
    # PHQ-9 and GAD-7, each laid out for a wide and a narrow screen; not PSS-10 (one point), not ACE
    assert html.count('class="trend-chart wide"') == 2
    assert html.count('class="trend-chart compact"') == 2
    assert 'fill="url(#trend-phq9-p1)"' in html  # bands are hatched, not only tinted
    assert "None–minimal (0–4)" in html
    assert "Moderately severe (15–19)" in html
    # GAD-7 13 -> 10 -> 5 -> 3: only the 5-point drop reaches the 4-point threshold
    assert "−5 reliable change" in text  # the minus sign, as on the worklist and the PDF
    assert "−3 reliable change" not in text
    assert "Reliable change: 4 points or more (threshold not verified). Source: NHS Talking Therapies" in text
    assert "No published reliable-change threshold: changes are shown without one." in text  # PSS-10
    assert "Little interest or pleasure in doing things" in text


def test_history_labels_pss10_bands_and_shows_ace_once_with_its_caveat(login_as, client, session):
    login_as("clinician")
    text = page_text(client.get(f"/clinician/patients/{patient_id(session, 'Maria Alvarez')}").text)
    assert "Bands: Non-validated convention, not from the scale's authors" in text
    assert "Published norms for comparison" in text
    assert "shown once (latest answers) and not as a trend" in text
    assert "neither a diagnostic tool nor is it predictive at the individual level" in text


def test_an_ace_tier_waiting_for_the_aahc_status_says_so(login_as, client, demo_clinic):
    patient = demo_clinic.patient("Tier Pending", "900300")
    demo_clinic.screening(patient, {"aceaware": [1, 1, 0, 0, 0, 0, 0, 0, 0, 0]}, at(2026, 3, 1), packet="ACE only")
    login_as("clinician")
    text = page_text(client.get(f"/clinician/patients/{patient}").text)
    assert "Tier needs AAHC status" in text


def test_every_history_view_is_audited_without_phi(login_as, client, session):
    login_as("clinician")
    maria = patient_id(session, "Maria Alvarez")
    client.get(f"/clinician/patients/{maria}")
    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "patient.history_view"))
    assert (event.target_type, event.target_id, event.details) == ("patient", str(maria), {})


def test_history_of_an_unknown_patient_is_404(login_as, client):
    login_as("clinician")
    assert client.get("/clinician/patients/999999").status_code == 404


def test_every_region_of_the_history_has_its_own_name(login_as, client, session):
    # axe's landmark-unique: two answer tables of one day (PHQ-9 and GAD-7) once shared a name
    login_as("clinician")
    html = client.get(f"/clinician/patients/{patient_id(session, 'Maria Alvarez')}").text
    names = re.findall(r'role="region" aria-label="([^"]+)"', html)
    assert len(names) > 4
    assert len(names) == len(set(names))


def test_history_of_a_patient_whose_only_screening_is_unfinished_shows_it_without_scores(
    app, login_as, client, demo_clinic
):
    from app.extensions import db
    from app.models import Packet, Patient
    from app.services.screenings import create_screening

    pid = demo_clinic.patient("Una Finished", "UF-1")
    with app.app_context():
        session = db.session
        packet = session.scalar(sa.select(Packet).where(Packet.clinic_id == demo_clinic.clinic_id))
        screening = create_screening(session, session.get(Patient, pid), packet, created_by_id=None)
        screening_id = screening.id
    login_as("clinician")
    html = client.get(f"/clinician/patients/{pid}").text
    text = page_text(html)
    assert "Unfinished screening" in text
    assert "no scores until it is sent" in text
    assert f'href="/clinician/screenings/{screening_id}"' in html
    assert "No completed screenings yet." in text
    assert not re.search(r"\bPHQ-9 \d", text)
