"""A safety answer given on a tablet reaches pages already open at the clinic, without a
reload; the unfinished urgent screening and the front desk's alert at tablet and phone size."""

import pytest

from tests.browser.conftest import axe_violations, demo_app, issue_code, screenshot, serving, staff_sign_in

pytestmark = pytest.mark.browser
ITEM9_STEP = 8  # Follow-up packet: PHQ-9 item 9
ALERT = "Ask a clinician to see this patient before they leave"


@pytest.fixture
def clinic_server(tmp_path):
    """An app of this module's own: these tests add urgent screenings to the demo clinic."""
    app = demo_app(tmp_path)
    with serving(app) as url:
        yield app, url
    app.extensions["tallyform.engine"].dispose()


def answer_item9(page, base_url, code):
    page.goto(f"{base_url}/kiosk/")
    page.get_by_label("Your code").fill(code)
    page.get_by_role("button", name="Start").click()
    page.wait_for_url("**/kiosk/welcome")
    page.goto(f"{base_url}/kiosk/step/{ITEM9_STEP}")
    page.locator("label.option", has_text="Several days").click()
    page.get_by_role("button", name="Next").click()
    page.wait_for_load_state()


def test_worklist_open_in_one_page_shows_an_urgent_screening_sent_from_a_tablet_within_10_s(clinic_server, new_page):
    app, url = clinic_server
    worklist = new_page("tablet")
    staff_sign_in(worklist, url, "clinician")
    worklist.goto(f"{url}/clinician/")
    assert worklist.title().startswith("(1 urgent) Worklist")
    assert "Daniel Weiss" not in worklist.locator("tbody").inner_text()
    worklist.evaluate("window.notReloaded = true")

    tablet = new_page("tablet")
    answer_item9(tablet, url, issue_code(app, packet="Follow-up"))
    tablet.goto(f"{url}/kiosk/review")
    tablet.get_by_role("button", name="Send my answers").click()
    tablet.get_by_role("heading", name="Thank you — please hand the tablet back").wait_for()

    first_row = worklist.locator("tbody tr").first
    first_row.filter(has_text="Daniel Weiss").wait_for(timeout=10_000)
    assert worklist.evaluate("window.notReloaded") is True  # swapped in place, not reloaded
    assert "URGENT, not yet acknowledged" in first_row.inner_text()
    assert "Item endorsed less than a minute ago" in first_row.inner_text()
    assert worklist.title().startswith("(2 urgent) Worklist")
    assert worklist.locator("#urgent-announcer").inner_text() == "2 urgent screenings not yet acknowledged."
    assert axe_violations(worklist) == []


def test_check_in_page_open_at_the_front_desk_shows_the_alert_within_10_s(clinic_server, new_page):
    app, url = clinic_server
    desk = new_page("tablet")
    staff_sign_in(desk, url, "frontdesk")
    desk.goto(f"{url}/check-in/")
    assert "Daniel Weiss" not in desk.locator("#urgent-alerts").inner_text()
    desk.evaluate("window.notReloaded = true")

    answer_item9(new_page("tablet"), url, issue_code(app, packet="Follow-up"))

    desk.locator("#urgent-alerts li", has_text="Daniel Weiss").wait_for(timeout=10_000)
    assert desk.evaluate("window.notReloaded") is True
    alert = desk.locator("#urgent-alerts").inner_text()
    assert ALERT in alert
    assert "Several days" not in desk.content()
    assert desk.title().startswith("(2 urgent)")


@pytest.mark.parametrize("viewport", ["tablet", "phone"])
def test_unfinished_urgent_screening_on_the_worklist_and_the_check_in_alert(clinic_server, new_page, viewport):
    app, url = clinic_server
    answer_item9(new_page(viewport), url, issue_code(app, packet="Follow-up"))  # then the tablet is put down

    clinician = new_page(viewport)
    staff_sign_in(clinician, url, "clinician")
    clinician.goto(f"{url}/clinician/")
    first_row = clinician.locator("tbody tr").first
    assert "Daniel Weiss" in first_row.inner_text()
    assert "Not finished — patient may still be in the building" in first_row.inner_text()
    assert axe_violations(clinician) == []
    screenshot(clinician, f"urgent-worklist-unfinished-{viewport}")

    first_row.get_by_role("link", name="Daniel Weiss").click()
    clinician.get_by_role("heading", name="Answers so far").wait_for()
    assert "Several days" in clinician.locator("main").inner_text()
    assert axe_violations(clinician) == []
    screenshot(clinician, f"urgent-screening-unfinished-{viewport}")

    desk = new_page(viewport)
    staff_sign_in(desk, url, "frontdesk")
    desk.goto(f"{url}/check-in/")
    assert ALERT in desk.locator("#urgent-alerts").inner_text()
    assert axe_violations(desk) == []
    screenshot(desk, f"urgent-check-in-alert-{viewport}")

    desk.locator("#urgent-alerts").get_by_role("link", name="Daniel Weiss").click()
    desk.get_by_role("link", name="Cancel").first.click()
    desk.get_by_role("heading", name="Cancel this screening?").wait_for()
    assert axe_violations(desk) == []
    screenshot(desk, f"urgent-cancel-confirm-{viewport}")
