"""The front desk finds a patient, starts a screening and shows the code, on a tablet and a phone."""

import re

import pytest

from tests.browser.conftest import axe_violations, demo_app, screenshot, serving, staff_sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["tablet", "phone"])
def test_front_desk_starts_a_screening_and_the_code_opens_the_tablet(live_server, new_page, browser, viewport):
    page = new_page(viewport)
    staff_sign_in(page, live_server, "frontdesk")
    page.get_by_role("link", name="Check-in").click()
    page.get_by_label("MRN or name").fill("weiss")
    page.get_by_role("button", name="Find").click()
    assert axe_violations(page) == []
    screenshot(page, f"checkin-1-find-{viewport}")
    page.get_by_role("list", name="patient found").get_by_role("link", name="Daniel Weiss").click()
    page.get_by_label("Questionnaires to give").select_option(label="Follow-up")
    page.get_by_role("button", name="Start the screening").click()
    page.get_by_role("button", name="Show a code for the tablet").click()

    code = page.locator(".access-code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert page.locator("figure.qr-figure svg").is_visible()
    assert axe_violations(page) == []
    screenshot(page, f"checkin-2-code-{viewport}")

    # The QR code's address opens the tablet with the code filled in from the URL fragment,
    # which then leaves the address bar.
    tablet = new_page("tablet")
    tablet.goto(f"{live_server}/kiosk/#code={code}")
    assert tablet.get_by_label("Your code").input_value() == code
    assert "#" not in tablet.url
    tablet.get_by_role("button", name="Start").click()
    tablet.get_by_text("17 questions").wait_for()


def test_adding_a_patient_with_a_taken_mrn_says_so_next_to_the_field(live_server, new_page):
    page = new_page("phone")
    staff_sign_in(page, live_server, "frontdesk")
    page.goto(f"{live_server}/check-in/patients/new")
    page.get_by_label("Medical record number (MRN)").fill("100234")
    page.get_by_label("Full name").fill("Another Person")
    page.get_by_label("Date of birth").fill("1970-01-01")
    page.get_by_role("button", name="Add patient").click()
    field = page.get_by_label("Medical record number (MRN)")
    assert field.get_attribute("aria-invalid") == "true"
    assert "already registered" in page.locator(".error").inner_text()
    assert axe_violations(page) == []
    screenshot(page, "checkin-3-duplicate-mrn-phone")


@pytest.mark.parametrize("viewport", ["tablet", "phone"])
def test_front_desk_clears_the_wait_after_wrong_tablet_codes(tmp_path, new_page, viewport):
    app = demo_app(tmp_path)
    with serving(app) as base_url:
        tablet = new_page("tablet")
        for _ in range(11):
            tablet.goto(f"{base_url}/kiosk/")
            tablet.get_by_label("Your code").fill("ZZZZ-ZZZZ")
            tablet.get_by_role("button", name="Start").click()
        tablet.get_by_text("Please wait").wait_for()

        page = new_page(viewport)
        staff_sign_in(page, base_url, "frontdesk")
        page.goto(f"{base_url}/check-in/")
        page.get_by_text("Tablets on this network are being slowed").wait_for()
        assert axe_violations(page) == []
        screenshot(page, f"checkin-4-slowed-{viewport}")
        page.get_by_role("link", name="Clear the wait…").click()
        assert axe_violations(page) == []
        screenshot(page, f"checkin-5-clear-wait-{viewport}")
        page.get_by_role("button", name="Yes, clear the wait").click()
        page.get_by_text("Cleared: tablets on this network can enter a code at once").wait_for()
        assert page.get_by_text("being slowed").count() == 0


@pytest.mark.parametrize("width", [768, 1280])
def test_check_in_cards_side_by_side_line_up(live_server, new_page, width):
    page = new_page("tablet")
    page.set_viewport_size({"width": width, "height": 900})
    staff_sign_in(page, live_server, "frontdesk")
    page.goto(f"{live_server}/check-in/")
    find, new = (
        page.locator("section.card", has_text=name).bounding_box() for name in ("Find a patient", "New patient")
    )
    assert find["x"] < new["x"]  # side by side at this width
    assert new["y"] == find["y"]
    assert new["height"] == find["height"]
