"""Fixtures for the admin pages: the demo clinic's admin signed in, a second clinic with
its own admin, and forms posted with their real CSRF token."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.models import Clinic, User
from tests.conftest import DEMO_PASSWORD, csrf_token_from

OTHER_ADMIN = "admin@hillside.example.org"


def post_form(client, page: str, data: dict, url: str | None = None, **kwargs):
    """GET the page that shows the form, then POST `data` with that page's CSRF token."""
    token = csrf_token_from(client.get(page).text)
    return client.post(url or page, data={**data, "csrf_token": token}, **kwargs)


@pytest.fixture
def admin(login_as, client):
    """The demo clinic's admin, signed in; the test client is theirs."""
    login_as("admin")
    return client


@pytest.fixture
def other_clinic_admin(app, demo, client, auth):
    """A second clinic and its admin, signed in on the test client."""
    from app.extensions import db
    from app.services import clinics, staff

    with app.app_context():
        clinic = clinics.create_clinic(db.session, slug="hillside", name="Hillside Family Practice")
        staff.create_user(
            db.session, clinic, email=OTHER_ADMIN, name="Robin Hill", role="admin", password=DEMO_PASSWORD
        )
    assert auth.sign_in(OTHER_ADMIN).status_code == 302
    return client


def demo_user(session, role: str) -> User:
    return session.scalar(sa.select(User).where(User.email == f"{role}@example.com"))


def demo_clinic(session) -> Clinic:
    return session.scalar(sa.select(Clinic).where(Clinic.slug == "riverside"))
