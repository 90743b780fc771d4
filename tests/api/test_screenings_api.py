"""The JSON API an EHR polls: completed screenings oldest first, a cursor to resume from."""

from datetime import UTC, datetime

import pytest

from tests.fixtures import bearer, complete_follow_up, completed_screenings


def _all_pages(client, token, **params):
    ids, cursor = [], None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/screenings", query_string=query, headers=bearer(token)).json
        ids += [s["id"] for s in page["screenings"]]
        cursor = page["cursor"]
        if not page["has_more"]:
            return ids, cursor


def test_pages_list_every_completed_screening_in_completion_order_newest_last(client, demo, session, token):
    expected = sorted(completed_screenings(session, demo), key=lambda s: (s.completed_at, s.id))
    ids, _cursor = _all_pages(client, token, limit=2)
    assert ids == [s.id for s in expected]


def test_polling_with_the_last_cursor_returns_only_screenings_completed_since(
    client, session, registry, token, demo_patient
):
    _ids, cursor = _all_pages(client, token, limit=3)
    empty = client.get("/api/screenings", query_string={"cursor": cursor}, headers=bearer(token)).json
    assert empty == {"screenings": [], "cursor": cursor, "has_more": False}
    new = complete_follow_up(session, registry, demo_patient, [0] * 10, [0] * 7)
    page = client.get("/api/screenings", query_string={"cursor": cursor}, headers=bearer(token)).json
    assert [s["id"] for s in page["screenings"]] == [new.id]
    assert page["screenings"][0]["responses"][0]["total"] == 0


def test_since_limits_to_screenings_completed_from_that_time(client, demo, session, token):
    since = datetime(2026, 11, 1, tzinfo=UTC)
    expected = [
        s.id
        for s in sorted(completed_screenings(session, demo), key=lambda s: s.completed_at)
        if s.completed_at >= since
    ]
    assert expected
    for value in ("2026-11-01", "2026-11-01T00:00:00Z", "2026-10-31T19:00:00-05:00"):
        assert _all_pages(client, token, since=value)[0] == expected


def test_one_screening_shows_patient_answers_scores_and_flags(client, demo, session, token):
    flagged = next(s for s in completed_screenings(session, demo) if s.is_urgent)
    body = client.get(f"/api/screenings/{flagged.id}", headers=bearer(token)).json
    assert body["patient"]["mrn"] == flagged.patient.mrn
    assert body["is_urgent"] is True
    phq9 = next(r for r in body["responses"] if r["instrument"] == "phq9")
    stored = next(r for r in flagged.responses if r.instrument_id == "phq9")
    assert (phq9["total"], phq9["band"], phq9["answers"]) == (stored.total, stored.band, stored.answers)
    assert {"key": "suicidal_ideation", "label": "Safety item endorsed (PHQ-9 item 9)"} in phq9["flags"]
    assert body["fhir"] == f"/fhir/screenings/{flagged.id}"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"since": "yesterday"}, "since must be a date"),
        ({"since": "2026-11-01T09:00:00"}, "with a time zone"),
        ({"limit": "0"}, "limit must be a whole number from 1 to 100"),
        ({"limit": "many"}, "limit must be a whole number"),
        ({"since": "0001-01-01T00:00:00+05:00"}, "since must be a date"),
        ({"cursor": "not-a-cursor"}, "cursor is not one this API gave out"),
        # a well-formed cursor naming an id no database column can hold
        ({"cursor": "MjAyNi0wMS0wMVQwMDowMDowMCswMDowMHw5OTk5OTk5OTk5OTk5OTk5OTk5OQ"}, "cursor is not one"),
    ],
)
def test_malformed_parameters_get_400_saying_which(client, token, query, message):
    response = client.get("/api/screenings", query_string=query, headers=bearer(token))
    assert response.status_code == 400
    assert message in response.json["error"]["message"]


def test_unknown_ids_get_404(client, token):
    assert client.get("/api/screenings/424242", headers=bearer(token)).json["error"]["status"] == 404
    outcome = client.get("/fhir/Questionnaire/phq10", headers=bearer(token))
    assert outcome.status_code == 404
    assert outcome.mimetype == "application/fhir+json"
    assert outcome.json["issue"][0]["code"] == "not-found"
