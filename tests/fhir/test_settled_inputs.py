"""A clinician input given after submission settles a band that waited for it (ACEs Aware
1–3 and the AAHC status): the FHIR server serves the settled score, as the CSV export, the
worklist and the screening Bundle do, and a client holding the earlier resource sees a new
version."""

import sqlalchemy as sa

from app.models import Response, User
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
