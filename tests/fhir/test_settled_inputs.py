"""A clinician input given after submission settles a band that waited for it (ACEs Aware
1–3 and the AAHC status): the FHIR server serves the settled score, as the CSV export, the
worklist and the screening Bundle do, and a client holding the earlier resource sees a new
version."""

from datetime import datetime, timedelta

import sqlalchemy as sa
from werkzeug.http import http_date

from app.db import utcnow
from app.fhir.server import instant
from app.models import Response, Screening, User
from app.services.clinician_inputs import record_clinician_input
from tests.fixtures import bearer, by_position, complete_new_screening, parse_fhir

THREE_YES = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1]  # score 3: the tier waits for the AAHC status


def test_observation_and_response_serve_the_tier_a_later_input_settled(
    client, session, registry, token, demo, demo_patient, new_patient_packet
):
    answers = {"aceaware": by_position(registry, "aceaware", THREE_YES)}
    screening = complete_new_screening(session, registry, demo_patient, new_patient_packet, answers)
    stored = session.scalar(
        sa.select(Response).where(Response.screening_id == screening.id, Response.instrument_id == "aceaware")
    )
    total_path = f"/fhir/Observation/response-{stored.id}-total"
    response_path = f"/fhir/QuestionnaireResponse/response-{stored.id}"
    before = client.get(total_path, headers=bearer(token))
    assert "interpretation" not in before.json  # waiting for the input
    clinician = session.scalar(sa.select(User).where(User.clinic_id == demo, User.role == "clinician"))

    record_clinician_input(session, clinician, screening, "aceaware", "yes")

    total = client.get(total_path, headers=bearer(token))
    searched = client.get(f"/fhir/Observation?_id=response-{stored.id}-total", headers=bearer(token)).json
    response = client.get(response_path, headers=bearer(token)).json
    for resource in (total.json, searched["entry"][0]["resource"], response):
        parse_fhir(resource)
    assert total.json["valueInteger"] == 3
    assert [i["text"] for i in total.json["interpretation"]] == ["Intermediate risk"]
    assert searched["entry"][0]["resource"]["interpretation"] == total.json["interpretation"]
    assert response["item"][-1]["text"] == "ACE-associated health condition"
    # a client that cached the resource before the input is not told it is unchanged
    assert total.headers["ETag"] != before.headers["ETag"]
    cached = client.get(total_path, headers={**bearer(token), "If-None-Match": before.headers["ETag"]})
    assert cached.status_code == 200


def _submitted(session, registry, patient, packet, at: datetime) -> tuple[Screening, Response]:
    """A screening whose ACEs Aware response, submitted `at`, waits for the AAHC status."""
    answers = {"aceaware": by_position(registry, "aceaware", THREE_YES)}
    screening = complete_new_screening(session, registry, patient, packet, answers, submitted_at=at)
    stored = session.scalar(
        sa.select(Response).where(Response.screening_id == screening.id, Response.instrument_id == "aceaware")
    )
    return screening, stored


def _settle(session, clinic_id: int, screening: Screening) -> datetime:
    """A clinician of the clinic records the AAHC status now; when it was recorded."""
    clinician = session.scalar(sa.select(User).where(User.clinic_id == clinic_id, User.role == "clinician"))
    return record_clinician_input(session, clinician, screening, "aceaware", "yes").recorded_at


def _hours_ago(hours: int) -> datetime:
    return utcnow().replace(microsecond=0) - timedelta(hours=hours)


def test_a_later_input_dates_the_resources_it_changed(
    client, session, registry, token, demo, demo_patient, new_patient_packet
):
    submitted = _hours_ago(1)
    screening, stored = _submitted(session, registry, demo_patient, new_patient_packet, submitted)
    paths = [f"/fhir/QuestionnaireResponse/response-{stored.id}", f"/fhir/Observation/response-{stored.id}-total"]
    before = {path: client.get(path, headers=bearer(token)) for path in paths}
    assert {b.headers["Last-Modified"] for b in before.values()} == {http_date(submitted)}

    recorded_at = _settle(session, demo, screening)

    for path in paths:
        # a client that asks only whether it changed since its copy gets the settled tier
        since = {**bearer(token), "If-Modified-Since": before[path].headers["Last-Modified"]}
        changed = client.get(path, headers=since)
        assert changed.status_code == 200
        assert changed.json["meta"]["versionId"] == "2"
        read = client.get(path, headers=bearer(token))
        assert read.headers["Last-Modified"] == http_date(recorded_at)
        assert read.json["meta"]["lastUpdated"] == instant(recorded_at)
        # and one asking again with the new date is told nothing changed
        again = client.get(path, headers={**bearer(token), "If-Modified-Since": read.headers["Last-Modified"]})
        assert again.status_code == 304
    # when it was answered does not move
    read = client.get(paths[0], headers=bearer(token)).json
    assert read["authored"] == submitted.isoformat()


def test_last_updated_searches_and_order_use_the_later_input(
    client, session, registry, token, demo, demo_patient, new_patient_packet
):
    submitted = _hours_ago(2)
    screening, settled = _submitted(session, registry, demo_patient, new_patient_packet, submitted)
    recorded_at = _settle(session, demo, screening)
    # submitted after the settled one, and never changed since
    _untouched, untouched = _submitted(session, registry, demo_patient, new_patient_packet, _hours_ago(1))
    other = untouched.id
    ids = f"response-{settled.id},response-{other}"
    totals = f"response-{settled.id}-total,response-{other}-total"

    def found(resource_type: str, wanted: str, **params: str) -> list[str]:
        query = "&".join([f"_id={wanted}", *(f"{name}={value}" for name, value in params.items())])
        bundle = client.get(f"/fhir/{resource_type}?{query}", headers=bearer(token)).json
        return [entry["resource"]["id"] for entry in bundle.get("entry", [])]

    for resource_type, wanted, settled_id, other_id in (
        ("QuestionnaireResponse", ids, f"response-{settled.id}", f"response-{other}"),
        ("Observation", totals, f"response-{settled.id}-total", f"response-{other}-total"),
    ):
        after_submission = instant(submitted + timedelta(minutes=30))
        assert found(resource_type, wanted, _lastUpdated=f"gt{instant(submitted)}") == [other_id, settled_id]
        assert found(resource_type, wanted, _lastUpdated=f"ge{instant(recorded_at)}") == [settled_id]
        assert found(resource_type, wanted, _lastUpdated=f"lt{after_submission}") == []
        assert found(resource_type, wanted, _lastUpdated=f"le{instant(submitted)}") == []
        assert found(resource_type, wanted, _lastUpdated=f"eq{instant(recorded_at)}") == [settled_id]
        # the settled one was last updated last: it comes after the untouched one
        assert found(resource_type, wanted) == [other_id, settled_id]
        # a date search still reads when it was answered
        assert found(resource_type, wanted, date=f"lt{after_submission}") == [settled_id]


def test_responses_have_no_history_to_read(client, session, registry, token, demo, demo_patient, new_patient_packet):
    """Only a Questionnaire's versions are served: an earlier version of a response is not
    read back with a later date, as it is not read back at all."""
    screening, settled = _submitted(session, registry, demo_patient, new_patient_packet, _hours_ago(1))
    _settle(session, demo, screening)
    for path in (
        f"/fhir/QuestionnaireResponse/response-{settled.id}/_history",
        f"/fhir/QuestionnaireResponse/response-{settled.id}/_history/1",
        f"/fhir/Observation/response-{settled.id}-total/_history/1",
    ):
        assert client.get(path, headers=bearer(token)).status_code == 404
    capability = client.get("/fhir/metadata").json["rest"][0]["resource"]
    for resource in capability:
        if resource["type"] in ("QuestionnaireResponse", "Observation"):
            assert {"vread", "history-instance"}.isdisjoint(i["code"] for i in resource["interaction"])
