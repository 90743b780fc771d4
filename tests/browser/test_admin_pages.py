"""The admin pages in a real browser, on a tablet and a phone: each one screenshotted for a
person to look at, and checked with axe-core for WCAG 2.1 AA."""

import pytest

from tests.browser.conftest import axe_violations, screenshot, staff_sign_in

pytestmark = pytest.mark.browser

PAGES = [
    ("admin-home", "/admin/"),
    ("admin-instruments", "/admin/instruments"),
    ("admin-instrument-phq9", "/admin/instruments/phq9"),
    ("admin-packets", "/admin/packets"),
    ("admin-clinic-questions", "/admin/clinic-questions"),
    ("admin-settings", "/admin/settings"),
    ("admin-staff", "/admin/staff"),
    ("admin-staff-new", "/admin/staff/new"),
    ("admin-staff-member", "/admin/staff/2"),
    ("admin-audit", "/admin/audit"),
    ("two-factor", "/auth/two-factor"),
]


@pytest.mark.parametrize("viewport", ["tablet", "phone"])
def test_every_admin_page_is_accessible_and_fits_the_screen(live_server, new_page, viewport):
    page = new_page(viewport)
    staff_sign_in(page, live_server, "admin")
    for name, path in PAGES:
        page.goto(f"{live_server}{path}")
        assert page.locator("h1").is_visible(), path
        assert axe_violations(page) == [], path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= page.viewport_size["width"], f"{path} scrolls sideways ({width}px)"
        screenshot(page, f"{name}-{viewport}")


@pytest.mark.parametrize("viewport", ["tablet", "phone"])
def test_admin_builds_and_reorders_a_packet_with_buttons(live_server, new_page, viewport):
    page = new_page(viewport)
    staff_sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/admin/packets")
    page.get_by_label("Packet name").fill(f"Brief check ({viewport})")
    page.get_by_label("First instrument").select_option(label="GAD-7")
    page.get_by_role("button", name="Create packet").click()
    page.get_by_label("Add an instrument").select_option(label="PHQ-9")
    page.get_by_role("button", name="Add", exact=True).click()
    page.get_by_role("button", name="Move PHQ-9 up").click()
    entries = page.locator(".ordered-entries .entry-title").all_inner_texts()
    assert entries == ["PHQ-9", "GAD-7"]
    assert axe_violations(page) == []
    screenshot(page, f"admin-packet-{viewport}")


@pytest.mark.parametrize("viewport", ["tablet", "phone"])
def test_refused_threshold_and_new_account_link_are_shown_clearly(live_server, new_page, viewport):
    page = new_page(viewport)
    staff_sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/admin/instruments/phq9")
    page.get_by_label("Referral threshold").fill("30")
    page.get_by_role("button", name="Save").click()
    threshold = page.get_by_label("Referral threshold")
    assert threshold.get_attribute("aria-invalid") == "true"
    assert "from 0 to 27" in page.locator(f"#{threshold.get_attribute('id')}-error").inner_text()
    assert axe_violations(page) == []
    screenshot(page, f"admin-threshold-refused-{viewport}")

    page.goto(f"{live_server}/admin/staff/new")
    page.get_by_label("Name").fill("Casey Nguyen")
    page.get_by_label("E-mail address").fill(f"casey.{viewport}@example.com")
    page.get_by_role("button", name="Create account").click()
    link = page.get_by_label("One-time link").input_value()
    assert "/auth/password#token=" in link
    assert axe_violations(page) == []
    screenshot(page, f"admin-staff-link-{viewport}")

    newcomer = new_page(viewport)
    newcomer.goto(link)
    assert axe_violations(newcomer) == []
    newcomer.get_by_label("New password").fill("short")
    newcomer.get_by_label("The same password again").fill("short")
    newcomer.get_by_role("button", name="Set password").click()
    assert "at least 12 characters" in newcomer.locator(".error").first.inner_text()
    screenshot(newcomer, f"set-password-refused-{viewport}")


@pytest.mark.parametrize("viewport", ["tablet", "phone"])
def test_admin_adds_a_clinic_question_labelled_as_not_validated(live_server, new_page, viewport):
    page = new_page(viewport)
    staff_sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/admin/clinic-questions")
    page.get_by_label("Kind of answer").select_option(label="Single choice")
    page.get_by_label("Question, as the patient will read it").fill(f"How did you travel here today? ({viewport})")
    page.get_by_label("Answers to choose from").fill("Car\nBus\nOn foot")
    page.get_by_role("button", name="Add question").click()
    assert page.get_by_text(f"How did you travel here today? ({viewport})").is_visible()
    assert page.get_by_text("clinic question — not a validated instrument").first.is_visible()
    assert axe_violations(page) == []
    screenshot(page, f"admin-clinic-questions-{viewport}")
