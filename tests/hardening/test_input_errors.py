"""Input that once gave a server error: each now gets a form error or a 4xx with a clear message."""

import pytest
import sqlalchemy as sa

from app.models import Packet, Patient
from tests.conftest import csrf_token_from
from tests.fixtures import demo_clinic_row, post_form

NUL = "\x00"


def test_nul_byte_in_the_anonymous_sign_in_form_is_a_form_error(client, demo):
    page = client.get("/auth/sign-in")
    response = client.post(
        "/auth/sign-in",
        data={"email": f"admin{NUL}@example.com", "password": "x", "csrf_token": csrf_token_from(page.text)},
    )
    assert response.status_code == 200
    assert "control character" in response.text


def test_nul_byte_in_check_in_search_and_new_patient_is_a_form_error(login_as, client, session):
    login_as("frontdesk")
    found = post_form(client, "/check-in/", {"query": f"alv{NUL}arez"})
    assert found.status_code == 200
    assert "control character" in found.text
    before = session.scalar(sa.select(sa.func.count()).select_from(Patient))
    added = post_form(
        client, "/check-in/patients/new", {"mrn": f"2{NUL}1", "name": "A B", "date_of_birth": "1980-01-01"}
    )
    assert added.status_code == 200
    assert "control character" in added.text
    assert session.scalar(sa.select(sa.func.count()).select_from(Patient)) == before


def test_control_characters_other_than_line_breaks_are_refused_in_text_areas(admin, session):
    response = post_form(
        admin,
        "/admin/settings",
        {
            "name": "Riverside",
            "timezone": "America/Chicago",
            "paper_size": "Letter",
            "crisis_text": "Call us\x07 now",
            "referral_destinations": "A\r\nB",
        },
    )
    assert response.status_code == 200
    assert "control character" in response.text
    assert "Call us" not in demo_clinic_row(session).crisis_text


def test_settings_posted_without_referral_destinations_is_a_form_error(admin, session):
    settings = {
        "name": "Riverside Renamed",
        "timezone": "America/Chicago",
        "paper_size": "Letter",
        "crisis_text": "Call 988.",
    }
    post_form(admin, "/admin/settings", {**settings, "referral_destinations": "Behavioral health\nCounselling"})
    assert demo_clinic_row(session).referral_destinations == ["Behavioral health", "Counselling"]
    response = post_form(admin, "/admin/settings", {**settings, "name": "Riverside Again"})
    assert response.status_code == 200
    assert "The list of destinations was missing" in response.text
    session.expire_all()
    assert demo_clinic_row(session).name == "Riverside Renamed"
    assert demo_clinic_row(session).referral_destinations == ["Behavioral health", "Counselling"]


def test_packet_posted_without_instrument_is_a_form_error(admin, session):
    before = session.scalar(sa.select(sa.func.count()).select_from(Packet))
    response = post_form(admin, "/admin/packets", {"name": "No instrument"})
    assert response.status_code == 200
    assert "Choose the first instrument of the packet." in response.text
    assert session.scalar(sa.select(sa.func.count()).select_from(Packet)) == before


@pytest.mark.parametrize("path", ["/admin/audit", "/clinician/"])
def test_a_date_far_in_the_future_is_a_form_error(admin, path):
    response = admin.get(f"{path}?date_from=0001-01-01&date_to=9999-12-31")
    assert response.status_code == 200
    assert "Choose a date between" in response.text


def test_a_date_far_in_the_future_refuses_the_audit_export(admin):
    page = admin.get("/admin/audit")
    response = admin.post("/admin/audit.csv", data={"date_to": "9999-12-31", "csrf_token": csrf_token_from(page.text)})
    assert response.status_code == 400


@pytest.fixture
def failing_route(app):
    """A page that fails with a database error mid-request, as a bug would."""
    from app.extensions import db

    def broken():
        db.session.execute(sa.text("SELECT * FROM no_such_table"))

    app.add_url_rule("/staff/broken", "broken_for_test", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return "/staff/broken"


def test_the_error_page_itself_works_for_signed_in_staff(failing_route, login_as, client):
    login_as("clinician")
    response = client.get(failing_route)
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert "Worklist" in response.text  # the staff navigation, from the signed-in user


def test_every_form_checks_its_text_in_the_one_shared_place(app):
    from flask_wtf import FlaskForm

    from app.forms import Form

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    app_forms = [cls for cls in subclasses(FlaskForm) if cls.__module__.startswith("app.")]
    assert len(app_forms) > 20
    assert [cls.__name__ for cls in app_forms if not issubclass(cls, Form)] == []
