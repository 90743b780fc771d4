"""Logs: one JSON line per request with a request id, and never a patient's name, MRN, date of
birth, a tablet code or a token, whatever flows ran."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
import yaml

from app.config import PROJECT_ROOT
from app.request_log import JsonFormatter
from tests.conftest import csrf_token_from
from tests.fixtures import Tablet


def demo_patients_identifiers() -> set[str]:
    seeds = yaml.safe_load((PROJECT_ROOT / "seeds" / "demo_clinic.yaml").read_text())
    found = set()
    for patient in seeds["patients"]:
        found |= {patient["name"], str(patient["mrn"]), str(patient["date_of_birth"])}
        found |= set(patient["name"].split())
    return found


@pytest.fixture
def captured_log():
    """Everything logged, formatted as production formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def test_representative_flows_log_one_json_line_per_request_and_no_phi_codes_or_tokens(
    app, client, auth, demo, request, captured_log
):
    auth.sign_in("frontdesk@example.com")
    page = client.get("/check-in/")
    client.post("/check-in/", data={"query": "Maria Alvarez", "csrf_token": csrf_token_from(page.text)})
    client.post("/check-in/", data={"query": "100234", "csrf_token": csrf_token_from(page.text)})
    screening_id, code = request.getfixturevalue("start_screening")(mrn="100234", packet="Follow-up")
    client.get(f"/check-in/screenings/{screening_id}/code")
    auth.sign_out()

    tablet_client = app.test_client()
    tablet = Tablet(tablet_client)
    tablet_client.get(f"/kiosk/?code={code}")  # the QR code's link carries the code in its query
    assert tablet.enter_code(code).status_code == 302
    index = 0
    while "/kiosk/review" not in tablet.answer(index, 1).headers["Location"]:
        index += 1
    assert tablet.submit().headers["Location"].endswith("/kiosk/done")
    tablet_client.get("/kiosk/done")

    auth.sign_in("clinician@example.com")
    client.get("/clinician/")
    client.get(f"/clinician/screenings/{screening_id}")
    client.get(f"/clinician/screenings/{screening_id}/referral-summary.pdf")
    auth.sign_out()
    auth.sign_in("admin@example.com")
    client.get("/admin/integrations/responses.csv?since=2020-01-01")
    client.post("/auth/password", data={"token": "a-set-password-token-from-an-email"})  # refused: no CSRF token
    client.get("/healthz", headers={"X-Request-ID": "proxy-given-id.1"})

    text = captured_log.getvalue()
    lines = [json.loads(line) for line in text.splitlines()]
    requests = [line for line in lines if line["logger"] == "tallyform.request"]
    assert len(requests) >= 40
    assert all(re.fullmatch(r"[0-9a-f]{32}|proxy-given-id\.1", line["request_id"]) for line in requests)
    assert len({line["request_id"] for line in requests}) == len(requests)
    assert {"method", "route", "status", "duration_ms"} <= set(requests[0])
    assert requests[-1]["request_id"] == "proxy-given-id.1"
    assert any(line["route"] == "/auth/password" for line in requests)

    from app.services.access_codes import display_code

    secrets = demo_patients_identifiers() | {code, display_code(code), "a-set-password-token-from-an-email"}
    for cookie in (*client._cookies.values(), *tablet_client._cookies.values()):
        secrets.add(cookie.value)
    leaked = sorted(secret for secret in secrets if secret and secret.lower() in text.lower())
    assert leaked == []
