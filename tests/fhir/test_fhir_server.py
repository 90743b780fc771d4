"""The read-only FHIR R4 server: read and search for each type, clinic scoping, paging,
_include, _summary=count, Questionnaire history, conditional reads, and only JSON served.
Every body is read by the fhir.resources R4B model of its type."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from app.fhir.codes import LOCAL_CODE_SYSTEM
from app.models import Patient, ReferralDocument, Response, Screening
from tests.fixtures import bearer, complete_follow_up, parse_fhir

FHIR_JSON = "application/fhir+json"


def _get(client, token, path, **params):
    response = client.get(path, query_string=params, headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.mimetype == FHIR_JSON
    parse_fhir(response.json)
    return response.json


def _all_pages(client, token, path, **params):
    """Follow `next` links to the end, as a client does; the ids in order."""
    bundle = _get(client, token, path, **params)
    total, ids = bundle["total"], []
    while True:
        ids += [e["resource"]["id"] for e in bundle.get("entry", []) if e["search"]["mode"] == "match"]
        following = [link["url"] for link in bundle["link"] if link["relation"] == "next"]
        if not following:
            return total, ids
        parts = urlsplit(following[0])
        response = client.get(f"{parts.path}?{parts.query}", headers=bearer(token))
        bundle = response.json
        parse_fhir(bundle)


def _responses_of(session, clinic_id, **where):
    query = sa.select(Response).join(Screening).where(Screening.clinic_id == clinic_id)
    if "patient_id" in where:
        query = query.where(Screening.patient_id == where["patient_id"])
    return session.scalars(query.order_by(Response.submitted_at, Response.id)).all()


def test_capability_statement_is_public_and_lists_every_type_and_the_score_operation(client):
    response = client.get("/fhir/metadata")
    assert response.status_code == 200
    statement = parse_fhir(response.json)
    assert statement.fhirVersion == "4.0.1"
    resources = {r.type: r for r in statement.rest[0].resource}
    assert set(resources) >= {"Patient", "Questionnaire", "QuestionnaireResponse", "Observation", "CodeSystem"}
    assert "DocumentReference" in resources
    assert {p.name for p in resources["Observation"].searchParam} >= {"patient", "subject", "date", "code", "_count"}
    assert resources["QuestionnaireResponse"].operation[0].name == "score"


def test_reads_every_type_with_etag_last_modified_and_meta(app, client, demo, session, token, demo_patient):
    response = _responses_of(session, demo, patient_id=demo_patient.id)[0]
    paths = [
        f"/fhir/Patient/patient-{demo_patient.id}",
        f"/fhir/QuestionnaireResponse/response-{response.id}",
        f"/fhir/Observation/response-{response.id}-total",
        "/fhir/Questionnaire/phq9",
        "/fhir/CodeSystem/tallyform",
        "/fhir/OperationDefinition/QuestionnaireResponse-score",
    ]
    for path in paths:
        result = client.get(path, headers=bearer(token))
        assert result.status_code == 200, (path, result.text)
        resource = parse_fhir(result.json)
        assert path.endswith(f"/{resource.id}")
        assert result.headers["ETag"] == f'W/"{resource.meta.versionId}"'
        assert result.headers["Last-Modified"]
        assert resource.meta.lastUpdated is not None
        again = client.get(path, headers={**bearer(token), "If-None-Match": result.headers["ETag"]})
        assert again.status_code == 304
    patient = client.get(paths[0], headers=bearer(token)).json
    assert patient["identifier"][0]["value"] == demo_patient.mrn
    qr = client.get(paths[1], headers=bearer(token)).json
    assert qr["subject"]["reference"] == f"Patient/patient-{demo_patient.id}"


def test_referral_summary_is_a_document_reference_carrying_the_pdf_and_its_hash(client, session, token, ready_summary):
    screening = session.get(Screening, ready_summary)
    stored = session.scalar(sa.select(ReferralDocument).where(ReferralDocument.screening_id == screening.id))
    assert stored.status == "ready"
    document = _get(client, token, f"/fhir/DocumentReference/referral-summary-{screening.id}")
    attachment = document["content"][0]["attachment"]
    pdf = base64.b64decode(attachment["data"])
    assert pdf.startswith(b"%PDF")
    assert hashlib.sha256(pdf).hexdigest() == stored.sha256
    assert attachment["hash"] == base64.b64encode(hashlib.sha1(pdf).digest()).decode()  # noqa: S324
    assert document["subject"]["reference"] == f"Patient/patient-{screening.patient_id}"
    found = _get(client, token, "/fhir/DocumentReference", patient=f"patient-{screening.patient_id}")
    assert [e["resource"]["id"] for e in found["entry"]] == [document["id"]]


def test_search_by_patient_and_date_finds_exactly_that_patients_responses(client, demo, session, token, demo_patient):
    expected = _responses_of(session, demo, patient_id=demo_patient.id)
    assert len(expected) > 2
    total, ids = _all_pages(client, token, "/fhir/QuestionnaireResponse", patient=f"Patient/patient-{demo_patient.id}")
    assert (total, ids) == (len(expected), [f"response-{r.id}" for r in expected])
    day = expected[0].submitted_at.date().isoformat()
    on_day = [f"response-{r.id}" for r in expected if r.submitted_at.date().isoformat() == day]
    assert (
        _all_pages(client, token, "/fhir/QuestionnaireResponse", subject=f"patient-{demo_patient.id}", date=day)[1]
        == on_day
    )
    after = [f"response-{r.id}" for r in expected if r.submitted_at.date().isoformat() > day]
    assert (
        _all_pages(client, token, "/fhir/QuestionnaireResponse", patient=f"patient-{demo_patient.id}", date=f"gt{day}")[
            1
        ]
        == after
    )


def test_paging_through_next_links_returns_every_observation_once(app, client, demo, session, token):
    app.config["API_RATE_LIMIT"] = "100000 per minute"  # a year of demo history is many pages of 3
    every = _all_pages(client, token, "/fhir/Observation", _count="100")
    paged = _all_pages(client, token, "/fhir/Observation", _count="3")
    assert paged == every
    assert len(set(every[1])) == every[0] > 3
    totals = [r for r in _responses_of(session, demo) if r.total is not None]
    by_code = _all_pages(client, token, "/fhir/Observation", code="http://loinc.org|44261-6")
    assert by_code[0] == len([r for r in totals if r.instrument_id == "phq9"])


def test_include_adds_the_subject_and_summary_count_gives_only_the_total(client, demo, session, token, demo_patient):
    bundle = _get(
        client,
        token,
        "/fhir/Observation",
        patient=f"patient-{demo_patient.id}",
        _include="Observation:subject",
    )
    included = [e["resource"] for e in bundle["entry"] if e["search"]["mode"] == "include"]
    assert [(r["resourceType"], r["id"]) for r in included] == [("Patient", f"patient-{demo_patient.id}")]
    counted = _get(client, token, "/fhir/Observation", patient=f"patient-{demo_patient.id}", _summary="count")
    assert counted["total"] == bundle["total"]
    assert "entry" not in counted


def test_id_status_and_last_updated_narrow_a_search(client, demo, session, token):
    first = _responses_of(session, demo)[0]
    assert _all_pages(client, token, "/fhir/QuestionnaireResponse", _id=f"response-{first.id}")[1] == [
        f"response-{first.id}"
    ]
    completed = [r for r in _responses_of(session, demo) if r.is_complete]
    assert _all_pages(client, token, "/fhir/QuestionnaireResponse", status="completed")[0] == len(completed)
    assert _all_pages(client, token, "/fhir/Patient", _lastUpdated="lt2000-01-01")[0] == 0


def test_another_clinics_token_sees_none_of_this_clinics_records(client, demo, session, other_clinic, demo_patient):
    theirs = other_clinic.token
    response = client.get(f"/fhir/Patient/patient-{demo_patient.id}", headers=bearer(theirs))
    assert response.status_code == 404
    assert response.json["resourceType"] == "OperationOutcome"
    patients = _all_pages(client, theirs, "/fhir/Patient")[1]
    own = session.scalars(sa.select(Patient.id).where(Patient.clinic_id == other_clinic.clinic_id)).all()
    assert patients == [f"patient-{i}" for i in own]
    assert _all_pages(client, theirs, "/fhir/QuestionnaireResponse", patient=f"patient-{demo_patient.id}")[0] == 0


def test_old_questionnaire_versions_are_in_history_and_found_by_url_and_version(client, registry, token, earlier_gad7):
    earlier_version = earlier_gad7
    current = registry["gad7"].version
    history = _get(client, token, "/fhir/Questionnaire/gad7/_history")
    assert {e["resource"]["meta"]["versionId"] for e in history["entry"]} >= {earlier_version, current}
    old = _get(client, token, f"/fhir/Questionnaire/gad7/_history/{earlier_version}")
    assert old["version"] == earlier_version
    assert old["title"].startswith("Earlier wording of ")
    url = "https://tallyform.org/fhir/Questionnaire/gad7"
    pinned = _get(client, token, "/fhir/Questionnaire", url=f"{url}|{earlier_version}")
    assert [e["resource"]["version"] for e in pinned["entry"]] == [earlier_version]
    assert [e["resource"]["version"] for e in _get(client, token, "/fhir/Questionnaire", url=url)["entry"]] == [current]
    assert _get(client, token, "/fhir/Questionnaire", version=earlier_version)["total"] == 1


def test_code_system_is_served_under_a_url_that_does_not_follow_the_base_url(app, client, demo, session, token):
    app.config["FHIR_BASE_URL"] = "https://ehr.example.org/fhir"
    code_system = _get(client, token, "/fhir/CodeSystem/tallyform")
    assert code_system["url"] == LOCAL_CODE_SYSTEM == "https://tallyform.org/fhir/CodeSystem/tallyform"
    codes = {concept["code"] for concept in code_system["concept"]}
    assert {"pss10-total", "ace-score", "phq9-flag-suicidal_ideation", "aceaware-band-intermediate"} <= codes
    screening = session.scalars(sa.select(Screening).where(Screening.clinic_id == demo)).first()
    bundle = client.get(f"/fhir/screenings/{screening.id}", headers=bearer(token)).json
    used = {
        coding["code"]
        for entry in bundle["entry"]
        for coding in [
            *entry["resource"].get("code", {}).get("coding", []),
            *(i["coding"][0] for i in entry["resource"].get("interpretation", [])),
            *(a["valueCoding"] for item in entry["resource"].get("item", []) for a in item["answer"]),
        ]
        if coding.get("system") == LOCAL_CODE_SYSTEM
    }
    assert used
    assert used <= codes
    assert _get(client, token, "/fhir/CodeSystem", url=LOCAL_CODE_SYSTEM)["total"] == 1


@pytest.mark.parametrize(
    ("headers", "query"),
    [
        ({"Accept": "application/fhir+xml"}, {}),
        ({"Accept": "application/xml"}, {}),
        ({}, {"_format": "xml"}),
        ({}, {"_format": "application/fhir+xml"}),
    ],
)
def test_formats_other_than_json_get_406(client, token, headers, query):
    response = client.get("/fhir/Patient", query_string=query, headers={**bearer(token), **headers})
    assert response.status_code == 406
    assert parse_fhir(response.json).issue[0].code == "not-supported"


def test_json_is_served_for_json_or_any_type(client, token):
    for accept in ("application/fhir+json", "application/json", "*/*", "application/fhir+json;q=0.9, */*;q=0.1"):
        assert client.get("/fhir/Patient", headers={**bearer(token), "Accept": accept}).status_code == 200


def test_a_new_response_appears_in_search_with_its_observations(client, session, registry, token, demo_patient):
    before = _all_pages(client, token, "/fhir/Observation", patient=f"patient-{demo_patient.id}")[0]
    complete_follow_up(session, registry, demo_patient, [1] * 10, [0] * 7)
    after = _all_pages(client, token, "/fhir/Observation", patient=f"patient-{demo_patient.id}")[0]
    assert after == before + 3  # PHQ-9 total, its item-9 flag, GAD-7 total


@pytest.fixture
def loaded_records():
    """The name of each stored record the ORM builds while the test runs."""
    loaded = []

    def record(target, _context):
        loaded.append(type(target).__name__)

    watched = (Patient, Screening, Response, ReferralDocument)
    for model in watched:
        sa.event.listen(model, "load", record)
    yield loaded
    for model in watched:
        sa.event.remove(model, "load", record)


@pytest.mark.parametrize("resource_type", ["Patient", "QuestionnaireResponse", "Observation"])
def test_a_search_over_a_long_history_reads_only_the_page_it_returns(
    client, demo, token, loaded_records, resource_type
):
    """A year of demo history: filtering, counting and paging happen in the database, so a
    page of five reads five records (and its subjects for _include), whatever the total."""
    include = {"_include": f"{resource_type}:subject"} if resource_type != "Patient" else {}
    bundle = _get(client, token, f"/fhir/{resource_type}", _count="5", **include)
    assert bundle["total"] > 20
    assert len([e for e in bundle["entry"] if e["search"]["mode"] == "match"]) == 5
    assert len(loaded_records) <= 5 + (5 if include else 0), loaded_records
    loaded_records.clear()
    assert _get(client, token, f"/fhir/{resource_type}", _summary="count")["total"] == bundle["total"]
    assert loaded_records == []
    middle = _get(client, token, f"/fhir/{resource_type}", _count="5", _offset=str(bundle["total"] // 2))
    assert len(middle["entry"]) == 5
    assert len(loaded_records) <= 5
