"""Every error under /fhir is an OperationOutcome (application/fhir+json) with the status
that says what happened: never an HTML page, never JSON of another shape."""

from __future__ import annotations

import pytest

from tests.fixtures import bearer, parse_fhir

TOO_LARGE = b"{" + b" " * (3 * 1024 * 1024) + b"}"

# (method, path, with a token?, extra request arguments, status, issue code)
CASES = {
    "unknown path": ("GET", "/fhir/NoSuchType", True, {}, 404, "not-found"),
    "unknown path without a token": ("GET", "/fhir/NoSuchType/1", False, {}, 404, "not-found"),
    "the bare base": ("GET", "/fhir", True, {}, 404, "not-found"),
    "non-integer screening id": ("GET", "/fhir/screenings/abc", True, {}, 404, "not-found"),
    "malformed patient id": ("GET", "/fhir/Patient/abc", True, {}, 404, "not-found"),
    "missing patient": ("GET", "/fhir/Patient/patient-999999", True, {}, 404, "not-found"),
    "missing observation": ("GET", "/fhir/Observation/response-999999-total", True, {}, 404, "not-found"),
    "missing questionnaire version": ("GET", "/fhir/Questionnaire/phq9/_history/0000", True, {}, 404, "not-found"),
    "write to a read-only type": (
        "POST",
        "/fhir/Patient",
        True,
        {"json": {"resourceType": "Patient"}},
        405,
        "not-supported",
    ),
    "delete": ("DELETE", "/fhir/Patient/patient-1", True, {}, 405, "not-supported"),
    "read of $score": ("GET", "/fhir/QuestionnaireResponse/$score", True, {}, 404, "not-found"),
    "body too large": (
        "POST",
        "/fhir/QuestionnaireResponse/$score",
        True,
        {"data": TOO_LARGE, "content_type": "application/fhir+json"},
        413,
        "too-costly",
    ),
    "no token": ("GET", "/fhir/Patient", False, {}, 401, "login"),
    "unknown search parameter": ("GET", "/fhir/Observation?colour=red", True, {}, 400, "invalid"),
    "malformed date": ("GET", "/fhir/Observation?date=yesterday", True, {}, 400, "invalid"),
    "unsupported _include": ("GET", "/fhir/Patient?_include=Patient:organization", True, {}, 400, "invalid"),
    "_count too large": ("GET", "/fhir/Patient?_count=100000", True, {}, 400, "invalid"),
    "XML asked for": (
        "GET",
        "/fhir/Patient",
        True,
        {"headers": {"Accept": "application/fhir+xml"}},
        406,
        "not-supported",
    ),
    "unscorable response": (
        "POST",
        "/fhir/QuestionnaireResponse/$score",
        True,
        {"json": {"resourceType": "Patient"}},
        422,
        "invalid",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_error_under_fhir_is_an_operation_outcome_with_the_right_status(client, demo, token, case):
    method, path, with_token, extra, status, code = CASES[case]
    extra = dict(extra)  # the table is shared by the SQLite and PostgreSQL runs
    headers = {**(bearer(token) if with_token else {}), **extra.pop("headers", {})}
    response = client.open(path, method=method, headers=headers, **extra)
    assert response.status_code == status, response.text
    assert response.mimetype == "application/fhir+json"
    outcome = parse_fhir(response.json)
    assert outcome.issue[0].severity == "error"
    assert outcome.issue[0].code == code
    assert outcome.issue[0].diagnostics
    if status == 405:
        assert "GET" in response.headers["Allow"]


def test_too_many_requests_is_an_operation_outcome(app, client, demo, token):
    app.config["API_RATE_LIMIT"] = "2 per minute"
    statuses = [client.get("/fhir/Patient", headers=bearer(token)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    response = client.get("/fhir/Patient", headers=bearer(token))
    assert parse_fhir(response.json).issue[0].code == "throttled"


def test_pages_outside_the_api_keep_their_html_error_pages(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
