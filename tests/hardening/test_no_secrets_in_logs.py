"""Nothing that identifies a patient, and no code or token, reaches a log.

Representative flows run against a real HTTP server (so the werkzeug access log is written
as in development), and every log record of the run is captured: the access log, the app's
own logs and the database engine's. Then every demo MRN, name and date of birth, every code
issued and every token handed out is looked for in them.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from datetime import date

import pytest
import requests
import sqlalchemy as sa
from werkzeug.serving import make_server

from app.models import Patient
from app.request_log import JsonFormatter
from tests.conftest import DEMO_PASSWORD, csrf_token_from

NEW_PATIENT = {"mrn": "771203", "name": "Theodora Quill", "date_of_birth": "1961-07-23"}


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def served(app, demo):
    capture = Capture()
    capture.setFormatter(JsonFormatter())  # the lines as the app writes them, extra fields included
    root = logging.getLogger()
    previous = root.level
    root.addHandler(capture)
    root.setLevel(logging.INFO)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", capture
    finally:
        server.shutdown()
        root.removeHandler(capture)
        root.setLevel(previous)


class Browser(requests.Session):
    def __init__(self, base: str):
        super().__init__()
        self.base = base

    def page(self, path: str) -> requests.Response:
        return self.get(self.base + path)

    def submit(self, page_path: str, data: dict, action: str | None = None) -> requests.Response:
        token = csrf_token_from(self.page(page_path).text)
        return self.post(self.base + (action or page_path), data={**data, "csrf_token": token})

    def sign_in(self, email: str) -> None:
        response = self.submit("/auth/sign-in", {"email": email, "password": DEMO_PASSWORD})
        assert response.url.endswith("/staff/") or "/check-in" in response.url or "/clinician" in response.url


def _code_from(html: str) -> str:
    return re.search(r'class="access-code"[^>]*>([A-Z0-9]{4}-[A-Z0-9]{4})<', html).group(1)


def test_no_phi_code_or_token_reaches_any_log(app, served, session):
    base, capture = served
    secrets: list[str] = []

    desk = Browser(base)
    desk.sign_in("frontdesk@example.com")
    desk.submit("/check-in/", {"query": "100871"})
    desk.submit("/check-in/", {"query": "Alvarez"})
    added = desk.submit("/check-in/patients/new", NEW_PATIENT)
    patient_path = added.url.removeprefix(base)
    page = desk.page(patient_path)
    packet_id = re.search(r'<option value="(\d+)">', page.text).group(1)
    started = desk.submit(patient_path, {"packet_id": packet_id})
    code = _code_from(desk.submit(started.url.removeprefix(base), {}).text)
    secrets += [code, code.replace("-", "")]
    cookie = app.session_interface.get_signing_serializer(app).loads(desk.cookies["tallyform_session"])
    assert code.replace("-", "") not in json.dumps(cookie)  # the session cookie is signed, not encrypted

    tablet = Browser(base)
    tablet.page("/kiosk/")
    welcome = tablet.submit("/kiosk/", {"code": code})
    assert "/kiosk/welcome" in welcome.url
    tablet.submit("/kiosk/step/0", {"nav": "next"})
    tablet.submit("/kiosk/step/1", {"nav": "next", "item_phq9_1": "1"})
    tablet.page("/kiosk/review")

    admin = Browser(base)
    admin.sign_in("admin@example.com")
    invited = admin.submit(
        "/admin/staff/new", {"name": "Casey Nguyen", "email": "casey@example.com", "role": "clinician"}
    )
    link_token = re.search(r"#token=([^<\s]+)<", invited.text).group(1)
    secrets.append(link_token)
    newcomer = Browser(base)
    set_page = newcomer.submit(
        "/auth/password",
        {"token": link_token, "password": "plum orchard by the river", "confirm": "plum orchard by the river"},
    )
    assert set_page.url.endswith("/auth/sign-in")
    created = admin.submit("/admin/integrations/", {"name": "EHR interface"}, action="/admin/integrations/tokens")
    api_token = re.search(r'id="new-token-value"[^>]*value="([^"]+)"', created.text).group(1)
    secrets.append(api_token)
    assert (
        requests.get(base + "/api/screenings", headers={"Authorization": f"Bearer {api_token}"}, timeout=10).status_code
        == 200
    )
    requests.get(base + "/api/screenings", headers={"Authorization": "Bearer tfk_not-a-real-token"}, timeout=10)
    admin.submit("/admin/audit", {"mrn": "100871"}, action="/admin/audit.csv")

    patients = session.scalars(sa.select(Patient)).all()
    identifying = {NEW_PATIENT["name"], NEW_PATIENT["mrn"]}
    for patient in patients:
        identifying |= {patient.name, patient.mrn, patient.date_of_birth.isoformat()}
    log = "\n".join(capture.lines)
    assert '"route": "/kiosk/"' in log  # the request log was captured
    assert [value for value in sorted(identifying | set(secrets)) if value in log] == []
    print(
        f"\nlogs checked: {len(capture.lines)} lines, {len(identifying)} identifiers, {len(secrets)} codes and tokens"
    )


def test_a_failed_statement_does_not_put_its_values_in_the_log(app, demo, client, caplog):
    from app.extensions import db

    def duplicate_patient():
        db.session.execute(
            sa.text("INSERT INTO patient (clinic_id, mrn, name, date_of_birth) VALUES (:c, :m, :n, :d)"),
            {"c": demo, "m": "100871", "n": "Maria Alvarez", "d": date(1950, 1, 1)},
        )

    app.add_url_rule("/staff/duplicate", "duplicate_for_test", duplicate_patient)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with caplog.at_level(logging.INFO):
        assert client.get("/staff/duplicate").status_code == 500
    assert "SQLSTATE" in caplog.text
    assert "INSERT INTO patient" in caplog.text
    assert "100871" not in caplog.text
    assert "Maria Alvarez" not in caplog.text


def test_cli_exports_are_readable_by_their_owner_only(runner, demo, tmp_path):
    csv_file = tmp_path / "responses.csv"
    assert runner.invoke(args=["export-csv", "--since", "2000-01-01", "--out", str(csv_file)]).exit_code == 0
    fhir_dir = tmp_path / "fhir"
    assert runner.invoke(args=["export-fhir", "--since", "2000-01-01", "--out", str(fhir_dir)]).exit_code == 0
    written = [csv_file, *fhir_dir.iterdir()]
    assert len(written) > 1
    assert {oct(path.stat().st_mode & 0o777) for path in written} == {"0o600"}
