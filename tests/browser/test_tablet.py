"""A patient completes the New patient packet on a tablet and a phone, and the tablet forgets."""

import re

import pytest

from tests.browser.conftest import VIEWPORTS, axe_violations, demo_app, issue_code, screenshot, serving

pytestmark = pytest.mark.browser
QUESTION = re.compile(r"Question (\d+) of (\d+)")


def enter_code(page, base_url, code):
    page.goto(f"{base_url}/kiosk/")
    page.get_by_label("Your code").fill(code)
    page.get_by_role("button", name="Start").click()


def assert_accessible(page):
    assert axe_violations(page) == [], page.url


@pytest.mark.parametrize("viewport", ["tablet", "phone", "tablet-landscape", "phone-landscape"])
def test_patient_completes_new_patient_packet_then_back_shows_no_answers(live_app, live_server, new_page, viewport):
    page = new_page(viewport)
    shots = viewport in ("tablet", "phone")
    page.goto(f"{live_server}/kiosk/")
    assert_accessible(page)
    if shots:
        screenshot(page, f"kiosk-1-code-{viewport}")
    enter_code(page, live_server, issue_code(live_app))

    page.get_by_text("38 questions").wait_for()
    assert_accessible(page)
    if shots:
        screenshot(page, f"kiosk-2-welcome-{viewport}")
    page.get_by_role("link", name="Begin").click()

    seen_intro = False
    while "/kiosk/step/" in page.url:
        heading = page.locator("h1").inner_text()
        progress = QUESTION.search(page.content())
        if progress is None:  # an instrument's instructions screen
            seen_intro = True
            if shots:
                assert_accessible(page)
                screenshot(page, f"kiosk-4-instructions-{viewport}")
        else:
            number = int(progress.group(1))
            options = page.locator("label.option")
            # Tap the whole row of the option, not the small circle; the last option, or "No" on the ACE.
            options.nth(options.count() - 1 if number < 28 else 1).click()
            if number in (1, 30):
                assert_accessible(page)
                if shots:
                    screenshot(page, f"kiosk-3-question-{number}-{viewport}")
        page.get_by_role("button", name="Next").click()
        page.wait_for_load_state()
        assert heading  # every screen has a heading
    assert seen_intro
    assert page.url.endswith("/kiosk/review")
    assert page.get_by_text("not answered").count() == 0
    assert_accessible(page)
    if shots:
        screenshot(page, f"kiosk-5-review-{viewport}")

    # Change one answer from the review page and come straight back.
    page.get_by_role("link", name="Change answer to question 2", exact=True).click()
    page.locator("label.option").first.click()
    page.get_by_role("button", name="Save and return to my answers").click()
    assert page.url.endswith("/kiosk/review")

    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", name="Thank you — please hand the tablet back").wait_for()
    # PHQ-9 item 9 answered "Nearly every day": the clinic's support message.
    page.get_by_text("A member of your care team will talk with you today").wait_for()
    assert_accessible(page)
    if shots:
        screenshot(page, f"kiosk-6-done-{viewport}")

    for _ in range(6):
        page.go_back()
        page.wait_for_load_state()
        content = page.content()
        assert "checked" not in content
        assert "Nearly every day" not in content
        assert "Daniel Weiss" not in content
        assert page.url.startswith(f"{live_server}/kiosk/")
    # Whatever cookie the start page set since holds no kiosk session.
    serializer = live_app.session_interface.get_signing_serializer(live_app)
    for cookie in page.context.cookies():
        if cookie["name"] == "tallyform_session":
            assert "kiosk_token" not in serializer.loads(cookie["value"])


def test_keyboard_alone_answers_a_question(live_app, live_server, new_page):
    page = new_page("tablet")
    enter_code(page, live_server, issue_code(live_app, mrn="102044", packet="Follow-up"))
    page.get_by_role("link", name="Begin").click()
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "radio":
            break
    assert page.evaluate("document.activeElement.name") == "item_1"
    page.keyboard.press("ArrowDown")  # moves to and selects "Several days"
    page.keyboard.press("Enter")  # submits forward, not back
    page.wait_for_url("**/kiosk/step/1")
    page.get_by_role("button", name="Back").click()
    assert page.locator("input[name=item_1]:checked").get_attribute("value") == "1"


def test_idle_tablet_warns_then_clears_itself_and_keeps_the_answers(tmp_path, new_page):
    app = demo_app(tmp_path, KIOSK_IDLE_SECONDS=6)
    with serving(app) as base_url:
        page = new_page("tablet")
        enter_code(page, base_url, issue_code(app, mrn="101502", packet="Follow-up"))
        page.get_by_role("link", name="Begin").click()
        page.locator("label.option").nth(2).click()
        page.get_by_role("button", name="Next").click()
        warning = page.get_by_role("alertdialog")
        warning.wait_for(state="visible", timeout=8000)
        assert "Are you still there?" in warning.inner_text()
        assert_accessible(page)
        screenshot(page, "kiosk-idle-warning-tablet")
        page.wait_for_url(re.compile(r".*/kiosk/\?cleared=1"), timeout=10000)
        page.get_by_text("cleared for privacy").wait_for()
        assert_accessible(page)
        screenshot(page, "kiosk-idle-cleared-tablet")
        page.go_back()
        assert "checked" not in page.content()

        # Staff issue a new code; the patient carries on where they stopped.
        carry_on_then_back_to_the_first_answer(page, base_url, app)
        assert page.locator("input[name=item_1]:checked").count() == 0
        assert saved_answers(app) == {"1": 2, "2": None}  # question 2 passed by with Back


def carry_on_then_back_to_the_first_answer(page, base_url, app) -> None:
    """With a new code, resume at question 2 and go back to question 1, answered before the
    code: kept, but not shown to whoever holds the tablet now."""
    enter_code(page, base_url, issue_code_for_latest(app))
    page.get_by_text("Welcome back").wait_for()
    page.get_by_role("link", name="Carry on").click()
    assert page.url.endswith("/kiosk/step/1")
    page.get_by_role("button", name="Back").click()
    page.get_by_text("You answered this question before").wait_for()


def saved_answers(app) -> dict:
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import DraftAnswer

    with app.app_context():
        return dict(db.session.execute(sa.select(DraftAnswer.item_id, DraftAnswer.value)).all())


def test_an_option_tapped_and_never_sent_survives_an_idle_clear_out(tmp_path, new_page):
    app = demo_app(tmp_path, KIOSK_IDLE_SECONDS=6)
    with serving(app) as base_url:
        page = new_page("tablet")
        enter_code(page, base_url, issue_code(app, mrn="101502", packet="Follow-up"))
        page.get_by_role("link", name="Begin").click()
        page.locator("label.option").nth(3).click()  # "Nearly every day", and Next is never pressed
        page.wait_for_url(re.compile(r".*/kiosk/\?cleared=1"), timeout=12000)
        assert saved_answers(app) == {"1": 3}

        carry_on_then_back_to_the_first_answer(page, base_url, app)


SUPPORT = "A member of your care team will talk with you today"


@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
def test_final_page_returns_to_the_code_screen_by_itself_and_back_shows_nothing(tmp_path, browser, javascript):
    app = demo_app(tmp_path, KIOSK_DONE_SECONDS=3)
    with serving(app) as base_url:
        context = browser.new_context(viewport=VIEWPORTS["tablet"], java_script_enabled=javascript)
        try:
            page = context.new_page()
            enter_code(page, base_url, issue_code(app, mrn="101502", packet="Follow-up"))
            page.get_by_role("link", name="Begin").click()
            while "/kiosk/step/" in page.url:
                page.locator("label.option").nth(1).click()  # "Several days": PHQ-9 item 9 endorsed
                page.get_by_role("button", name="Next").click()
                page.wait_for_load_state()
            page.get_by_role("button", name="Send my answers").click()
            page.get_by_text(SUPPORT).wait_for()
            assert page.get_by_role("link", name="Finished — hand the tablet back").count() == 1
            if javascript:
                screenshot(page, "kiosk-done-urgent-tablet")
            page.wait_for_url(f"{base_url}/kiosk/", timeout=10000)
            page.get_by_label("Your code").wait_for()
            for _ in range(3):
                page.go_back()
                page.wait_for_load_state()
                content = page.content()
                assert SUPPORT not in content
                assert "Several days" not in content
                assert "checked" not in content
                assert page.url.startswith(f"{base_url}/kiosk/")
        finally:
            context.close()


def issue_code_for_latest(app) -> str:
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import Screening
    from app.services import access_codes

    with app.app_context():
        screening = db.session.scalar(sa.select(Screening).order_by(Screening.id.desc()).limit(1))
        return access_codes.issue_access_code(
            db.session,
            screening,
            secret_key=app.config["SECRET_KEY"],
            lifetime=__import__("datetime").timedelta(minutes=5),
            created_by_id=None,
        )


def test_pages_reflow_at_320_css_pixels_without_sideways_scrolling(live_app, live_server, browser):
    """WCAG 1.4.10: 1280 px at 400 % zoom, or a 640 px tablet at 200 %, is 320 CSS pixels."""
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    try:
        enter_code(page, live_server, issue_code(live_app, mrn="100871", packet="New patient"))
        for path in ("/kiosk/welcome", "/kiosk/step/0", "/kiosk/step/18", "/kiosk/step/29", "/kiosk/review"):
            page.goto(f"{live_server}{path}")
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
    finally:
        context.close()


@pytest.mark.parametrize("viewport", ["tablet", "phone"])
def test_answers_given_before_a_new_code_are_kept_but_not_shown(tmp_path, new_page, viewport):
    app = demo_app(tmp_path)
    with serving(app) as base_url:
        page = new_page(viewport)
        enter_code(page, base_url, issue_code(app, mrn="101502", packet="Follow-up"))
        page.get_by_role("link", name="Begin").click()
        for _ in range(2):
            page.locator("label.option").nth(3).click()
            page.get_by_role("button", name="Next").click()
        page.goto(f"{base_url}/kiosk/timeout")

        enter_code(page, base_url, issue_code_for_latest(app))
        page.get_by_role("link", name="Carry on").click()
        page.get_by_role("button", name="Back").click()
        page.get_by_text("You answered this question before").wait_for()
        assert page.locator("input:checked").count() == 0
        assert_accessible(page)
        screenshot(page, f"kiosk-answered-before-{viewport}")
        page.goto(f"{base_url}/kiosk/review")
        assert page.get_by_text("Answered before this code (saved, not shown)").count() == 2
        assert page.get_by_text("Nearly every day").count() == 0
        assert_accessible(page)
        screenshot(page, f"kiosk-review-answered-before-{viewport}")
