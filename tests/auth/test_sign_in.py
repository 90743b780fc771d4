"""Staff sign-in and sign-out through the real form, with CSRF on."""

from datetime import timedelta

import sqlalchemy as sa

from app.db import utcnow
from app.models import AuditEvent, StaffSession, User


def test_demo_clinician_signs_in_and_sees_the_clinic_home(demo, auth, client):
    response = auth.sign_in("clinician@example.com")
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"
    home = client.get("/staff/", follow_redirects=True)
    assert home.request.path == "/clinician/"
    assert "Dr Sam Patel" in home.text


def test_front_desk_starts_at_check_in_and_sees_no_results(demo, auth, client):
    auth.sign_in("frontdesk@example.com")
    home = client.get("/staff/", follow_redirects=True)
    assert home.request.path == "/check-in/"
    assert "Safety item endorsed" not in home.text


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(demo, auth, client):
    response = auth.sign_in("clinician@example.com", "not-the-password")
    assert response.status_code == 200
    assert "do not match an active account" in response.text
    assert client.get("/staff/").headers["Location"].startswith("/auth/sign-in")


def test_unknown_email_gets_the_same_message(demo, auth):
    response = auth.sign_in("nobody@example.com")
    assert "do not match an active account" in response.text


def test_email_is_matched_without_regard_to_case_or_spaces(demo, auth):
    assert auth.sign_in("  Clinician@Example.COM ").status_code == 302


def test_sign_in_without_csrf_token_is_refused(demo, client):
    response = client.post("/auth/sign-in", data={"email": "clinician@example.com", "password": "demo-clinic-password"})
    assert response.status_code == 400
    assert "This form has expired" in response.text
    assert client.get("/staff/").headers["Location"].startswith("/auth/sign-in")


def test_sign_out_without_csrf_token_does_not_sign_out(login_as, client):
    login_as("clinician")
    assert client.post("/auth/sign-out").status_code == 400
    assert client.get("/check-in/").status_code == 200


def test_sign_out_ends_the_server_session_so_a_copied_cookie_stops_working(login_as, client, app, session):
    auth = login_as("clinician")
    copied_cookie = client.get_cookie("tallyform_session").value
    assert client.get("/check-in/").status_code == 200

    response = auth.sign_out()
    assert response.headers["Location"] == "/auth/sign-in"

    other_browser = app.test_client()
    other_browser.set_cookie("tallyform_session", copied_cookie)
    assert other_browser.get("/staff/").headers["Location"].startswith("/auth/sign-in")
    assert (
        session.scalar(sa.select(sa.func.count()).select_from(StaffSession).where(StaffSession.ended_at.is_(None))) == 0
    )


def test_sign_in_and_out_are_audited_without_personal_details(login_as, session):
    login_as("clinician").sign_out()
    actions = session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("staff.sign_%"))).all()
    assert actions == ["staff.sign_in", "staff.sign_out"]
    for event in session.scalars(sa.select(AuditEvent)):
        assert "example.com" not in str(event.details)


def test_next_is_followed_only_within_the_site(demo, auth):
    assert auth.sign_in("clinician@example.com", next_path="/staff/").headers["Location"] == "/staff/"
    auth.client.delete_cookie("tallyform_session")
    evil = auth.sign_in("clinician@example.com", next_path="//evil.example/x")
    assert evil.headers["Location"] == "/staff/"


def test_deactivated_user_is_signed_out_on_the_next_page(login_as, client, session):
    login_as("frontdesk")
    user = session.scalar(sa.select(User).where(User.email == "frontdesk@example.com"))
    user.is_active = False
    session.commit()
    assert client.get("/staff/").headers["Location"].startswith("/auth/sign-in")


def test_deactivated_user_cannot_sign_in(demo, auth, session):
    user = session.scalar(sa.select(User).where(User.email == "frontdesk@example.com"))
    user.is_active = False
    session.commit()
    assert auth.sign_in("frontdesk@example.com").status_code == 200


def test_idle_session_ends_after_the_configured_minutes(login_as, client, session, app):
    login_as("clinician")
    staff_session = session.scalars(sa.select(StaffSession)).one()
    staff_session.last_seen_at = utcnow() - timedelta(minutes=app.config["STAFF_IDLE_MINUTES"] + 1)
    session.commit()
    assert client.get("/staff/").headers["Location"].startswith("/auth/sign-in")
    session.expire_all()
    assert session.scalars(sa.select(StaffSession)).one().ended_at is not None


def test_session_ends_after_the_absolute_limit_even_when_active(login_as, client, session, app):
    login_as("clinician")
    staff_session = session.scalars(sa.select(StaffSession)).one()
    staff_session.created_at = utcnow() - timedelta(hours=app.config["STAFF_MAX_SESSION_HOURS"], minutes=1)
    session.commit()
    assert client.get("/staff/").headers["Location"].startswith("/auth/sign-in")


def test_pages_carry_security_headers_and_are_not_cached(demo, client):
    response = client.get("/auth/sign-in")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_password_is_stored_as_an_argon2id_hash(demo, session):
    user = session.scalar(sa.select(User).where(User.email == "admin@example.com"))
    assert user.password_hash.startswith("$argon2id$")
    assert "demo-clinic-password" not in user.password_hash
