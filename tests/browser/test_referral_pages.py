"""A clinician writes a referral twice and reads both versions; the summary being prepared
is fetched by a static script, or by a button without script. At desk, tablet and phone size."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.browser.conftest import VIEWPORTS, axe_violations, demo_app, screenshot, serving, staff_sign_in

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1280, "height": 900}, "tablet": VIEWPORTS["tablet"], "phone": VIEWPORTS["phone"]}


@pytest.fixture
def fresh_server(tmp_path):
    """A demo clinic of the test's own: referrals written here touch no other test."""
    from app import tasks

    app = demo_app(tmp_path)
    was = tasks.huey.immediate
    tasks.huey.immediate = True
    with serving(app) as url:
        yield app, url
    tasks.huey.immediate = was
    app.extensions["tallyform.engine"].dispose()


def _screening_id(app, name: str) -> int:
    from app.extensions import db
    from app.models import Patient, Screening

    with app.app_context():
        return db.session.scalar(
            sa.select(Screening.id)
            .join(Patient, Patient.id == Screening.patient_id)
            .where(Patient.name == name)
            .order_by(Screening.created_at.desc())
            .limit(1)
        )


@pytest.mark.parametrize("size", ["desktop", "tablet", "phone"])
def test_a_referral_saved_twice_shows_the_current_version_and_keeps_the_earlier_one(browser, fresh_server, size):
    app, url = fresh_server
    context = browser.new_context(viewport=SIZES[size])
    page = context.new_page()
    staff_sign_in(page, url, "clinician")
    page.goto(f"{url}/clinician/screenings/{_screening_id(app, 'James Okafor')}")

    page.get_by_label("Reason for referral").fill("Severe depressive symptoms with the safety item endorsed")
    page.get_by_label("Refer to").select_option("Behavioral Health – Dr Rivera")
    page.get_by_label("Note for the receiving clinician").fill("Seen today; safety plan made.\nPlease call this week.")
    page.get_by_role("button", name="Save referral and update the summary").click()
    assert page.get_by_text("Referral saved.").is_visible()
    # the form comes back holding what was saved
    assert page.get_by_label("Note for the receiving clinician").input_value() == (
        "Seen today; safety plan made.\nPlease call this week."
    )
    page.get_by_label("Reason for referral").fill("Severe depressive symptoms, safety item endorsed, lives alone")
    page.get_by_role("button", name="Save a new version and update the summary").click()
    page.get_by_text("Earlier versions (1)").click()
    referral = page.locator("section", has=page.get_by_role("heading", name="Referral", exact=True))
    text = referral.inner_text()
    assert "Version 2" in text
    assert "Changed: reason" in text
    assert "Severe depressive symptoms with the safety item endorsed" in text  # version 1, still readable
    headings = [h.inner_text() for h in page.locator("h2").all()]
    assert headings.index("Referral") < headings.index("Review")
    assert axe_violations(page) == []
    screenshot(page, f"referral-versions-{size}")
    context.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_a_summary_being_prepared_arrives_without_a_meta_refresh(browser, fresh_server, javascript):
    from app.extensions import db
    from app.models import ReferralDocument
    from app.services.referral_pdf import store_rendered_referral

    app, url = fresh_server
    screening_id = _screening_id(app, "Maria Alvarez")
    context = browser.new_context(viewport=SIZES["tablet"], java_script_enabled=javascript, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    staff_sign_in(page, url, "clinician")
    page.goto(f"{url}/clinician/screenings/{screening_id}")
    with app.app_context():
        # as a job the worker has not reached yet
        document = db.session.scalar(sa.select(ReferralDocument).where(ReferralDocument.screening_id == screening_id))
        document.status, document.pdf, document.sha256, document.generation = "queued", None, None, 7
        db.session.commit()
    page.goto(f"{url}/clinician/screenings/{screening_id}/referral-summary.pdf")
    assert page.get_by_text("The referral summary is being prepared.").is_visible()
    check_again = page.get_by_role("link", name="Check again")
    assert check_again.is_visible()
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    if javascript:  # axe runs as a script: the markup is the same either way
        assert axe_violations(page) == []
    screenshot(page, f"referral-preparing-{'script' if javascript else 'no-script'}")

    with page.expect_download(timeout=10_000) as download:
        with app.app_context():
            assert store_rendered_referral(db.session, screening_id, 7) == "stored"
        if not javascript:
            check_again.click()
    assert download.value.suggested_filename == f"referral-summary-{screening_id}.pdf"
    context.close()
