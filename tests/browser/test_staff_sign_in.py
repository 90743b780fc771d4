"""A member of staff signs in and out in a real browser, on a tablet and a phone."""

import pytest

from tests.browser.conftest import axe_violations, screenshot, staff_sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["tablet", "phone"])
def test_clinician_signs_in_sees_urgent_screening_first_and_signs_out(live_server, new_page, viewport):
    page = new_page(viewport)
    page.goto(f"{live_server}/")
    assert page.url.startswith(f"{live_server}/auth/sign-in")
    assert axe_violations(page) == []
    screenshot(page, f"staff-sign-in-{viewport}")

    staff_sign_in(page, live_server, "clinician")
    assert page.url.endswith("/clinician/")  # clinicians start at the worklist
    first_row = page.locator("tbody tr").first
    assert "Safety item endorsed (PHQ-9 item 9)" in first_row.inner_text()
    assert axe_violations(page) == []
    screenshot(page, f"staff-home-{viewport}")

    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You have signed out.").wait_for()
    page.goto(f"{live_server}/staff/")
    assert page.url.startswith(f"{live_server}/auth/sign-in")


def test_wrong_password_shows_a_message_tied_to_the_field(live_server, new_page):
    page = new_page("phone")
    page.goto(f"{live_server}/auth/sign-in")
    page.get_by_label("E-mail address").fill("clinician@example.com")
    page.get_by_label("Password").fill("wrong password here")
    page.get_by_role("button", name="Sign in").click()
    password = page.get_by_label("Password")
    assert password.get_attribute("aria-invalid") == "true"
    assert "do not match" in page.locator(f"#{password.get_attribute('aria-describedby')}").inner_text()
    assert axe_violations(page) == []
