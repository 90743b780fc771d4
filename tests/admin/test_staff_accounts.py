"""Staff accounts: created with a one-time link (never a password someone else knows),
roles changed, deactivated but never deleted, passwords reset by a new link."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.db import utcnow
from app.extensions import db
from app.models import AuditEvent, PasswordToken, StaffSession, User
from app.services import staff
from app.services.staff import StaffError
from tests.conftest import DEMO_PASSWORD, AuthActions
from tests.fixtures import demo_user, post_form

NEW_PASSWORD = "plum orchard by the river"
LINK = re.compile(r"readonly>http://localhost(/auth/password#token=[^<]+)</textarea>")


def _invite(admin, name="Casey Nguyen", email="casey@example.com", role="clinician"):
    response = post_form(admin, "/admin/staff/new", {"name": name, "email": email, "role": role})
    assert response.status_code == 200, response.text
    return LINK.search(response.text).group(1)


def _token(link: str) -> str:
    return link.split("#token=", 1)[1]


def _choose_password(client, link, password=NEW_PASSWORD, confirm=None):
    """What the page does: the token from the link's fragment is posted with the password."""
    data = {"token": _token(link), "password": password, "confirm": confirm or password}
    return post_form(client, "/auth/password", data)


def _open(client, link):
    """Open the link: its token posted alone (200 with the form while it works, 404 after)."""
    return post_form(client, "/auth/password", {"token": _token(link)})


def _user(session, email):
    session.expire_all()
    return session.scalar(sa.select(User).where(User.email == email))


def test_new_colleague_chooses_their_password_through_the_one_time_link(admin, app, session):
    link = _invite(admin)
    user = _user(session, "casey@example.com")
    assert user.role == "clinician"
    assert user.password_hash is None

    newcomer = app.test_client()
    assert "Casey Nguyen" in _open(newcomer, link).text
    response = _choose_password(newcomer, link)
    assert response.headers["Location"] == "/auth/sign-in"
    assert AuthActions(newcomer).sign_in("casey@example.com", NEW_PASSWORD).status_code == 302
    assert newcomer.get("/check-in/").status_code == 200


def test_link_token_is_stored_only_as_a_hash(admin, session):
    token = _token(_invite(admin))
    stored = session.scalars(sa.select(PasswordToken)).one()
    assert stored.token_hash != token
    assert token not in stored.token_hash


def test_link_works_once(admin, app, session):
    link = _invite(admin)
    _choose_password(app.test_client(), link)
    second = _open(app.test_client(), link)
    assert second.status_code == 404
    assert "This link no longer works" in second.text


def test_expired_link_is_refused(app, admin, session):
    link = _invite(admin)
    token = _token(link)
    with app.app_context():
        later = utcnow() + staff.LINK_LIFETIME["set"] + timedelta(minutes=1)
        assert staff.find_password_link(db.session, token, now=later) is None
        with pytest.raises(StaffError, match="expired or has already been used"):
            staff.set_password_with_link(db.session, token, NEW_PASSWORD, now=later)
    assert _user(session, "casey@example.com").password_hash is None


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("short one", None, "Use at least 12 characters"),
        ("password123456", None, "on a list of common passwords"),
        ("QwerAsdfZxcv", None, "on a list of common passwords"),
        (NEW_PASSWORD, "plum orchard by the sea", "The two passwords differ"),
    ],
)
def test_weak_or_mistyped_password_is_refused_and_the_link_still_works(admin, app, session, password, confirm, message):
    link = _invite(admin)
    client = app.test_client()
    response = _choose_password(client, link, password, confirm)
    assert response.status_code == 200
    assert message in response.text
    assert _user(session, "casey@example.com").password_hash is None
    assert _open(client, link).status_code == 200


def test_an_e_mail_address_already_in_use_is_refused(admin, session):
    response = post_form(admin, "/admin/staff/new", {"name": "Sam", "email": "Clinician@Example.com", "role": "admin"})
    assert "An account for clinician@example.com already exists." in response.text
    assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 3


def test_invalid_e_mail_address_is_refused(admin, session):
    response = post_form(admin, "/admin/staff/new", {"name": "Sam", "email": "not-an-address", "role": "clinician"})
    assert "Enter an e-mail address such as name@clinic.org." in response.text
    assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 3


def test_admin_changes_a_role(admin, session):
    person = demo_user(session, "frontdesk")
    response = post_form(admin, f"/admin/staff/{person.id}", {"role": "clinician"})
    assert response.status_code == 302
    assert _user(session, "frontdesk@example.com").role == "clinician"
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "staff.role_change")).one()
    assert event.details == {"from": "frontdesk", "to": "clinician"}


def test_the_last_admin_cannot_be_demoted_or_deactivate_themselves(admin, session):
    me = demo_user(session, "admin")
    response = post_form(admin, f"/admin/staff/{me.id}", {"role": "clinician"})
    assert "only active admin account" in response.text
    response = post_form(admin, f"/admin/staff/{me.id}", {"action": "deactivate"}, url=f"/admin/staff/{me.id}/account")
    assert "You cannot deactivate your own account" in admin.get(response.headers["Location"]).text
    me = _user(session, "admin@example.com")
    assert me.role == "admin"
    assert me.is_active


def test_an_admin_can_step_down_once_there_is_another_admin(admin, session):
    colleague = demo_user(session, "clinician")
    post_form(admin, f"/admin/staff/{colleague.id}", {"role": "admin"})
    me = demo_user(session, "admin")
    assert post_form(admin, f"/admin/staff/{me.id}", {"role": "clinician"}).status_code == 302
    assert _user(session, "admin@example.com").role == "clinician"
    assert admin.get("/admin/").status_code == 403


def test_deactivation_keeps_the_account_and_ends_its_sessions_at_once(admin, app, session):
    frontdesk = app.test_client()
    AuthActions(frontdesk).sign_in("frontdesk@example.com")
    assert frontdesk.get("/check-in/").status_code == 200
    person = demo_user(session, "frontdesk")
    post_form(admin, f"/admin/staff/{person.id}", {"action": "deactivate"}, url=f"/admin/staff/{person.id}/account")

    assert _user(session, "frontdesk@example.com").is_active is False
    assert frontdesk.get("/check-in/").status_code == 302
    open_sessions = sa.select(StaffSession).where(StaffSession.user_id == person.id, StaffSession.ended_at.is_(None))
    assert session.scalars(open_sessions).all() == []
    assert AuthActions(app.test_client()).sign_in("frontdesk@example.com").status_code == 200
    assert "Deactivated" in admin.get("/admin/staff").text

    post_form(admin, f"/admin/staff/{person.id}", {"action": "activate"}, url=f"/admin/staff/{person.id}/account")
    assert AuthActions(app.test_client()).sign_in("frontdesk@example.com").status_code == 302


def test_password_reset_link_replaces_the_password_and_signs_out_old_sessions(admin, app, session):
    old_browser = app.test_client()
    AuthActions(old_browser).sign_in("clinician@example.com")
    person = demo_user(session, "clinician")
    response = post_form(
        admin, f"/admin/staff/{person.id}", {"action": "reset"}, url=f"/admin/staff/{person.id}/account"
    )
    link = LINK.search(response.text).group(1)
    assert "Their current password keeps working" in response.text
    assert old_browser.get("/check-in/").status_code == 200

    _choose_password(app.test_client(), link)
    assert old_browser.get("/check-in/").status_code == 302
    assert AuthActions(app.test_client()).sign_in("clinician@example.com", DEMO_PASSWORD).status_code == 200
    assert AuthActions(app.test_client()).sign_in("clinician@example.com", NEW_PASSWORD).status_code == 302


def test_a_newer_link_makes_the_older_one_stop_working(admin, app, session):
    person = demo_user(session, "clinician")
    url = f"/admin/staff/{person.id}/account"
    first = LINK.search(post_form(admin, f"/admin/staff/{person.id}", {"action": "reset"}, url=url).text).group(1)
    second = LINK.search(post_form(admin, f"/admin/staff/{person.id}", {"action": "reset"}, url=url).text).group(1)
    assert _open(app.test_client(), first).status_code == 404
    assert _open(app.test_client(), second).status_code == 200


def test_staff_changes_are_audited_without_e_mail_addresses(admin, app, session):
    link = _invite(admin)
    _choose_password(app.test_client(), link)
    actions = session.scalars(sa.select(AuditEvent.action).where(AuditEvent.target_type == "staff_user")).all()
    assert "staff.create" in actions
    assert "staff.password_set" in actions
    for event in session.scalars(sa.select(AuditEvent)):
        assert "@" not in str(event.details)


def test_an_invited_admin_who_has_no_password_yet_does_not_count_as_another_admin(admin, session):
    _invite(admin, name="Pat Invitee", email="pat@example.com", role="admin")
    me = demo_user(session, "admin")
    response = post_form(admin, f"/admin/staff/{me.id}", {"role": "clinician"})
    assert "only active admin account" in response.text
    assert _user(session, "admin@example.com").role == "admin"
