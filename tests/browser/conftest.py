"""Browser tests: the real app served on loopback, driven in Debian's chromium by Playwright.

Screenshots land in artifacts/screenshots/ for a person to look at. Without chromium the
tests skip with the reason; under CI they fail instead.
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from app import create_app
from app.config import PROJECT_ROOT
from tests.conftest import DEMO_PASSWORD, FAST_HASHING, migrate

SCREENSHOTS = PROJECT_ROOT / "artifacts" / "screenshots"
VIEWPORTS = {
    "desktop": {"width": 1280, "height": 800},
    "tablet": {"width": 768, "height": 1024},
    "tablet-landscape": {"width": 1024, "height": 768},
    "phone": {"width": 390, "height": 844},
    "phone-landscape": {"width": 844, "height": 390},
}
# WCAG 2.1 A and AA rules, as axe-core tags them.
WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return os.environ.get("TALLYFORM_CHROMIUM") or shutil.which("chromium")


def demo_app(directory: Path, **settings):
    """The app on a copy of the migrated demo database in directory."""
    from app.extensions import db, instruments
    from app.seeding import load_demo_clinic

    path = directory / "tallyform.sqlite3"
    migrate(f"sqlite:///{path}")
    app = create_app({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": uuid.uuid4().hex, **FAST_HASHING, **settings})
    with app.app_context():
        load_demo_clinic(db.session, instruments(), PROJECT_ROOT / "seeds" / "demo_clinic.yaml")
    return app


@contextmanager
def serving(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    return demo_app(tmp_path_factory.mktemp("live"))


@pytest.fixture(scope="session")
def live_server(live_app):
    with serving(live_app) as url:
        yield url


def issue_code(app, mrn: str = "103377", packet: str = "New patient", language: str = "en") -> str:
    """Start a screening for a demo patient and return its tablet code, as check-in would."""
    import sqlalchemy as sa

    from app.extensions import db, instruments
    from app.models import Packet, Patient
    from app.services import access_codes, screenings

    with app.app_context():
        patient = db.session.scalar(sa.select(Patient).where(Patient.mrn == mrn))
        chosen = db.session.scalar(sa.select(Packet).where(Packet.name == packet))
        screening = screenings.create_screening(
            db.session, patient, chosen, created_by_id=None, registry=instruments(), language=language
        )
        return access_codes.issue_access_code(
            db.session,
            screening,
            secret_key=app.config["SECRET_KEY"],
            lifetime=timedelta(minutes=30),
            created_by_id=None,
        )


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        reason = "browser tests skipped: no chromium (apt-get install chromium, or set TALLYFORM_CHROMIUM)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """new_page("tablet") -> a page in a fresh browser context (no shared cookies)."""
    contexts = []

    def make(viewport: str = "tablet"):
        context = browser.new_context(viewport=VIEWPORTS[viewport])
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options=WCAG_21_AA)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)" for v in results.response["violations"]]


def staff_sign_in(page, base_url: str, role: str) -> None:
    page.goto(f"{base_url}/auth/sign-in")
    page.get_by_label("E-mail address").fill(f"{role}@example.com")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
