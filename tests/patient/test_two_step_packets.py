"""Two-step packets on the tablet: a follow-up instrument is asked only when the earlier result
in the same sitting reaches the clinic's threshold (PHQ-2 of 3 or more → PHQ-9, instruments.md
Decision 2; PC-PTSD-5 at the clinic's cut-off of 4 or more → PCL-5, instruments-2.md §3). PHQ-9
items 1–2 are the PHQ-2 items and are not asked again; the PHQ-9 response reuses them and is one
complete PHQ-9 pinned to its own version."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.db import utcnow
from app.extensions import db
from app.models import Clinic, Patient, Response, Screening, User
from app.patient.flow import build_steps
from app.reports.render import render_referral
from app.services import clinics, packets, screenings
from app.services.kiosk import draft_answers
from tests.fixtures import issue_code

PACKET = ["phq2", "phq9", "pcptsd5", "pcl5"]
PROGRESS = re.compile(r"Question (\d+) of (\d+)")


@pytest.fixture
def two_step(app, demo, session, registry):
    """A packet PHQ-2 → PHQ-9, PC-PTSD-5 → PCL-5, set up as an admin would; returns a starter."""
    with app.app_context():
        clinic = session.get(Clinic, demo)
        packet = packets.save_packet(session, registry, clinic, "Two step", PACKET)
        admin = session.scalar(sa.select(User).where(User.email == "admin@example.com"))
        packets.set_follow_up(session, registry, admin, packet, "phq9", "phq2")
        packets.set_follow_up(session, registry, admin, packet, "pcl5", "pcptsd5")

    def start():
        patient = session.scalar(sa.select(Patient).where(Patient.mrn == "103377"))
        with app.app_context():
            screening = screenings.create_screening(session, patient, packet, created_by_id=None, registry=registry)
            code = issue_code(app, session, screening)
        return screening.id, code

    return start


def walk(tablet, session, registry, screening_id: int, plan: dict[str, dict[str, int | None]]):
    """Answer screen after screen as the patient would, following the tablet's own redirects;
    returns the "Question N of M" labels seen."""
    seen = []
    index = 0
    while True:
        page = tablet.step(index)
        if page.status_code == 404:
            break
        label = PROGRESS.search(page.text)
        screening = session.get(Screening, screening_id)
        session.expire_all()
        steps = build_steps(
            registry, screening.instrument_ids, [], draft_answers(session, screening_id), screening.follow_ups
        )
        step = steps[index]
        value = plan.get(step.instrument_id, {}).get(step.item_id) if step.kind == "item" else None
        if label:
            seen.append((step.instrument_id, step.item_id, int(label.group(1)), int(label.group(2))))
        response = tablet.answer(index, value)
        location = response.headers["Location"]
        if location.endswith("/kiosk/review"):
            break
        index = int(location.rsplit("/", 1)[1])
    return seen


def stored(session, screening_id):
    session.expire_all()
    return {
        r.instrument_id: r for r in session.scalars(sa.select(Response).where(Response.screening_id == screening_id))
    }


PHQ9_REST = {"3": 1, "4": 1, "5": 0, "6": 0, "7": 0, "8": 0, "9": 0, "10": 1}


def test_positive_screeners_lead_on_to_both_follow_ups_with_honest_counts(app, two_step, tablet, session, registry):
    screening_id, code = two_step()
    tablet.enter_code(code)
    plan = {
        "phq2": {"1": 2, "2": 1},  # 3: positive
        "phq9": PHQ9_REST,
        "pcptsd5": {"exposure": 1, "1": 1, "2": 1, "3": 1, "4": 1, "5": 0},  # 4: at the default cut-off
        "pcl5": {str(n): 1 for n in range(1, 21)},
    }

    seen = walk(tablet, session, registry, screening_id, plan)

    asked = [(iid, item) for iid, item, _n, _m in seen]
    assert [item for iid, item in asked if iid == "phq9"] == ["3", "4", "5", "6", "7", "8", "9", "10"]
    assert len([1 for iid, _ in asked if iid == "pcl5"]) == 20
    # The count is of the questions the answers so far lead to, and grows with the packet.
    assert seen[0][2:] == (1, 8)  # PHQ-2 item 1: 2 PHQ-2 items + the PC-PTSD-5's 6
    assert seen[2][2:] == (3, 16)  # PHQ-9 item 3 once PHQ-2 is positive: 2 + 8 + 6
    assert seen[-1][2:] == (36, 36)  # PCL-5 item 20: 2 + 8 + 6 + 20
    assert [n for _i, _t, n, _m in seen] == list(range(1, 37))
    assert tablet.submit().headers["Location"] == "/kiosk/done"
    responses = stored(session, screening_id)
    assert set(responses) == set(PACKET)
    phq9 = responses["phq9"]
    assert (phq9.answers["1"], phq9.answers["2"]) == (2, 1)  # carried over from PHQ-2
    assert (phq9.total, phq9.is_complete) == (5, True)  # 2+1+1+1
    assert phq9.instrument_version == registry["phq9"].version
    assert (responses["pcptsd5"].total, responses["pcl5"].total) == (4, 20)
    with app.app_context():
        pdf = render_referral(db.session, screening_id, generated_at=utcnow()).pdf
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "PHQ-9 asked: PHQ-2 total 3, at or above the threshold of 3." in text
    assert "PCL-5 asked: PC-PTSD-5 total 4, at or above the threshold of 4." in text


def test_negative_screeners_ask_no_follow_up_and_exposure_no_skips_the_five_items(
    two_step, tablet, session, registry, client, login_as
):
    screening_id, code = two_step()
    tablet.enter_code(code)
    plan = {"phq2": {"1": 1, "2": 1}, "pcptsd5": {"exposure": 0}}  # PHQ-2 2: negative; no exposure

    seen = walk(tablet, session, registry, screening_id, plan)

    assert [(iid, item, n, m) for iid, item, n, m in seen] == [
        ("phq2", "1", 1, 8),
        ("phq2", "2", 2, 8),  # 2 + 6: PHQ-9 is not added by a negative PHQ-2
        ("pcptsd5", "exposure", 3, 8),
    ]
    tablet.submit()
    responses = stored(session, screening_id)
    assert set(responses) == {"phq2", "pcptsd5"}
    assert (responses["pcptsd5"].total, responses["pcptsd5"].is_complete) == (0, True)

    login_as("clinician")
    page = client.get(f"/clinician/screenings/{screening_id}").text
    assert "PHQ-9 not asked: PHQ-2 total 2, below the threshold of 3." in page
    assert "PCL-5 not asked: PC-PTSD-5 total 0, below the threshold of 4." in page
    # these days' worklist: the demo clinic's generated history fills the first page
    today = datetime.now(UTC).date()
    days = f"date_from={today - timedelta(days=1)}&date_to={today + timedelta(days=1)}"
    assert "PHQ-9 not asked: PHQ-2 total 2" in client.get(f"/clinician/?{days}").text


def test_turning_the_screener_negative_takes_the_follow_up_out_again(two_step, tablet, session, registry):
    screening_id, code = two_step()
    tablet.enter_code(code)
    walk(
        tablet,
        session,
        registry,
        screening_id,
        {"phq2": {"1": 3, "2": 3}, "phq9": PHQ9_REST, "pcptsd5": {"exposure": 0}},
    )
    review = tablet.client.get("/kiosk/review").text
    assert "Feeling tired or having little energy" in review  # PHQ-9 item 4 asked

    tablet.answer(1, 0, nav="review")  # PHQ-2 item 2 changed from the review page: total 3 → 3+0 = 3, still positive
    tablet.answer(0, 0, nav="review")  # item 1 → 0: total 0, negative

    review = tablet.client.get("/kiosk/review").text
    assert "Feeling tired or having little energy" not in review
    words = " ".join(re.sub(r"<[^>]+>", " ", review).split())
    assert "3. Have you ever experienced this kind of event?" in words  # the exposure question is now 3rd
    tablet.submit()
    assert set(stored(session, screening_id)) == {"phq2", "pcptsd5"}


def test_back_from_the_first_follow_up_question_returns_to_the_screener(two_step, tablet, session, registry):
    screening_id, code = two_step()
    tablet.enter_code(code)
    tablet.answer(0, 2)
    tablet.answer(1, 2)  # 4: positive; PHQ-9 item 3 is the next screen
    page = tablet.step(2).text
    assert "Trouble falling or staying asleep" in page
    assert "Question 3 of 16" in page

    back = tablet.answer(2, None, nav="back")

    assert back.headers["Location"] == "/kiosk/step/1"
    assert tablet.chosen(1) == 2


def test_a_follow_up_needs_an_earlier_instrument_with_a_threshold(app, demo, session, registry):
    with app.app_context():
        clinic = session.get(Clinic, demo)
        packet = packets.save_packet(session, registry, clinic, "Wrong order", ["phq9", "phq2"])
        admin = session.scalar(sa.select(User).where(User.email == "admin@example.com"))
        with pytest.raises(clinics.ClinicError, match="comes earlier in the packet"):
            packets.set_follow_up(session, registry, admin, packet, "phq9", "phq2")
        with pytest.raises(clinics.ClinicError, match="has a threshold"):
            packets.set_follow_up(session, registry, admin, packet, "phq2", "pss10")


def test_moving_the_follow_up_before_its_screener_drops_the_rule(app, demo, session, registry):

    with app.app_context():
        clinic = session.get(Clinic, demo)
        packet = packets.save_packet(session, registry, clinic, "Reordered", ["phq2", "phq9"])
        admin = session.scalar(sa.select(User).where(User.email == "admin@example.com"))
        packets.set_follow_up(session, registry, admin, packet, "phq9", "phq2")
        assert packet.follow_ups == {"phq9": "phq2"}

        packets.move_in_packet(session, registry, admin, packet, "phq9", -1)

        assert packet.follow_ups == {}


def test_a_packet_with_clinic_questions_and_a_follow_up_decides_on_the_instruments_alone(registry):
    from app.services.clinic_answers import CLINIC_QUESTIONS_ID

    sitting = Screening(
        instrument_ids=["phq2", "phq9", CLINIC_QUESTIONS_ID],
        follow_ups={"phq9": {"after": "phq2", "at_least": 3, "titles": {"phq9": "PHQ-9", "phq2": "PHQ-2"}}},
    )

    decisions = screenings.decide_follow_ups(registry, sitting, {"phq2": {"1": 2, "2": 1}})

    assert decisions["phq9"].is_asked  # 2 + 1 = 3, at the threshold
    assert decisions["phq9"].carried == {"1": "1", "2": "2"}


def test_a_screener_is_read_against_the_threshold_its_sitting_started_with(app, two_step, session, registry):
    """A cut-off changed during a sitting changes neither whether the follow-up is asked nor
    the screener's band: both use the threshold the screening was started with."""
    from app.services.clinic_settings import save_instrument_setting

    screening_id, _code = two_step()  # PC-PTSD-5 → PCL-5 at the default cut-off of 4
    with app.app_context():
        admin = session.scalar(sa.select(User).where(User.email == "admin@example.com"))
        save_instrument_setting(session, registry, admin, "pcptsd5", is_enabled=True, referral_threshold=3)
        screening = session.get(Screening, screening_id)
        screening.status = "in_progress"
        three_yes = {"exposure": 1, "1": 1, "2": 1, "3": 1, "4": 0, "5": 0}
        screenings.complete_screening(session, registry, screening, {"phq2": {"1": 0, "2": 0}, "pcptsd5": three_yes})

    responses = stored(session, screening_id)
    assert "pcl5" not in responses  # 3 is below the sitting's threshold of 4
    assert (responses["pcptsd5"].total, responses["pcptsd5"].band, responses["pcptsd5"].score["cut_off"]) == (
        3,
        "negative",
        4,
    )


def test_an_item_9_answer_stays_with_the_screening_when_the_screener_turns_negative(
    app, two_step, tablet, session, registry, client, login_as
):
    """A patient who endorses PHQ-9 item 9 and then changes the PHQ-2 to negative has still told
    us something a clinician must read: the flag stays raised, and the answer that raised it is
    stored with the response, in the wording seen, rather than dropped with the unasked follow-up."""
    screening_id, code = two_step()
    tablet.enter_code(code)
    endorsed = PHQ9_REST | {"9": 2}  # item 9: "More than half the days"
    plan = {"phq2": {"1": 3, "2": 3}, "phq9": endorsed, "pcptsd5": {"exposure": 0}}
    walk(tablet, session, registry, screening_id, plan)
    tablet.answer(0, 0, nav="review")
    tablet.answer(1, 0, nav="review")  # PHQ-2 total 0: PHQ-9 is no longer asked

    tablet.submit()

    screening = session.get(Screening, screening_id)
    assert screening.is_urgent
    responses = stored(session, screening_id)
    assert set(responses) == {"phq2", "phq9", "pcptsd5"}
    phq9 = responses["phq9"]
    assert phq9.answers["9"] == 2
    assert phq9.is_urgent
    assert (phq9.total, phq9.is_complete, phq9.band) == (None, False, None)  # no total from a part of the items
    login_as("clinician")
    page = " ".join(re.sub(r"<[^>]+>", " ", client.get(f"/clinician/screenings/{screening_id}").text).split())
    assert "Thoughts that you would be better off dead" in page
    assert "PHQ-9 not asked: PHQ-2 total 0, below the threshold of 3." in page
    with app.app_context():
        pdf = render_referral(db.session, screening_id, generated_at=utcnow()).pdf
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "better off dead" in text
