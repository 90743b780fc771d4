"""Sign-in hardening, with the clock passed in (no sleeping): failures slow and then lock
an account and an address; two-factor codes; idle and absolute session limits."""

from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa

from app.db import utcnow
from app.extensions import db
from app.models import AuditEvent, StaffSession, User
from app.staff_auth import session_limits
from app.services import staff
from app.services.sign_in import (
    ACCOUNT_THROTTLE,
    ADDRESS_MAX_PAUSE,
    ADDRESS_THROTTLE,
    current_staff,
    sign_in,
    sign_in_with_code,
)
from tests.conftest import DEMO_PASSWORD, csrf_token_from

CLINICIAN = "clinician@example.com"
HERE, ELSEWHERE = "10.0.0.5", "10.9.9.9"


@pytest.fixture
def ctx(app, demo):
    with app.app_context():
        yield db.session


def _fail(session, times, now, email=CLINICIAN, address=HERE, step=timedelta(minutes=1)):
    """`times` wrong passwords, each one `step` after the last, each allowed to be checked."""
    for _ in range(times):
        outcome = sign_in(session, email, "wrong password here", address=address, now=now)
        assert outcome.retry_after is None
        assert outcome.token is None
        now += step
    return now


def test_after_three_failures_the_next_attempt_must_wait_even_with_the_right_password(ctx):
    now = _fail(ctx, ACCOUNT_THROTTLE.slow_after, utcnow(), step=timedelta(seconds=1))
    waiting = sign_in(ctx, CLINICIAN, DEMO_PASSWORD, address=HERE, now=now)
    assert waiting.token is None
    assert timedelta(0) < waiting.retry_after <= timedelta(seconds=2)
    assert sign_in(ctx, CLINICIAN, DEMO_PASSWORD, address=HERE, now=now + timedelta(seconds=3)).token


def test_ten_failures_lock_the_account_for_thirty_minutes_from_any_address(ctx):
    start = utcnow()
    now = _fail(ctx, ACCOUNT_THROTTLE.lock_after, start)
    last_failure = now - timedelta(minutes=1)
    locked = sign_in(ctx, CLINICIAN, DEMO_PASSWORD, address=ELSEWHERE, now=last_failure + timedelta(minutes=29))
    assert locked.token is None
    assert locked.retry_after == timedelta(minutes=1)
    assert sign_in(ctx, CLINICIAN, DEMO_PASSWORD, address=ELSEWHERE, now=last_failure + timedelta(minutes=30)).token
    lock_events = ctx.scalars(sa.select(AuditEvent.details).where(AuditEvent.action == "staff.sign_in_failed")).all()
    assert lock_events[-1] == {"locked_minutes": 30}


def test_unknown_and_known_addresses_get_the_same_answer_after_failures(ctx):
    now = utcnow()
    answers = []
    for email, address in ((CLINICIAN, "10.1.1.1"), ("nobody@example.com", "10.1.1.2")):
        end = _fail(ctx, ACCOUNT_THROTTLE.slow_after, now, email=email, address=address, step=timedelta(seconds=1))
        answers.append(sign_in(ctx, email, "anything at all", address="10.2.2.2", now=end).retry_after)
    assert answers[0] == answers[1]
    assert answers[0] > timedelta(0)


def test_many_failures_from_one_address_slow_every_account_tried_from_it_but_not_others(ctx):
    now = utcnow()
    for n in range(ADDRESS_THROTTLE.slow_after):
        now = _fail(ctx, 1, now, email=f"guess{n}@example.com", step=timedelta(seconds=1))
    pauses = []
    assert sign_in(ctx, "admin@example.com", DEMO_PASSWORD, address=HERE, now=now, pause=pauses.append).token
    assert 0 < pauses[0] <= ADDRESS_MAX_PAUSE.total_seconds()
    elsewhere = []
    assert sign_in(
        ctx, "clinician@example.com", DEMO_PASSWORD, address=ELSEWHERE, now=now, pause=elsewhere.append
    ).token
    assert elsewhere == []


def test_a_successful_sign_in_starts_the_count_again(ctx):
    now = _fail(ctx, ACCOUNT_THROTTLE.slow_after - 1, utcnow())
    assert sign_in(ctx, CLINICIAN, DEMO_PASSWORD, address=HERE, now=now).token
    now = _fail(ctx, ACCOUNT_THROTTLE.slow_after - 1, now + timedelta(minutes=1))
    assert sign_in(ctx, CLINICIAN, DEMO_PASSWORD, address=HERE, now=now).token


def test_the_sign_in_page_says_to_wait_after_repeated_failures(demo, auth):
    for _ in range(ACCOUNT_THROTTLE.slow_after):
        auth.sign_in(CLINICIAN, "wrong password here")
    page = auth.sign_in(CLINICIAN)
    assert page.status_code == 200
    assert "Too many failed attempts. Wait 1 minute and try again." in page.text


# Two-factor sign-in ------------------------------------------------------------------


def _enrol(session, email=CLINICIAN, now=None):
    now = now or utcnow()
    user = session.scalar(sa.select(User).where(User.email == email))
    secret = staff.start_totp_enrolment(session, user)
    staff.confirm_totp_enrolment(session, user, pyotp.TOTP(secret).at(now), now=now)
    return user, secret


def test_enrolment_takes_effect_only_after_a_correct_code(ctx):
    user = ctx.scalar(sa.select(User).where(User.email == CLINICIAN))
    secret = staff.start_totp_enrolment(ctx, user)
    now = utcnow()
    wrong = str((int(pyotp.TOTP(secret).at(now)) + 1) % 1_000_000).zfill(6)
    with pytest.raises(staff.StaffError, match="That code does not match"):
        staff.confirm_totp_enrolment(ctx, user, wrong, now=now)
    assert user.totp_secret is None
    assert sign_in(ctx, CLINICIAN, DEMO_PASSWORD, address=HERE, now=now).token
    staff.confirm_totp_enrolment(ctx, user, pyotp.TOTP(secret).at(now), now=now)
    assert user.totp_secret == secret


def test_with_two_factor_the_password_alone_opens_no_session(ctx):
    now = utcnow()
    user, secret = _enrol(ctx, now=now)
    later = now + timedelta(minutes=2)
    outcome = sign_in(ctx, CLINICIAN, DEMO_PASSWORD, address=HERE, now=later)
    assert outcome.needs_code
    assert outcome.token is None
    signed_in = sign_in_with_code(ctx, outcome.challenge, pyotp.TOTP(secret).at(later), address=HERE, now=later)
    assert signed_in.token


def _challenge(ctx, now):
    return sign_in(ctx, CLINICIAN, DEMO_PASSWORD, address=HERE, now=now).challenge


def test_a_code_is_never_accepted_twice(ctx):
    now = utcnow()
    user, secret = _enrol(ctx, now=now)
    later = now + timedelta(minutes=2)
    code = pyotp.TOTP(secret).at(later)
    assert sign_in_with_code(ctx, _challenge(ctx, later), code, address=HERE, now=later).token
    replay = sign_in_with_code(ctx, _challenge(ctx, later), code, address=HERE, now=later)
    assert replay.token is None


def test_a_challenge_is_consumed_by_the_sign_in_it_opens(ctx):
    now = utcnow()
    _user, secret = _enrol(ctx, now=now)
    later = now + timedelta(minutes=2)
    challenge = _challenge(ctx, later)
    assert sign_in_with_code(ctx, challenge, pyotp.TOTP(secret).at(later), address=HERE, now=later).token
    next_code = pyotp.TOTP(secret).at(later + timedelta(seconds=30))
    again = sign_in_with_code(ctx, challenge, next_code, address=HERE, now=later + timedelta(seconds=30))
    assert again.token is None
    assert not again.needs_code


def test_a_code_from_two_steps_ago_or_after_five_minutes_is_refused(ctx):
    now = utcnow()
    user, secret = _enrol(ctx, now=now)
    later = now + timedelta(minutes=10)
    stale_code = pyotp.TOTP(secret).at(later - timedelta(seconds=90))
    assert sign_in_with_code(ctx, _challenge(ctx, later), stale_code, address=HERE, now=later).token is None
    fresh = pyotp.TOTP(secret).at(later)
    too_slow = sign_in_with_code(ctx, _challenge(ctx, later - timedelta(minutes=6)), fresh, address=HERE, now=later)
    assert too_slow.token is None
    assert not too_slow.needs_code


def test_wrong_codes_count_towards_the_lock(ctx):
    now = utcnow()
    user, secret = _enrol(ctx, now=now)
    challenge = _challenge(ctx, now)
    for _ in range(ACCOUNT_THROTTLE.slow_after):
        now += timedelta(minutes=1)
        assert sign_in_with_code(ctx, challenge, "000000", address=HERE, now=now).needs_code
    outcome = sign_in_with_code(ctx, challenge, pyotp.TOTP(secret).at(now), address=HERE, now=now)
    assert outcome.retry_after


def test_two_factor_sign_in_through_the_pages(demo, app, client, auth):
    with app.app_context():
        _, secret = _enrol(db.session)
        db.session.execute(sa.update(User).where(User.email == CLINICIAN).values(totp_last_step=None))
        db.session.commit()
    response = auth.sign_in(CLINICIAN)
    assert response.headers["Location"] == "/auth/sign-in/code"
    assert client.get("/check-in/").status_code == 302
    page = client.get("/auth/sign-in/code")
    wrong = client.post("/auth/sign-in/code", data={"code": "12345x", "csrf_token": csrf_token_from(page.text)})
    assert "The code is 6 digits" in wrong.text
    code = pyotp.TOTP(secret).now()
    done = client.post("/auth/sign-in/code", data={"code": code, "csrf_token": csrf_token_from(page.text)})
    assert done.headers["Location"] == "/staff/"
    assert client.get("/check-in/").status_code == 200


def test_enrolment_page_shows_a_qr_code_and_the_key_without_inline_script(login_as, client, session):
    login_as("clinician")
    page = client.get("/auth/two-factor").text
    assert "<svg" in page
    assert "<script" not in page
    user = session.scalar(sa.select(User).where(User.email == CLINICIAN))
    assert user.totp_pending_secret in page
    assert user.totp_secret is None


def test_a_clinic_that_requires_two_factor_keeps_it_on_for_admins(ctx):
    user, secret = _enrol(ctx, email="admin@example.com")
    user.clinic.require_admin_totp = True
    ctx.commit()
    with pytest.raises(staff.StaffError, match="cannot be turned off"):
        staff.turn_off_totp(ctx, user, pyotp.TOTP(secret).now())
    assert user.totp_secret == secret


# Session limits ----------------------------------------------------------------------


def _session_token(ctx, now):
    return sign_in(ctx, CLINICIAN, DEMO_PASSWORD, address=HERE, now=now).token


def test_idle_session_ends_after_fifteen_minutes_but_activity_keeps_it_open(app, ctx):
    limits = session_limits()
    assert limits.idle == timedelta(minutes=15)
    start = utcnow()
    token = _session_token(ctx, start)
    assert current_staff(ctx, token, limits, now=start + timedelta(minutes=14)) is not None
    assert current_staff(ctx, token, limits, now=start + timedelta(minutes=28)) is not None
    assert current_staff(ctx, token, limits, now=start + timedelta(minutes=43, seconds=1)) is None
    ended = ctx.scalars(sa.select(StaffSession)).one()
    assert ended.ended_at is not None
    assert current_staff(ctx, token, limits, now=start + timedelta(minutes=44)) is None


def test_any_session_ends_after_twelve_hours_however_active(app, ctx):
    limits = session_limits()
    assert limits.absolute == timedelta(hours=12)
    start = utcnow()
    token = _session_token(ctx, start)
    now = start
    while now < start + timedelta(hours=11, minutes=50):
        now += timedelta(minutes=10)
        assert current_staff(ctx, token, limits, now=now) is not None
    assert current_staff(ctx, token, limits, now=start + timedelta(hours=12, seconds=1)) is None
    assert ctx.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id.desc())).first() == "staff.session_expired"


def test_idle_limit_is_configurable(demo, tmp_path, database_url):
    from app import create_app
    from tests.conftest import FAST_HASHING

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "k", "STAFF_IDLE_MINUTES": 5, **FAST_HASHING})
    with app.app_context():
        limits = session_limits()
        start = utcnow()
        token = _session_token(db.session, start)
        assert current_staff(db.session, token, limits, now=start + timedelta(minutes=5, seconds=1)) is None
    app.extensions["tallyform.engine"].dispose()


def test_behind_a_proxy_failures_are_counted_for_the_client_address(demo, database_url, session):
    from app import create_app
    from app.models import SignInFailure
    from tests.conftest import FAST_HASHING

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "k", "PROXY_HOPS": 1, **FAST_HASHING})
    client = app.test_client()
    page = client.get("/auth/sign-in")
    client.post(
        "/auth/sign-in",
        data={"email": CLINICIAN, "password": "wrong password here", "csrf_token": csrf_token_from(page.text)},
        headers={"X-Forwarded-For": "203.0.113.7"},
    )
    assert session.scalars(sa.select(SignInFailure.address)).all() == ["203.0.113.7"]
    app.extensions["tallyform.engine"].dispose()
