"""Helpers for tests that run Tallyform as it is deployed: real processes on loopback ports,
driven over HTTP, stopped by signals."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from contextlib import suppress
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from app.config import PROJECT_ROOT
from tests.fixtures import Tablet
from tests.http_client import HttpClient

VENV_BIN = Path(os.environ.get("VIRTUAL_ENV") or PROJECT_ROOT / ".venv") / "bin"
# Fast argon2 for the demo sign-ins: the tests measure queueing and rendering, not hashing.
STACK_ENV = {"TALLYFORM_ARGON2_TIME_COST": "1", "TALLYFORM_ARGON2_MEMORY_KIB": "1024"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def process_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TALLYFORM_", "DATABASE_URL", "SECRET_KEY"))}
    return env | STACK_ENV | settings


class Processes:
    """Processes started in their own session, each logging to a file, stopped as a group."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = (self.log_dir / f"{name}.log").open("ab")
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.running[name] = process
        return process

    def log(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text(errors="replace")

    def all_logs(self) -> str:
        return "\n".join(path.read_text(errors="replace") for path in sorted(self.log_dir.glob("*.log")))

    def stop_all(self) -> None:
        for process in self.running.values():
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.running.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def wait_until(predicate, timeout: float, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"{what} not reached within {timeout:.0f} s")


def answering(base_url: str, path: str = "/healthz") -> bool:
    with suppress(OSError):
        return HttpClient(base_url, timeout=2).get(path).status_code == 200
    return False


def issue_codes(database_url: str, secret_key: str, count: int, packet: str, mrn_prefix: str) -> list[tuple[int, str]]:
    """`count` new patients of the demo clinic, each with a screening and its tablet code, made
    through the services the check-in page calls."""
    from datetime import date

    from app import create_app
    from app.extensions import db
    from app.models import Clinic, Packet
    from app.services import access_codes, patients, screenings

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": secret_key, "QUEUE_IMMEDIATE": True})
    issued = []
    with app.app_context():
        clinic = db.session.scalar(sa.select(Clinic).where(Clinic.slug == "riverside"))
        chosen = db.session.scalar(sa.select(Packet).where(Packet.clinic_id == clinic.id, Packet.name == packet))
        for number in range(count):
            patient = patients.add_patient(
                db.session,
                clinic.id,
                mrn=f"{mrn_prefix}{number:04d}",
                name=f"Stack Patient {number}",
                date_of_birth=date(1970 + number % 40, 1 + number % 12, 1 + number % 28),
            )
            screening = screenings.create_screening(db.session, patient, chosen, created_by_id=None)
            code = access_codes.issue_access_code(
                db.session, screening, secret_key=secret_key, lifetime=timedelta(minutes=30), created_by_id=None
            )
            issued.append((screening.id, code))
    app.extensions["tallyform.engine"].dispose()
    return issued


_FIELD = re.compile(r'name="(item_[A-Za-z0-9_]+)"')
_VALUES = re.compile(r'type="radio"[^>]*value="(-?\d+)"|value="(-?\d+)"[^>]*type="radio"')


def sit_screening(base_url: str, code: str, seed: int) -> dict[int, int]:
    """One patient's sitting on a tablet over HTTP: the code, every question answered (a value
    chosen from the screen's own options), then "Send my answers". Returns the answer given on
    each question's screen, by screen index (see `answers_by_instrument`)."""
    tablet = Tablet(HttpClient(base_url))
    entered = tablet.enter_code(code)
    assert entered.status_code == 302, entered.status_code
    given: dict[int, int] = {}
    index = 0
    while True:
        page = tablet.step(index)
        assert page.status_code == 200, (index, page.status_code)
        data = {"nav": "next", "csrf_token": _csrf(page.text)}
        field = _FIELD.search(page.text)
        if field is not None:
            options = sorted({int(a or b) for a, b in _VALUES.findall(page.text)})
            given[index] = data[field.group(1)] = options[(seed + index) % len(options)]
        moved = tablet.client.post(f"/kiosk/step/{index}", data=data)
        assert moved.status_code == 302, (index, moved.status_code)
        if moved.headers["Location"].endswith("/kiosk/review"):
            break
        index += 1
    submitted = tablet.submit()
    assert submitted.headers["Location"].endswith("/kiosk/done"), submitted.status_code
    return given


def answers_by_instrument(registry, instrument_ids: list[str], given: dict[int, int]) -> dict[str, dict[str, int]]:
    """What the responses must hold: the screens' answers keyed as the tablet's steps place them."""
    from app.patient.flow import build_steps

    expected: dict[str, dict[str, int]] = {}
    for index, step in enumerate(build_steps(registry, instrument_ids)):
        if step.kind == "item":
            expected.setdefault(step.instrument_id, {})[step.item_id] = given[index]
    return expected


def _csrf(html: str) -> str:
    from tests.conftest import csrf_token_from

    return csrf_token_from(html)
