"""Guessing codes is slowed then refused; an idle tablet clears itself and keeps the answers."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.db import utcnow
from app.models import DraftAnswer, KioskSession, Screening
from app.services import access_codes
from app.services.access_codes import AccessCodeError, Device

TABLET = Device(cookie_id="tablet-1", address="10.0.0.5")
WRONG = "ZZZZ-ZZZZ"


def redeem(session, app, code, device=TABLET, now=None):
    return access_codes.redeem_access_code(session, code, device, secret_key=app.config["SECRET_KEY"], now=now)


def test_wrong_codes_are_slowed_after_three_then_refused_after_ten(app, demo, session, start_screening):
    _id, good_code = start_screening()
    now = utcnow()
    for _ in range(access_codes.SLOW_AFTER):
        with pytest.raises(AccessCodeError, match="did not work"):
            redeem(session, app, WRONG, now=now)
    # The next try straight away is refused without even looking at the code…
    with pytest.raises(AccessCodeError, match="Please wait 5 seconds"):
        redeem(session, app, good_code, now=now)
    # …and is allowed once the wait has passed.
    now += timedelta(seconds=6)
    for _ in range(access_codes.DEVICE_LOCK_AFTER - access_codes.SLOW_AFTER):
        with pytest.raises(AccessCodeError, match="did not work"):
            redeem(session, app, WRONG, now=now)
        now += timedelta(minutes=1)
    with pytest.raises(AccessCodeError, match="Too many codes"):
        redeem(session, app, good_code, now=now)
    # A different tablet at the same address is not locked out by this one.
    other_tablet = Device(cookie_id="tablet-2", address="10.0.0.5")
    screening, _token = redeem(session, app, good_code, device=other_tablet, now=now)
    assert screening.status == "in_progress"


def test_lock_out_ends_when_the_window_has_passed(app, demo, session, start_screening):
    _id, good_code = start_screening()
    now = utcnow()
    for step in range(access_codes.DEVICE_LOCK_AFTER):
        with pytest.raises(AccessCodeError):
            redeem(session, app, WRONG, now=now + timedelta(minutes=step))
    later = now + timedelta(minutes=access_codes.DEVICE_LOCK_AFTER) + access_codes.ATTEMPT_WINDOW
    screening, _token = redeem(session, app, good_code, now=later)
    assert screening.status == "in_progress"


def test_lock_out_through_the_page_says_to_ask_the_front_desk(app, demo, tablet):
    for _ in range(access_codes.DEVICE_LOCK_AFTER + 4):
        response = tablet.enter_code(WRONG)
    assert response.status_code == 200
    assert "Please wait" in response.text or "Too many codes" in response.text


def test_a_new_code_revokes_the_earlier_unused_one(app, demo, session, start_screening):
    screening_id, first = start_screening()
    with app.app_context():
        second = access_codes.issue_access_code(
            session,
            session.get(Screening, screening_id),
            secret_key=app.config["SECRET_KEY"],
            lifetime=timedelta(minutes=30),
            created_by_id=None,
        )
    with pytest.raises(AccessCodeError, match="did not work"):
        redeem(session, app, first)
    assert redeem(session, app, second)[0].id == screening_id


def test_idle_kiosk_session_ends_and_keeps_the_saved_answers(app, demo, session, start_screening, tablet):
    screening_id, code = start_screening()
    tablet.enter_code(code)
    tablet.answer(0, 2)
    idle = timedelta(seconds=app.config["KIOSK_IDLE_SECONDS"])
    session.execute(sa.update(KioskSession).values(last_seen_at=utcnow() - idle - timedelta(seconds=1)))
    session.commit()
    response = tablet.step(1)
    assert response.headers["Location"].startswith("/kiosk/?cleared=1")
    session.expire_all()
    ended = session.scalars(sa.select(KioskSession)).one()
    assert ended.end_reason == "idle"
    assert session.scalar(sa.select(DraftAnswer.value).where(DraftAnswer.screening_id == screening_id)) == 2


def test_idle_page_refreshes_to_the_timeout_and_the_timeout_forgets(app, demo, start_screening, tablet):
    _id, code = start_screening()
    tablet.enter_code(code)
    page = tablet.step(0)
    assert page.headers["Refresh"] == f"{app.config['KIOSK_IDLE_SECONDS']}; url=/kiosk/timeout"
    cleared = tablet.client.get("/kiosk/timeout")
    assert cleared.headers["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert tablet.step(0).headers["Location"].startswith("/kiosk/?cleared=1")
    assert "cleared for privacy" in tablet.client.get("/kiosk/?cleared=1").text


def test_start_screening_command_prints_a_code_that_opens_the_tablet(app, demo, runner, tablet):
    result = runner.invoke(
        args=["start-screening", "--clinic", "riverside", "--mrn", "103377", "--packet", "Follow-up"]
    )
    assert result.exit_code == 0, result.output
    code = result.stdout.strip()
    assert len(code) == 9
    assert code[4] == "-"
    assert set(code.replace("-", "")) <= set(access_codes.ALPHABET)
    assert tablet.enter_code(code).headers["Location"] == "/kiosk/welcome"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--clinic", "nowhere", "--mrn", "103377", "--packet", "Follow-up"], "no clinic"),
        (["--clinic", "riverside", "--mrn", "999", "--packet", "Follow-up"], "no patient"),
        (["--clinic", "riverside", "--mrn", "103377", "--packet", "Annual"], "no active packet"),
    ],
)
def test_start_screening_command_refuses_bad_input_in_one_line(demo, runner, args, words):
    result = runner.invoke(args=["start-screening", *args])
    assert result.exit_code == 1
    assert words in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
