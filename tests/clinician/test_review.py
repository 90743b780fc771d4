"""Review status, acknowledging a safety flag, and the referral a clinician writes."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa
from pypdf import PdfReader

from app.models import AuditEvent, Clinic, ReferralDocument, ScreeningReview
from tests.fixtures import latest_screening_id, page_text, post_form


def _page(session, name: str) -> str:
    return f"/clinician/screenings/{latest_screening_id(session, name)}"


def _review(session, page: str) -> ScreeningReview | None:
    session.expire_all()
    return session.scalar(sa.select(ScreeningReview).where(ScreeningReview.screening_id == int(page.rsplit("/", 1)[1])))


def _actions(session, page: str) -> list[str]:
    target = page.rsplit("/", 1)[1]
    return list(
        session.scalars(sa.select(AuditEvent.action).where(AuditEvent.target_id == target).order_by(AuditEvent.id))
    )


def test_status_change_records_who_and_when_in_the_page_and_the_audit_trail(login_as, client, session):
    login_as("clinician")
    page = _page(session, "Maria Alvarez")
    response = post_form(client, page, {"status": "no_action"}, url=f"{page}/status")
    assert response.status_code == 302
    assert response.headers["Location"] == page
    review = _review(session, page)
    assert review.status == "no_action"
    assert review.status_at is not None
    assert "Status: No action needed , set by Dr Sam Patel" in page_text(client.get(page).text)
    assert "screening.review_status" in _actions(session, page)


def _status_refused(client, page: str, status: str, reason: str) -> None:
    refused = post_form(client, page, {"status": status}, url=f"{page}/status")
    assert refused.status_code == 400
    assert reason in refused.text


def test_an_urgent_screening_cannot_be_closed_before_its_flag_is_acknowledged(login_as, client, session):
    login_as("clinician")
    page = _page(session, "James Okafor")
    _status_refused(client, page, "reviewed", "Acknowledge the safety flag first")
    unchanged = _review(session, page)  # added, untouched, when the screening reached the worklist
    assert (unchanged.status, unchanged.status_by_id) == ("needs_review", None)

    unticked = post_form(client, page, {}, url=f"{page}/acknowledge")
    assert unticked.status_code == 400
    assert "Tick the box to confirm you have seen the safety answer." in unticked.text

    assert post_form(client, page, {"confirm": "y"}, url=f"{page}/acknowledge").status_code == 302
    assert post_form(client, page, {"status": "reviewed"}, url=f"{page}/status").status_code == 302
    review = _review(session, page)
    assert review.urgent_acknowledged_at is not None
    assert review.status == "reviewed"
    actions = _actions(session, page)
    assert actions.index("screening.urgent_acknowledged") < actions.index("screening.review_status")
    assert "Acknowledged by Dr Sam Patel" in page_text(client.get(page).text)


def test_referred_needs_a_saved_destination(login_as, client, session):
    login_as("clinician")
    page = _page(session, "Maria Alvarez")
    _status_refused(
        client, page, "referred", "Save the referral with its destination before marking the screening referred."
    )


def test_saving_a_referral_renders_the_summary_again_with_the_note(login_as, client, session, demo):
    session.get(Clinic, demo).referral_destinations = ["Behavioral Health – Dr Rivera", "Community Counselling"]
    session.commit()
    login_as("clinician")
    page = _page(session, "James Okafor")
    client.get(page)  # the first opening queues and (in tests, at once) renders the summary
    before = session.scalar(
        sa.select(ReferralDocument).where(ReferralDocument.screening_id == int(page.rsplit("/", 1)[1]))
    )
    assert before.status == "ready"
    generation, sha256 = before.generation, before.sha256

    saved = post_form(
        client,
        page,
        {
            "reason": "Moderate-to-severe symptoms with the safety item endorsed",
            "destination": "Behavioral Health – Dr Rivera",
            "note": "Seen today; safety plan made. Please offer an appointment this week.",
        },
        url=f"{page}/referral",
    )
    assert saved.status_code == 302
    session.expire_all()
    after = session.get(ReferralDocument, before.id)
    assert after.generation == generation + 1
    assert after.status == "ready"
    assert after.sha256 != sha256
    pdf = client.get(f"{page}/referral-summary.pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Behavioral Health – Dr Rivera" in text
    assert "safety plan made" in text
    assert post_form(client, page, {"confirm": "y"}, url=f"{page}/acknowledge").status_code == 302
    assert post_form(client, page, {"status": "referred"}, url=f"{page}/status").status_code == 302


def test_a_destination_outside_the_clinics_list_is_refused(login_as, client, session, demo):
    session.get(Clinic, demo).referral_destinations = ["Community Counselling"]
    session.commit()
    login_as("clinician")
    page = _page(session, "Maria Alvarez")
    refused = post_form(
        client,
        page,
        {"reason": "x", "destination": "Somewhere else", "note": ""},
        url=f"{page}/referral",
    )
    assert refused.status_code == 400
    assert "Not a valid choice" in refused.text or "Choose a destination" in refused.text
    unchanged = _review(session, page)
    assert (unchanged.referral_destination, unchanged.referral_reason, unchanged.referral_by_id) == (None, None, None)


def test_acknowledgement_line_ends_without_a_stray_space(login_as, client, session):
    login_as("clinician")
    page = f"/clinician/screenings/{latest_screening_id(session, 'James Okafor')}"
    assert post_form(client, page, {"confirm": "y"}, url=f"{page}/acknowledge").status_code == 302
    html = client.get(page).text
    line = re.search(r"Acknowledged by Dr Sam Patel, \d\d \w{3} \d{4}, \d\d:\d\d[^<]*</p>", html).group(0)
    assert re.search(r"\d\d:\d\d(, [^<]*\S)?\.</p>$", line), line  # no space before a comma or the full stop
