"""History, worklist, audit trail and dashboard at desktop, tablet and phone widths: nothing
off-screen, readable chart text, and axe-clean (WCAG 2.1 AA, and unique landmark names)."""

import pytest

from tests.browser.conftest import axe_violations, demo_app, screenshot, serving, staff_sign_in

pytestmark = pytest.mark.browser
SIZES = ["desktop", "tablet", "phone"]


def _no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _landmark_names_unique(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "rule", "values": ["landmark-unique"]}})
    assert results.response["violations"] == []


def _check(page, name, viewport):
    _no_sideways_scroll(page)
    assert axe_violations(page) == []
    _landmark_names_unique(page)
    screenshot(page, f"{name}-{viewport}")


@pytest.mark.parametrize("viewport", SIZES)
def test_history_fits_the_screen_with_readable_charts(live_server, new_page, viewport):
    page = new_page(viewport)
    staff_sign_in(page, live_server, "clinician")
    page.goto(f"{live_server}/clinician/?date_from=2026-11-10&date_to=2026-11-10")
    page.get_by_role("link", name="History").first.click()
    assert page.get_by_role("heading", name="Patient Health Questionnaire-9 (PHQ-9)").is_visible()
    charts = page.locator("svg.trend-chart:visible")
    assert charts.count() == 2  # PHQ-9 and GAD-7, one layout each for this width
    width = page.viewport_size["width"]
    for index in range(charts.count()):
        chart = charts.nth(index)
        box = chart.bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= width  # the newest point and the band labels are on screen
        # the smallest font size in the chart's units, times the scale it is drawn at
        smallest = chart.evaluate(
            "svg => Math.min(...[...svg.querySelectorAll('text')].map(t => +t.getAttribute('font-size')))"
            " * svg.getBoundingClientRect().width / svg.viewBox.baseVal.width"
        )
        assert smallest >= 12, smallest
    stem = page.locator("th.stem").first
    if stem.is_visible():
        assert stem.bounding_box()["width"] > 250  # the stem heads the whole answers table
    _check(page, "clinician-history", viewport)


@pytest.mark.parametrize("viewport", SIZES)
def test_worklist_shows_changes_and_on_a_phone_urgent_rows_before_the_filters(live_server, new_page, viewport):
    page = new_page(viewport)
    staff_sign_in(page, live_server, "clinician")
    page.get_by_role("link", name="Worklist").click()
    assert "since the last screening" in page.locator("tbody").inner_text()
    filters = page.locator("details.filters-details")
    if viewport == "phone":
        assert not filters.evaluate("d => d.open")
        first_row = page.locator("tbody tr").first.bounding_box()
        assert first_row["y"] < page.viewport_size["height"]  # an urgent row on the first screen
        screenshot(page, "clinician-worklist-phone-filters-folded")
        page.get_by_text("Filters", exact=True).focus()
        page.keyboard.press("Enter")
        assert page.get_by_label("From").is_visible()
    else:
        assert page.get_by_label("From").is_visible()
    _check(page, "clinician-worklist", viewport)


@pytest.fixture(scope="module")
def settings_server(tmp_path_factory):
    """A demo clinic of this module's own, whose crisis text the audit test changes."""
    with serving(demo_app(tmp_path_factory.mktemp("audit"))) as url:
        yield url


NEW_CRISIS_TEXT = (
    "If you are thinking about harming yourself, tell the person at the front desk now: someone will see you "
    "today. At any hour, call or text 988 (Suicide & Crisis Lifeline) or call 911 in an emergency."
)


@pytest.mark.parametrize("viewport", SIZES)
def test_audit_trail_reads_in_words_and_its_details_wrap(settings_server, new_page, viewport):
    page = new_page(viewport)
    staff_sign_in(page, settings_server, "admin")
    page.goto(f"{settings_server}/admin/settings")
    page.get_by_label("Crisis and support message", exact=True).fill(NEW_CRISIS_TEXT + " " + viewport)
    page.get_by_role("button", name="Save settings").click()
    page.goto(f"{settings_server}/admin/audit")
    body = page.locator("tbody").inner_text()
    assert "Signed in" in body
    assert "staff.sign_in" not in body
    change = page.locator("tbody tr", has_text="Changed the crisis text").first
    assert f"now “{NEW_CRISIS_TEXT} {viewport}”" in change.inner_text()
    details = change.locator('td[data-label="Details"]').bounding_box()
    assert details["x"] + details["width"] <= page.viewport_size["width"]  # wrapped, not clipped
    _check(page, "admin-audit", viewport)


@pytest.mark.parametrize("viewport", SIZES)
def test_dashboard_shows_its_charts_and_tables(live_server, new_page, viewport):
    page = new_page(viewport)
    staff_sign_in(page, live_server, "admin")
    page.get_by_role("link", name="Dashboard").click()
    assert page.get_by_role("heading", name="Clinic dashboard").is_visible()
    bars = page.locator("svg.bar-chart")
    assert bars.count() == 3
    for index in range(3):
        scale = bars.nth(index).evaluate("svg => svg.getBoundingClientRect().width / svg.viewBox.baseVal.width")
        assert 13 * scale >= 12, scale
    assert page.get_by_role("heading", name="Outcomes of measurement-based care").is_visible()
    _check(page, "clinician-dashboard", viewport)
