"""On the tablet: two-step packets (PHQ-2 → PHQ-9, PC-PTSD-5 → PCL-5) on their positive and
negative paths, with the question count, review and Back across the step; the introduction
before sensitive sections and an ACE item with alternatives; and the clinician recording the
ACE-associated health condition. Screenshots land in artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.browser.conftest import axe_violations, issue_code, screenshot, staff_sign_in

pytestmark = pytest.mark.browser
QUESTION = re.compile(r"Question (\d+) of (\d+)")


def packet(app, name: str, instrument_ids: list[str], follow_ups: dict[str, str] | None = None) -> str:
    """The demo clinic's packet, made once as an admin would."""
    from app.extensions import db, instruments
    from app.models import Clinic, Packet, User
    from app.services import clinics, packets

    with app.app_context():
        if db.session.scalar(sa.select(Packet).where(Packet.name == name)) is None:
            clinic = db.session.scalar(sa.select(Clinic))
            made = clinics.save_packet(db.session, instruments(), clinic, name, instrument_ids)
            admin = db.session.scalar(sa.select(User).where(User.email == "admin@example.com"))
            for follow_up, after in (follow_ups or {}).items():
                packets.set_follow_up(db.session, instruments(), admin, made, follow_up, after)
    return name


def two_step(app) -> str:
    return packet(app, "Two step", ["phq2", "phq9", "pcptsd5", "pcl5"], {"phq9": "phq2", "pcl5": "pcptsd5"})


def start(page, base_url, code):
    page.goto(f"{base_url}/kiosk/")
    page.get_by_label("Your code").fill(code)
    page.get_by_role("button", name="Start").click()
    page.get_by_role("link", name="Begin").click()


def progress(page) -> tuple[int, int] | None:
    found = QUESTION.search(page.locator("main").inner_text())
    return (int(found.group(1)), int(found.group(2))) if found else None


def answer(page, label: str | None):
    if label is not None:
        page.locator("label.option", has_text=re.compile(f"^{re.escape(label)}$")).click()
    page.get_by_role("button", name="Next").click()
    page.wait_for_load_state()


def test_positive_path_adds_both_follow_ups_and_back_crosses_the_step(live_app, live_server, new_page):
    page = new_page("tablet")
    start(page, live_server, issue_code(live_app, packet=two_step(live_app)))
    seen = []

    answer(page, "More than half the days")  # PHQ-2 item 1 = 2
    assert progress(page) == (2, 8)
    answer(page, "Several days")  # item 2 = 1: PHQ-2 3, positive
    assert progress(page) == (3, 16)  # PHQ-9 added, items 1–2 not asked again
    assert "Trouble falling or staying asleep" in page.locator("h1").inner_text()
    assert axe_violations(page) == []
    screenshot(page, "two-step-1-phq9-added-tablet")

    page.get_by_role("button", name="Back").click()  # back across the step: PHQ-2 item 2, answer kept
    assert progress(page) == (2, 16)
    assert page.get_by_label("Several days").is_checked()
    page.get_by_role("button", name="Next").click()

    while "/kiosk/step/" in page.url:
        place = progress(page)
        heading = page.locator("h1").inner_text()
        if place is None:  # an introduction or instructions screen
            seen.append(heading)
            answer(page, None)
            continue
        seen.append(place)
        if place[0] == 21:
            screenshot(page, "two-step-2-pcl5-added-tablet")
        options = page.locator("label.option").all_inner_texts()
        # PC-PTSD-5: Yes throughout (5, at or above the cut-off of 4); otherwise the first option
        answer(page, "Yes" if "Yes" in options else options[0])
    numbers = [place for place in seen if isinstance(place, tuple)]
    assert numbers[-1] == (36, 36)  # 2 + 8 + 6 + 20
    assert [n for n, _m in numbers] == list(range(3, 37))
    assert "Frightening or upsetting events" in seen  # the care introduction came first
    assert page.url.endswith("/kiosk/review")
    review = page.locator("main").inner_text()
    assert "36." in review
    assert "Little interest or pleasure in doing things" in review  # asked once, under the PHQ-2
    assert review.count("Little interest or pleasure in doing things") == 1
    assert axe_violations(page) == []
    screenshot(page, "two-step-3-review-positive-tablet")


def test_negative_path_asks_neither_follow_up(live_app, live_server, new_page):
    page = new_page("phone")
    start(page, live_server, issue_code(live_app, packet=two_step(live_app)))

    answer(page, "Not at all")
    answer(page, "Several days")  # PHQ-2 1: negative
    assert page.locator("h1").inner_text() == "Frightening or upsetting events"  # the introduction
    assert axe_violations(page) == []
    screenshot(page, "care-1-introduction-phone")
    answer(page, None)
    assert "a serious accident or fire" in page.locator("main").inner_text()  # the PC-PTSD-5 preamble
    answer(page, None)
    assert progress(page) == (3, 8)
    answer(page, "No")  # exposure No: the five items and PCL-5 are not asked

    assert page.url.endswith("/kiosk/review")
    review = page.locator("main").inner_text()
    assert "3. Have you ever experienced this kind of event?" in review
    assert "4." not in review
    assert axe_violations(page) == []
    screenshot(page, "two-step-4-review-negative-phone")
    page.get_by_role("button", name="Send my answers").click()
    assert page.url.endswith("/kiosk/done")


@pytest.mark.parametrize("viewport", ["tablet", "phone"])
def test_introduction_and_ace_item_with_alternatives(live_app, live_server, new_page, viewport):
    page = new_page(viewport)
    start(page, live_server, issue_code(live_app, packet=packet(live_app, "ACE only", ["ace"])))

    assert page.locator("h1").inner_text() == "Your childhood"
    assert "You can skip any question" in page.locator("main").inner_text()
    assert axe_violations(page) == []
    screenshot(page, f"care-2-introduction-{viewport}")
    answer(page, None)
    lines = page.locator("h1 .line").all_inner_texts()
    assert lines == [
        "Did a parent or other adult in the household often or very often…",
        "Swear at you, insult you, put you down, or humiliate you?",
        "or",
        "Act in a way that made you afraid that you might be physically hurt?",
    ]
    assert axe_violations(page) == []
    screenshot(page, f"care-3-ace-item-alternatives-{viewport}")


def test_clinician_records_aahc_and_the_tier_appears(live_app, live_server, new_page):
    from datetime import UTC, datetime, timedelta

    from app.extensions import db, instruments
    from app.models import Patient, Screening
    from app.services.screenings import complete_screening, create_screening

    with live_app.app_context():
        patient = db.session.scalar(sa.select(Patient).where(Patient.mrn == "103377"))
        from app.models import Packet

        chosen = db.session.scalar(sa.select(Packet).where(Packet.name == "New patient"))
        screening = create_screening(db.session, patient, chosen, created_by_id=None, registry=instruments())
        complete_screening(
            db.session,
            instruments(),
            screening,
            {"aceaware": {"1": 1, "2": 1, "3": 0, "4": 0, "5": 0, "6": 0, "7": 0, "8": 0, "9": 0, "10": 0}},
            submitted_at=datetime.now(UTC),
            queue_referral=False,
        )
        screening_id = db.session.get(Screening, screening.id).id
    page = new_page("tablet")
    staff_sign_in(page, live_server, "clinician")
    page.goto(f"{live_server}/clinician/screenings/{screening_id}")
    page.get_by_label("Does the patient have an ACE-associated health condition?").select_option("yes")
    page.get_by_role("button", name="Save and update the tier").click()

    section = page.locator("section", has_text="ACE-associated health condition (ACEs Aware ACE)").first
    assert "Recorded: Yes, by Dr Sam Patel" in section.inner_text()
    assert "Tier: Intermediate risk" in section.inner_text()
    assert axe_violations(page) == []
    section.scroll_into_view_if_needed()
    screenshot(page, "aahc-1-screening-page-tablet")
    today = datetime.now(UTC).date()  # today's worklist: the demo clinic's history fills the first page
    page.goto(f"{live_server}/clinician/?date_from={today - timedelta(days=1)}&date_to={today + timedelta(days=1)}")
    assert "2 Intermediate risk" in " ".join(page.locator("main").inner_text().split())
    screenshot(page, "aahc-2-worklist-tablet")
