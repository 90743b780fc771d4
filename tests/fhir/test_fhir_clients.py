"""Standard FHIR clients, as an EHR interface would use them, against the app served over
HTTP on loopback: fhirpy (beda.software) and fhirclient (SMART on FHIR). They read every
type, search by patient and date, page through next links and fetch an old Questionnaire
version."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fhirclient import client as smart
from fhirclient.models.bundle import Bundle
from fhirclient.models.observation import Observation
from fhirclient.models.patient import Patient as SmartPatient
from fhirclient.models.questionnaire import Questionnaire as SmartQuestionnaire
from fhirclient.models.questionnaireresponse import QuestionnaireResponse as SmartResponse
from fhirpy import SyncFHIRClient
from fhirpy.base.exceptions import OperationOutcome as FhirpyOutcome
from fhirpy.base.exceptions import ResourceNotFound

from app.models import Response, Screening
from tests.browser.conftest import serving
from tests.fixtures import parse_fhir

TYPES = ["Patient", "Questionnaire", "QuestionnaireResponse", "Observation", "CodeSystem", "DocumentReference"]


@pytest.fixture
def served(app, demo, token):
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    with serving(app) as url:
        yield f"{url}/fhir"


def _fhirpy(served, token):
    return SyncFHIRClient(served, authorization=f"Bearer {token}")


def test_fhirpy_reads_and_searches_every_type(served, token, ready_summary):
    client = _fhirpy(served, token)
    for resource_type in TYPES:
        found = client.resources(resource_type).fetch_all()
        assert found, resource_type
        for resource in found[:3]:
            parse_fhir(resource.serialize())
            read = client.reference(resource_type, resource.id).to_resource()
            assert read.serialize() == resource.serialize()


def test_fhirpy_searches_by_patient_and_date_and_pages_through_next_links(served, token, session, demo, demo_patient):
    client = _fhirpy(served, token)
    expected = session.scalars(
        sa.select(Response)
        .join(Screening)
        .where(Screening.patient_id == demo_patient.id)
        .order_by(Response.submitted_at, Response.id)
    ).all()
    patient = f"Patient/patient-{demo_patient.id}"
    responses = client.resources("QuestionnaireResponse").search(patient=patient).limit(2).fetch_all()
    assert [r.id for r in responses] == [f"response-{r.id}" for r in expected]
    since = expected[-1].submitted_at.date().isoformat()
    recent = client.resources("QuestionnaireResponse").search(subject=patient, date__ge=since).fetch_all()
    assert [r.id for r in recent] == [
        f"response-{r.id}" for r in expected if r.submitted_at.date().isoformat() >= since
    ]
    assert client.resources("QuestionnaireResponse").search(patient=patient).count() == len(expected)
    observations = client.resources("Observation").search(patient=patient, code="http://loinc.org|44261-6")
    assert {o["subject"]["reference"] for o in observations.fetch_all()} == {patient}


def test_fhirpy_fetches_an_old_questionnaire_version_a_response_pinned(served, token, earlier_gad7, registry):
    client = _fhirpy(served, token)
    url = "https://tallyform.org/fhir/Questionnaire/gad7"
    (old,) = client.resources("Questionnaire").search(url=f"{url}|{earlier_gad7}").fetch_all()
    assert old.version == earlier_gad7
    assert old.title.startswith("Earlier wording of ")
    (current,) = client.resources("Questionnaire").search(url=url).fetch_all()
    assert current.version == registry["gad7"].version


def test_fhirpy_sees_errors_as_operation_outcomes(served, token):
    client = _fhirpy(served, token)
    with pytest.raises(ResourceNotFound):
        client.reference("Patient", "patient-999999").to_resource()
    with pytest.raises(FhirpyOutcome) as refused:
        client.resources("Observation").search(colour="red").fetch()
    assert "Unknown search parameter 'colour'" in str(refused.value)


def _smart(served, token):
    """fhirclient reads the CapabilityStatement first (prepare), as a SMART app does; the API
    token goes on its HTTP session."""
    client = smart.FHIRClient(settings={"app_id": "tallyform-tests", "api_base": served})
    client.server.session.headers["Authorization"] = f"Bearer {token}"
    client.prepare()
    assert client.server.capabilityStatement.fhirVersion == "4.0.1"
    return client


def test_fhirclient_reads_every_type_and_searches_by_patient(served, token, session, demo, demo_patient, ready_summary):
    client = _smart(served, token)
    server = client.server
    patient = SmartPatient.read(f"patient-{demo_patient.id}", server)
    assert patient.identifier[0].value == demo_patient.mrn
    questionnaire = SmartQuestionnaire.read("phq9", server)
    assert questionnaire.url == "https://tallyform.org/fhir/Questionnaire/phq9"
    responses = list(
        SmartResponse.where(struct={"patient": f"patient-{demo_patient.id}"}).perform_resources_iter(server)
    )
    count = session.scalar(
        sa.select(sa.func.count(Response.id)).join(Screening).where(Screening.patient_id == demo_patient.id)
    )
    assert len(responses) == count
    first = SmartResponse.read(responses[0].id, server)
    assert first.subject.reference == f"Patient/patient-{demo_patient.id}"
    observation = Observation.read(f"{responses[0].id}-total", server)
    assert observation.derivedFrom[0].reference == f"QuestionnaireResponse/{responses[0].id}"
    for resource_type, resource_id in (
        ("CodeSystem", "tallyform"),
        ("DocumentReference", f"referral-summary-{ready_summary}"),
        ("OperationDefinition", "QuestionnaireResponse-score"),
    ):
        data = server.request_json(f"{resource_type}/{resource_id}")
        assert data["id"] == resource_id
        parse_fhir(data)


def test_fhirclient_pages_through_next_links_and_searches_by_date(served, token, session, demo):
    server = _smart(served, token).server
    total = session.scalar(sa.select(sa.func.count(Response.id)).join(Screening).where(Screening.clinic_id == demo))
    bundle = Bundle(server.request_json("QuestionnaireResponse?_count=4"))
    seen = []
    while True:
        seen += [entry.resource.id for entry in bundle.entry or []]
        following = [link.url for link in bundle.link if link.relation == "next"]
        if not following:
            break
        bundle = Bundle(server.request_json(following[0]))
    assert bundle.total == total
    assert len(seen) == len(set(seen)) == total
    dated = list(SmartResponse.where(struct={"date": "ge2026-11-01"}).perform_resources_iter(server))
    assert dated
    assert all(r.authored.isostring >= "2026-11-01" for r in dated)


def test_fhirclient_fetches_an_old_questionnaire_version(served, token, earlier_gad7):
    server = _smart(served, token).server
    old = SmartQuestionnaire(server.request_json(f"Questionnaire/gad7/_history/{earlier_gad7}"))
    assert old.version == earlier_gad7
    history = server.request_json("Questionnaire/gad7/_history")
    assert earlier_gad7 in {entry["resource"]["version"] for entry in history["entry"]}
