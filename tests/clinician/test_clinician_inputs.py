"""The clinician's ACE input: on the screening page one control records whether the patient has
an ACE-associated health condition (AAHC). Each answer is its own record (who, when, value), the
response is never rewritten, earlier answers are kept, and the ACEs Aware tier that follows
(instruments-2.md §1.5: 1–3 → low without, intermediate with an AAHC) shows in the worklist, the
history, the referral summary (with who gave the input) and FHIR. Each answer is audited."""

from __future__ import annotations

import io

import sqlalchemy as sa
from pypdf import PdfReader

from app.db import utcnow
from app.extensions import db
from app.fhir.codes import FhirUrls
from app.models import AuditEvent, ClinicianInput, Response, Screening
from app.reports.render import render_referral
from app.services.interchange import screening_bundle
from tests.fixtures import at, page_text, post_form

THREE_YES = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1]  # score 3: the tier waits for the AAHC status


# the worklist of the screening's day: the demo clinic's generated history fills the first page
THAT_DAY = "/clinician/?date_from=2026-11-20&date_to=2026-11-20"


def aceaware_screening(demo_clinic, name="Tier Waits", mrn="900600") -> tuple[int, int]:
    patient = demo_clinic.patient(name, mrn)
    return patient, demo_clinic.screening(patient, {"aceaware": THREE_YES}, at(2026, 11, 20), packet="ACEs Aware")


def words(html: str) -> str:
    """The page's words, with punctuation that follows a closing tag put back against its word."""
    return page_text(html).replace(" ,", ",").replace(" .", ".")


def record(client, screening_id: int, value: str):
    page = f"/clinician/screenings/{screening_id}"
    return post_form(client, page, {"aceaware-value": value}, url=f"{page}/inputs/aceaware")


def response_of(session, screening_id: int) -> Response:
    session.expire_all()
    return session.scalar(sa.select(Response).where(Response.screening_id == screening_id))


def test_recording_aahc_settles_the_tier_everywhere_and_keeps_the_response(app, client, login_as, session, demo_clinic):
    patient, screening_id = aceaware_screening(demo_clinic)
    login_as("clinician")
    before = page_text(client.get(THAT_DAY).text)
    assert "3 (band needs clinician input)" in before

    response = record(client, screening_id, "yes")

    assert response.status_code == 302
    stored = response_of(session, screening_id)
    assert (stored.total, stored.band, stored.clinician_inputs) == (3, None, {})  # never rewritten
    [entry] = session.scalars(sa.select(ClinicianInput)).all()
    assert (entry.key, entry.value, entry.response_id) == ("aahc", "yes", stored.id)
    screening_page = words(client.get(f"/clinician/screenings/{screening_id}").text)
    assert "Recorded: Yes, by Dr Sam Patel" in screening_page
    assert "Tier: Intermediate risk" in screening_page
    assert "3 Intermediate risk" in page_text(client.get(THAT_DAY).text)
    history = words(client.get(f"/clinician/patients/{patient}").text)
    assert "Intermediate risk" in history
    assert "ACE-associated health condition: Yes (recorded by Dr Sam Patel" in history

    with app.app_context():
        pdf = render_referral(db.session, screening_id, generated_at=utcnow()).pdf
        bundle = screening_bundle(
            db.session, db.session.get(Screening, screening_id), FhirUrls("https://t.example/fhir")
        )
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Band: Intermediate risk" in text
    assert "ACE-associated health condition: Yes (recorded by Dr Sam Patel" in text
    total = next(e["resource"] for e in bundle["entry"] if e["resource"]["id"] == f"response-{stored.id}-total")
    assert total["interpretation"][0]["text"] == "Intermediate risk"
    answer = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse")[
        "item"
    ][-1]
    assert answer["text"] == "ACE-associated health condition"


def test_a_changed_answer_is_a_new_record_and_the_earlier_one_stays(client, login_as, session, demo_clinic):
    _patient, screening_id = aceaware_screening(demo_clinic)
    login_as("clinician")
    record(client, screening_id, "yes")

    record(client, screening_id, "no")

    values = session.scalars(sa.select(ClinicianInput.value).order_by(ClinicianInput.id)).all()
    assert values == ["yes", "no"]
    page = words(client.get(f"/clinician/screenings/{screening_id}").text)
    assert "Recorded: No, by Dr Sam Patel" in page
    assert "Tier: Low risk" in page  # 1–3 without an AAHC
    assert "Earlier answers (1)" in page
    events = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "clinician_input.record")).all()
    assert len(events) == 2
    assert events[-1].details == {"instrument": "aceaware", "key": "aahc"}  # no health information in the trail


def test_a_value_that_is_not_yes_no_or_unknown_changes_nothing(client, login_as, session, demo_clinic):
    _patient, screening_id = aceaware_screening(demo_clinic)
    login_as("clinician")

    response = record(client, screening_id, "maybe")

    assert response.status_code == 400
    assert session.scalar(sa.select(sa.func.count()).select_from(ClinicianInput)) == 0


def test_an_instrument_without_a_clinician_input_has_no_such_control(client, login_as, session, demo_clinic):
    patient = demo_clinic.patient("No Input", "900601")
    screening_id = demo_clinic.screening(patient, {"gad7": [0] * 7}, at(2026, 11, 20), packet="GAD only")
    login_as("clinician")
    page = f"/clinician/screenings/{screening_id}"

    assert post_form(client, page, {"gad7-value": "yes"}, url=f"{page}/inputs/gad7").status_code == 404
    assert "ACE-associated health condition" not in client.get(page).text


def test_the_worklist_band_filter_finds_a_tier_settled_by_a_later_input(client, login_as, session, demo_clinic):
    """The filter reads the tier the worklist shows: the one the latest AAHC status settles."""
    _patient, screening_id = aceaware_screening(demo_clinic)
    login_as("clinician")

    def listed(band: str) -> bool:
        page = client.get(f"{THAT_DAY}&result=aceaware:{band}").text
        return f"/clinician/screenings/{screening_id}" in page

    assert not listed("intermediate")
    record(client, screening_id, "yes")
    assert listed("intermediate")
    assert not listed("low")
    record(client, screening_id, "no")
    assert listed("low")
    assert not listed("intermediate")
    record(client, screening_id, "unknown")
    assert not listed("low")
    assert not listed("intermediate")
