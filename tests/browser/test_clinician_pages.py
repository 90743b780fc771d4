"""A clinician works through the worklist, a screening and a patient's history in a real browser."""

import pytest

from tests.browser.conftest import axe_violations, screenshot, staff_sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def immediate_jobs(live_server):
    """Render summaries in-process, as the test suite does everywhere else."""
    from app import tasks

    was = tasks.huey.immediate
    tasks.huey.immediate = True
    yield
    tasks.huey.immediate = was


@pytest.mark.parametrize("viewport", ["tablet", "phone"])
def test_clinician_opens_worklist_screening_and_history(live_server, new_page, viewport, immediate_jobs):
    page = new_page(viewport)
    staff_sign_in(page, live_server, "clinician")
    page.get_by_role("link", name="Worklist").click()
    assert page.get_by_role("heading", name="Worklist").is_visible()
    first_row = page.locator("tbody tr").first
    assert "URGENT, not yet acknowledged" in first_row.inner_text()
    assert axe_violations(page) == []
    screenshot(page, f"clinician-worklist-{viewport}")

    # other tests on this server may have pinned newer urgent screenings above the demo's
    okafor = page.locator("tbody tr", has_text="James Okafor").filter(has_text="URGENT, not yet acknowledged")
    okafor.first.get_by_role("link", name="James Okafor").click()
    assert page.get_by_role("heading", name="Safety item endorsed (PHQ-9 item 9)").is_visible()
    assert page.get_by_role("link", name="Download the referral summary").is_visible()
    assert axe_violations(page) == []
    screenshot(page, f"clinician-screening-{viewport}")

    page.get_by_role("button", name="Acknowledge safety flag").click()
    assert page.get_by_text("Tick the box to confirm you have seen the safety answer.").is_visible()
    screenshot(page, f"clinician-acknowledge-error-{viewport}")

    page.get_by_role("link", name="History of this patient").click()
    assert page.get_by_role("heading", name="Patient Health Questionnaire-9 (PHQ-9)").is_visible()
    assert page.locator("svg.trend-chart").count() >= 2
    assert axe_violations(page) == []
    screenshot(page, f"clinician-history-{viewport}")


def test_filtered_worklist_is_accessible(live_server, new_page):
    page = new_page("tablet")
    staff_sign_in(page, live_server, "admin")
    page.goto(f"{live_server}/clinician/?date_from=2026-09-01&date_to=2026-08-01")
    assert page.get_by_text("The end date is before the start date").is_visible()
    assert axe_violations(page) == []
    screenshot(page, "clinician-worklist-filter-error-tablet")
