"""Sign-in holes once open: a replayed half-signed cookie, an address locking out correct
passwords, unthrottled invalid API tokens, no HSTS."""

from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa

from app.db import utcnow
from app.extensions import db
from app.models import StaffSession, User
from app.services import staff
from app.services.sign_in import ADDRESS_THROTTLE, sign_in
from tests.conftest import DEMO_PASSWORD, csrf_token_from

CLINICIAN = "clinician@example.com"
COOKIE = "tallyform_session"


def _enrol(app, email=CLINICIAN) -> str:
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        secret = staff.start_totp_enrolment(db.session, user)
        earlier = utcnow() - timedelta(minutes=3)
        staff.confirm_totp_enrolment(db.session, user, pyotp.TOTP(secret).at(earlier), now=earlier)
        return secret


def test_the_cookie_kept_after_the_password_step_cannot_be_replayed(app, demo, client, auth, session):
    secret = _enrol(app)
    assert auth.sign_in(CLINICIAN).headers["Location"] == "/auth/sign-in/code"
    half_signed = client.get_cookie(COOKIE).value
    page = client.get("/auth/sign-in/code")
    now = utcnow()
    done = client.post(
        "/auth/sign-in/code", data={"code": pyotp.TOTP(secret).at(now), "csrf_token": csrf_token_from(page.text)}
    )
    assert done.headers["Location"] == "/staff/"

    attacker = app.test_client()
    attacker.set_cookie(COOKIE, half_signed)
    page = attacker.get("/auth/sign-in/code")
    if page.status_code == 200:
        replay = attacker.post(
            "/auth/sign-in/code",
            data={"code": pyotp.TOTP(secret).at(now + timedelta(seconds=30)), "csrf_token": csrf_token_from(page.text)},
        )
        assert replay.status_code != 302 or replay.headers["Location"].startswith("/auth/sign-in")
    assert attacker.get("/check-in/").status_code == 302
    assert session.scalar(sa.select(sa.func.count()).select_from(StaffSession)) == 1


def test_failures_from_an_address_slow_it_but_never_refuse_a_correct_password(app, demo):
    with app.app_context():
        now = utcnow()
        pauses = []
        for n in range(ADDRESS_THROTTLE.lock_after + 5):
            wrong = f"guess{n}@example.com"
            sign_in(db.session, wrong, "wrong password here", address="10.0.0.5", now=now, pause=pauses.append)
        outcome = sign_in(
            db.session, "admin@example.com", DEMO_PASSWORD, address="10.0.0.5", now=now, pause=pauses.append
        )
        assert outcome.token
        assert outcome.retry_after is None
        assert 0 < max(pauses) <= 2


def test_invalid_api_tokens_are_rate_limited_per_address(app, demo, client):
    statuses = [
        client.get("/api/screenings", headers={"Authorization": f"Bearer tfk_wrong{n}"}).status_code for n in range(40)
    ]
    assert statuses[0] == 401
    assert statuses[-1] == 429
    other_address = client.get(
        "/api/screenings", headers={"Authorization": "Bearer tfk_wrong"}, environ_base={"REMOTE_ADDR": "10.1.1.1"}
    )
    assert other_address.status_code == 401


def test_strict_transport_security_is_sent_when_cookies_are_secure(database_url, demo):
    from app import create_app

    secure = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "k", "SESSION_COOKIE_SECURE": True})
    plain = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "k", "SESSION_COOKIE_SECURE": False})
    try:
        hsts = secure.test_client().get("/auth/sign-in", base_url="https://localhost").headers
        assert hsts["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert "Strict-Transport-Security" not in plain.test_client().get("/auth/sign-in").headers
    finally:
        secure.extensions["tallyform.engine"].dispose()
        plain.extensions["tallyform.engine"].dispose()


def _stored_totp(database_url: str) -> str:
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        stored = connection.scalar(sa.text("SELECT totp_secret FROM staff_user WHERE email = :e"), {"e": CLINICIAN})
    engine.dispose()
    return stored


def test_totp_secrets_are_encrypted_at_rest_and_the_key_rotates_by_command(app, demo, database_url):
    from cryptography.fernet import Fernet

    from app import create_app
    from app.security import data_keys

    secret = _enrol(app)
    stored = _stored_totp(database_url)
    assert secret not in stored
    assert stored.startswith("fernet:")

    new_key = Fernet.generate_key().decode()
    rotated_app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "k", "DATA_KEYS": [new_key]})
    try:
        with rotated_app.app_context(), pytest.raises(data_keys.DataKeyError):
            db.session.scalar(sa.select(User.totp_secret).where(User.email == CLINICIAN))
        both = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "k", "DATA_KEYS": [new_key, _key_of(app)]})
        result = both.test_cli_runner().invoke(args=["rotate-data-key"])
        assert result.exit_code == 0, result.output
        assert "1 account(s)" in result.output
        with rotated_app.app_context():  # the new key alone now reads it
            assert db.session.scalar(sa.select(User.totp_secret).where(User.email == CLINICIAN)) == secret
        assert Fernet(new_key.encode()).decrypt(_stored_totp(database_url).removeprefix("fernet:").encode())
    finally:
        rotated_app.extensions["tallyform.engine"].dispose()
        both.extensions["tallyform.engine"].dispose()


def _key_of(app) -> str:
    from pathlib import Path

    from app.security.data_keys import load_keys

    return (app.config.get("DATA_KEYS") or load_keys(Path(app.instance_path)))[0]
