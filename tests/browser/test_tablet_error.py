"""The page a patient sees when the server fails mid-sitting: accessible, on a phone-sized
screen, and it says to hand the tablet back."""

import pytest
import sqlalchemy as sa

from app.services import kiosk
from tests.browser.conftest import axe_violations, demo_app, issue_code, screenshot, serving

pytestmark = pytest.mark.browser


def test_the_tablet_error_page_says_what_to_do_and_is_accessible(tmp_path, new_page, monkeypatch):
    def database_gone(*_args, **_kwargs):
        raise sa.exc.OperationalError("INSERT INTO draft_answer", {}, Exception("server closed the connection"))

    app = demo_app(tmp_path)
    monkeypatch.setattr(kiosk, "save_answer", database_gone)
    with serving(app) as base_url:
        page = new_page("phone")
        page.goto(f"{base_url}/kiosk/")
        page.get_by_label("Your code").fill(issue_code(app, packet="Follow-up"))
        page.get_by_role("button", name="Start").click()
        page.get_by_role("link", name="Begin").click()
        while not page.locator("label.option").count():  # past the instructions, to a question
            page.get_by_role("button", name="Next").click()
        page.locator("label.option").first.click()
        page.get_by_role("button", name="Next").click()

        page.get_by_role("heading", name="Something went wrong").wait_for()
        assert page.get_by_role("alert").get_by_text("hand the tablet back to the front desk").count() == 1
        assert axe_violations(page) == []
        screenshot(page, "kiosk-error-phone")
    app.extensions["tallyform.engine"].dispose()
