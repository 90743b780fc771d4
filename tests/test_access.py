"""Who may open what, walked from the URL map: a route missing from the table fails."""

import pytest

ROLES = ("anonymous", "frontdesk", "clinician", "admin")
SIGN_IN = "sign-in"

# endpoint -> (method, path, {role: expected status or SIGN_IN})
ACCESS = {
    "index": ("GET", "/", {"anonymous": 302, "frontdesk": 302, "clinician": 302, "admin": 302}),
    "auth.sign_in": ("GET", "/auth/sign-in", {"anonymous": 200, "frontdesk": 302, "clinician": 302, "admin": 302}),
    "auth.sign_out": ("POST", "/auth/sign-out", {"anonymous": 400, "frontdesk": 400, "clinician": 400, "admin": 400}),
    "staff.home": ("GET", "/staff/", {"anonymous": SIGN_IN, "frontdesk": 200, "clinician": 200, "admin": 200}),
}
ADMIN_ONLY = {"anonymous": SIGN_IN, "frontdesk": 403, "clinician": 403, "admin": 200}
REFUSED_WITHOUT_CSRF = {"anonymous": 400, "frontdesk": 400, "clinician": 400, "admin": 400}
ACCESS |= {
    "auth.sign_in_code": (
        "GET",
        "/auth/sign-in/code",
        {"anonymous": 302, "frontdesk": 302, "clinician": 302, "admin": 302},
    ),
    "auth.set_password": (
        "GET",
        "/auth/password/not-a-token",
        {"anonymous": 404, "frontdesk": 404, "clinician": 404, "admin": 404},
    ),
    "auth.two_factor": (
        "GET",
        "/auth/two-factor",
        {"anonymous": SIGN_IN, "frontdesk": 200, "clinician": 200, "admin": 200},
    ),
    "admin.index": ("GET", "/admin/", ADMIN_ONLY),
    "admin.instruments_list": ("GET", "/admin/instruments", ADMIN_ONLY),
    "admin.instrument": ("GET", "/admin/instruments/phq9", ADMIN_ONLY),
    "admin.packets_list": ("GET", "/admin/packets", ADMIN_ONLY),
    "admin.packet": ("GET", "/admin/packets/1", ADMIN_ONLY),
    "admin.settings": ("GET", "/admin/settings", ADMIN_ONLY),
    "admin.logo": ("POST", "/admin/settings/logo", REFUSED_WITHOUT_CSRF),
    "admin.staff_list": ("GET", "/admin/staff", ADMIN_ONLY),
    "admin.staff_new": ("GET", "/admin/staff/new", ADMIN_ONLY),
    "admin.staff_member": ("GET", "/admin/staff/1", ADMIN_ONLY),
    "admin.staff_account": ("POST", "/admin/staff/1/account", REFUSED_WITHOUT_CSRF),
    "admin.audit": ("GET", "/admin/audit", ADMIN_ONLY),
    "admin.audit_csv": ("GET", "/admin/audit.csv", ADMIN_ONLY),
    "admin.clinic_questions_editor": ("GET", "/admin/clinic-questions", ADMIN_ONLY),
    "admin.clinic_questions_change": ("POST", "/admin/clinic-questions/change", REFUSED_WITHOUT_CSRF),
}
NOT_PAGES = {"static"}


def test_every_route_is_in_the_access_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - NOT_PAGES
    assert endpoints == set(ACCESS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(ACCESS))
def test_route_answers_each_role_as_declared(endpoint, role, demo, client, auth):
    method, path, outcomes = ACCESS[endpoint]
    expected = outcomes[role]
    if role != "anonymous":
        auth.sign_in(f"{role}@example.com")
    response = client.open(path, method=method)  # POSTs carry no CSRF token: refused
    if expected == SIGN_IN:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/sign-in")
    else:
        assert response.status_code == expected
