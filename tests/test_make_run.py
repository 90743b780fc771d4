"""`make run` as a new clinic would use it: the app and its PDF worker from the Procfile,
started together by honcho, a screening's PDF ready within 10 s of "Send my answers", and one
Ctrl-C stopping both."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import DEMO_PASSWORD, csrf_token_from, migrate, seed_demo
from tests.http_client import HttpClient
from tests.stack import VENV_BIN, Processes, answering, free_port, issue_codes, process_env, sit_screening, wait_until

pytestmark = pytest.mark.stack


def _alive(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status")
    try:
        return "State:\tZ" not in status.read_text()
    except FileNotFoundError:
        return False


def test_make_run_serves_the_app_renders_a_submitted_screening_within_10_s_and_stops_on_ctrl_c(tmp_path, capsys):
    database_url = f"sqlite:///{tmp_path / 'tallyform.sqlite3'}"
    migrate(database_url)
    seed_demo(database_url)
    secret_key = uuid.uuid4().hex * 2
    ((screening_id, code),) = issue_codes(database_url, secret_key, 1, "Follow-up", "RUN")
    port = free_port()
    env = process_env(
        DATABASE_URL=database_url,
        SECRET_KEY=secret_key,
        TALLYFORM_QUEUE_URL=f"sqlite:///{tmp_path / 'queue.sqlite3'}",
        TALLYFORM_AUDIT_ANCHOR=str(tmp_path / "audit_anchor"),  # its own, as another test runs beside it
    )
    processes = Processes(tmp_path)
    # What `make run` runs once setup is done (the Makefile passes PORT the same way).
    honcho = processes.start("honcho", [str(VENV_BIN / "honcho"), "start", "--port", str(port)], env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: answering(base_url), 60, what="the app answering")
        wait_until(lambda: answering(base_url, "/readyz"), 60, what="a worker heartbeat (/readyz)")

        sit_screening(base_url, code, seed=3)
        submitted = time.monotonic()
        engine = sa.create_engine(database_url)

        def stored():
            with engine.connect() as connection:
                return connection.execute(
                    sa.text("SELECT status, sha256, pdf FROM referral_document WHERE screening_id = :id"),
                    {"id": screening_id},
                ).first()

        wait_until(lambda: (row := stored()) is not None and row.status == "ready", 10, 0.1, "the PDF stored")
        elapsed = time.monotonic() - submitted
        row = stored()
        engine.dispose()
        assert hashlib.sha256(row.pdf).hexdigest() == row.sha256
        with capsys.disabled():
            print(f"\nmake run: PDF ready {elapsed:.1f} s after the tablet sent its answers")

        clinician = HttpClient(base_url)
        page = clinician.get("/auth/sign-in")
        sign_in = {
            "email": "clinician@example.com",
            "password": DEMO_PASSWORD,
            "csrf_token": csrf_token_from(page.text),
        }
        clinician.post("/auth/sign-in", sign_in)
        download = clinician.get(f"/clinician/screenings/{screening_id}/referral-summary.pdf")
        assert download.status_code == 200
        assert hashlib.sha256(download.data).hexdigest() == row.sha256

        children = [int(pid) for pid in re.findall(r"started \(pid=(\d+)\)", processes.log("honcho"))]
        assert len(children) == 2, processes.log("honcho")
        os.killpg(honcho.pid, signal.SIGINT)  # Ctrl-C reaches the terminal's whole process group
        assert honcho.wait(timeout=30) is not None
        wait_until(lambda: not any(_alive(pid) for pid in children), 10, what="web and worker stopped")
    finally:
        processes.stop_all()

    log = processes.log("honcho")
    assert re.search(r"web\.1\s+\|", log), log
    assert re.search(r"worker\.1\s+\|", log), log
    assert '"logger": "tallyform.request"' in log  # the app's JSON request lines, through honcho
    assert "render_referral_document" in log  # the worker's own lines
    for secret in (code, "Stack Patient", "RUN0000"):
        assert secret not in log
