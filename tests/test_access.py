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
    "clinician.worklist": (
        "GET",
        "/clinician/",
        {"anonymous": SIGN_IN, "frontdesk": 403, "clinician": 200, "admin": 200},
    ),
    "clinician.patient_history": (
        "GET",
        "/clinician/patients/2",
        {"anonymous": SIGN_IN, "frontdesk": 403, "clinician": 200, "admin": 200},
    ),
    "clinician.screening": (
        "GET",
        "/clinician/screenings/6",
        {"anonymous": SIGN_IN, "frontdesk": 403, "clinician": 200, "admin": 200},
    ),
    "clinician.referral_pdf": (
        "GET",
        "/clinician/screenings/6/referral-summary.pdf",
        {"anonymous": SIGN_IN, "frontdesk": 403, "clinician": 200, "admin": 200},
    ),
    "clinician.acknowledge": (
        "POST",
        "/clinician/screenings/6/acknowledge",
        {"anonymous": 400, "frontdesk": 400, "clinician": 400, "admin": 400},
    ),
    "clinician.review_status": (
        "POST",
        "/clinician/screenings/6/status",
        {"anonymous": 400, "frontdesk": 400, "clinician": 400, "admin": 400},
    ),
    "clinician.referral": (
        "POST",
        "/clinician/screenings/6/referral",
        {"anonymous": 400, "frontdesk": 400, "clinician": 400, "admin": 400},
    ),
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
