"""Guessing codes is slowed then refused; an idle tablet clears itself and keeps the answers."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.db import utcnow
from app.models import AccessAttempt, DraftAnswer, KioskSession, Screening
from app.services import access_codes, kiosk
from app.services.access_codes import AccessCodeError
from tests.fixtures import Tablet

TABLET = "10.0.0.5"
WRONG = "ZZZZ-ZZZZ"


def redeem(session, app, code, address=TABLET, now=None):
    return access_codes.redeem_access_code(session, code, address, secret_key=app.config["SECRET_KEY"], now=now)


def test_dropping_the_cookies_does_not_skip_the_wait(app, demo, tablet):
    for _ in range(12):
        tablet.enter_code(WRONG)
    # A tablet that throws its cookies away is still the same address.
    fresh = Tablet(app.test_client())
    response = fresh.enter_code(WRONG)
    assert response.status_code == 200
    assert "Please wait" in response.text


def test_wrong_codes_from_one_address_never_lock_out_a_valid_code(app, demo, session, start_screening):
    _id, good_code = start_screening()
    for _ in range(45):  # many tablets behind one clinic address, or someone guessing
        Tablet(app.test_client()).enter_code(WRONG)
    # Once the short wait has passed, a valid code from that address opens its screening.
    for attempt in session.scalars(sa.select(AccessAttempt)):
        attempt.at -= timedelta(seconds=60)
    session.commit()
    response = Tablet(app.test_client()).enter_code(good_code)
    assert "Too many" not in response.text
    assert response.headers.get("Location") == "/kiosk/welcome"


def test_wrong_codes_are_slowed_after_ten_and_a_valid_code_waits_at_most_the_longest_wait(
    app, demo, session, start_screening
):
    _id, good_code = start_screening()
    now = utcnow()
    for _ in range(access_codes.SLOW_AFTER):
        with pytest.raises(AccessCodeError, match="did not work"):
            redeem(session, app, WRONG, now=now)
    # The next code straight away is neither checked nor counted…
    with pytest.raises(AccessCodeError, match="Please wait 2 seconds"):
        redeem(session, app, good_code, now=now)
    # …and the waits grow with each further wrong code, up to the longest wait.
    for wait in (2, 4, 8, 10, 10):
        now += timedelta(seconds=wait)
        with pytest.raises(AccessCodeError, match="did not work"):
            redeem(session, app, WRONG, now=now)
    with pytest.raises(AccessCodeError, match=f"Please wait {access_codes.MAX_WAIT_SECONDS} seconds"):
        redeem(session, app, good_code, now=now)
    # Never a lock-out: once the wait has passed, the valid code opens its screening.
    later = now + timedelta(seconds=access_codes.MAX_WAIT_SECONDS)
    screening, _token = redeem(session, app, good_code, now=later)
    assert screening.status == "in_progress"


def test_wrong_codes_from_another_address_do_not_slow_this_one(app, demo, session, start_screening):
    _id, good_code = start_screening()
    now = utcnow()
    for _ in range(access_codes.SLOW_AFTER + 5):
        with pytest.raises(AccessCodeError):
            redeem(session, app, WRONG, address="10.9.9.9", now=now)
    assert redeem(session, app, good_code, now=now)[0].status == "in_progress"


def test_wrong_codes_older_than_the_window_count_no_more(app, demo, session, start_screening):
    _id, good_code = start_screening()
    now = utcnow()
    for _ in range(access_codes.SLOW_AFTER + 5):
        with pytest.raises(AccessCodeError):
            redeem(session, app, WRONG, now=now)
    later = now + access_codes.ATTEMPT_WINDOW + timedelta(seconds=1)
    assert access_codes.wrong_codes_from(session, TABLET, later).wait_seconds == 0
    assert redeem(session, app, good_code, now=later)[0].status == "in_progress"


def test_the_page_asks_to_wait_after_many_wrong_codes(app, demo, tablet):
    for _ in range(access_codes.SLOW_AFTER + 1):
        response = tablet.enter_code(WRONG)
    assert response.status_code == 200
    assert "Please wait" in response.text
    assert "tallyform_device" not in response.headers.get("Set-Cookie", "")


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
    idle += kiosk.last_seen_step(idle)  # the slack for a last_seen_at written at most that often
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
