"""Only a clinic's own admins reach its admin pages; another clinic's admin finds none of
its records (404), and sees only their own clinic's data on the list pages."""

import pytest
import sqlalchemy as sa

from app.models import AuditEvent, Packet, User
from tests.fixtures import demo_user, post_form


def _demo_ids(session):
    packet_id = session.scalar(sa.select(Packet.id).where(Packet.name == "Follow-up"))
    return {"packet": packet_id, "user": demo_user(session, "clinician").id}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin/packets/{packet}"),
        ("POST", "/admin/packets/{packet}"),
        ("GET", "/admin/staff/{user}"),
        ("POST", "/admin/staff/{user}"),
        ("POST", "/admin/staff/{user}/account"),
    ],
)
def test_another_clinics_admin_gets_404_on_this_clinics_records(other_clinic_admin, session, method, path):
    url = path.format(**_demo_ids(session))
    if method == "GET":
        response = other_clinic_admin.get(url)
    else:
        response = post_form(other_clinic_admin, "/admin/", {"action": "deactivate", "name": "Taken over"}, url=url)
    assert response.status_code == 404
    session.expire_all()
    assert demo_user(session, "clinician").is_active
    assert session.scalar(sa.select(Packet.name).where(Packet.id == _demo_ids(session)["packet"])) == "Follow-up"


@pytest.mark.parametrize(
    "path", ["/admin/staff", "/admin/packets", "/admin/audit", "/admin/settings"]
)
def test_another_clinics_admin_sees_only_their_own_clinic(other_clinic_admin, path):
    page = other_clinic_admin.get(path)
    assert page.status_code == 200
    for demo_detail in ("Dr Sam Patel", "clinician@example.com", "New patient", "Riverside Integrated Care"):
        assert demo_detail not in page.text


def test_another_clinics_admin_exports_only_their_own_audit_trail(other_clinic_admin):
    export = post_form(other_clinic_admin, "/admin/audit", {}, url="/admin/audit.csv")
    assert export.status_code == 200
    for demo_detail in ("Dr Sam Patel", "clinician@example.com", "screening.create"):
        assert demo_detail not in export.text


def test_the_audit_export_is_refused_on_get_and_without_a_csrf_token(admin, session):
    assert admin.get("/admin/audit.csv").status_code == 405
    assert admin.post("/admin/audit.csv").status_code == 400
    assert session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "audit.export")) == 0


@pytest.mark.parametrize("role", ["clinician", "frontdesk"])
def test_staff_who_are_not_admins_cannot_post_admin_forms(login_as, client, session, role):
    login_as(role)
    target = demo_user(session, "admin").id
    response = post_form(client, "/check-in/", {"action": "deactivate"}, url=f"/admin/staff/{target}/account")
    assert response.status_code == 403
    session.expire_all()
    assert session.get(User, target).is_active


def test_admin_nav_link_is_shown_to_admins_only(login_as, client):
    login_as("clinician")
    assert "Clinic admin" not in client.get("/check-in/").text
    client.delete_cookie("tallyform_session")
    login_as("admin")
    assert 'href="/admin/"' in client.get("/check-in/").text
