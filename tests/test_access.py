"""Who may open what, walked from the URL map: a route missing from the table fails."""

import pytest

from app.fhir.server import RESOURCE_TYPES as FHIR_TYPES

ROLES = ("anonymous", "frontdesk", "clinician", "admin")
SIGN_IN = "sign-in"
KIOSK_START = "kiosk-start"
STAFF = {"anonymous": SIGN_IN, "frontdesk": 200, "clinician": 200, "admin": 200}
EVERYONE = dict.fromkeys(ROLES, 200)
TOKEN_ONLY = dict.fromkeys(ROLES, 401)
NO_CSRF = dict.fromkeys(ROLES, 400)
PUBLIC = dict.fromkeys(ROLES, 200)
ADMIN_ONLY = {"anonymous": SIGN_IN, "frontdesk": 403, "clinician": 403, "admin": 200}

# endpoint -> (method, path, {role: expected status or SIGN_IN})
ACCESS = {
    "index": ("GET", "/", {"anonymous": 302, "frontdesk": 302, "clinician": 302, "admin": 302}),
    "auth.sign_in": ("GET", "/auth/sign-in", {"anonymous": 200, "frontdesk": 302, "clinician": 302, "admin": 302}),
    "auth.sign_out": ("POST", "/auth/sign-out", {"anonymous": 400, "frontdesk": 400, "clinician": 400, "admin": 400}),
    "staff.home": ("GET", "/staff/", STAFF | {"frontdesk": 302, "clinician": 302, "admin": 302}),
    "checkin.find_patient": ("GET", "/check-in/", STAFF),
    "checkin.add_patient": ("GET", "/check-in/patients/new", STAFF),
    "checkin.patient": ("GET", "/check-in/patients/1", STAFF),
    "checkin.code": ("GET", "/check-in/screenings/1/code", STAFF),
    # the confirmation page; the cancel itself is a POST from it
    "checkin.cancel": ("GET", "/check-in/screenings/1/cancel", STAFF),
    "staff.urgent_poll": ("GET", "/staff/urgent.json", STAFF),
    "checkin.wrong_tablet_codes": ("GET", "/check-in/tablet-codes", STAFF),
    # The tablet pages are for a patient holding a code, never for a signed-in browser as such.
    "patient.start": ("GET", "/kiosk/", EVERYONE),
    "patient.welcome": ("GET", "/kiosk/welcome", dict.fromkeys(ROLES, KIOSK_START)),
    "patient.step": ("GET", "/kiosk/step/0", dict.fromkeys(ROLES, KIOSK_START)),
    "patient.review": ("GET", "/kiosk/review", dict.fromkeys(ROLES, KIOSK_START)),
    "patient.save_choice": ("POST", "/kiosk/step/0/answer", dict.fromkeys(ROLES, 400)),
    "patient.submit": ("POST", "/kiosk/submit", dict.fromkeys(ROLES, 400)),
    "patient.language": ("POST", "/kiosk/language", dict.fromkeys(ROLES, 400)),
    "patient.done": ("GET", "/kiosk/done", EVERYONE),
    "patient.timeout": ("GET", "/kiosk/timeout", dict.fromkeys(ROLES, 302)),
    # API: a bearer token only; a staff cookie opens nothing (and needs no CSRF token to be refused)
    # FHIR server: read and search of each type need a token; its CapabilityStatement does not
    "api.metadata": ("GET", "/fhir/metadata", PUBLIC),
    **{f"api.search_{t}": ("GET", f"/fhir/{t}", TOKEN_ONLY) for t in FHIR_TYPES},
    **{f"api.read_{t}": ("GET", f"/fhir/{t}/1", TOKEN_ONLY) for t in FHIR_TYPES},
    "api.history_Questionnaire": ("GET", "/fhir/Questionnaire/phq9/_history", TOKEN_ONLY),
    "api.vread_Questionnaire": ("GET", "/fhir/Questionnaire/phq9/_history/1", TOKEN_ONLY),
    "api.screening_bundle": ("GET", "/fhir/screenings/1", TOKEN_ONLY),
    "api.score_questionnaire_response": ("POST", "/fhir/QuestionnaireResponse/$score", TOKEN_ONLY),
    "api.screenings": ("GET", "/api/screenings", TOKEN_ONLY),
    "api.screening": ("GET", "/api/screenings/1", TOKEN_ONLY),
    "api.openapi": ("GET", "/api/openapi.json", PUBLIC),
    "integrations.index": ("GET", "/admin/integrations/", ADMIN_ONLY),
    "integrations.create_token": ("POST", "/admin/integrations/tokens", NO_CSRF),
    "integrations.revoke_token": ("POST", "/admin/integrations/tokens/1/revoke", NO_CSRF),
    "integrations.export_csv": ("POST", "/admin/integrations/responses.csv", NO_CSRF),
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
        "/auth/password",
        {"anonymous": 200, "frontdesk": 200, "clinician": 200, "admin": 200},
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
    "admin.audit_csv": ("POST", "/admin/audit.csv", REFUSED_WITHOUT_CSRF),
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
    "clinician.referral_status": (
        "GET",
        "/clinician/screenings/6/referral-summary/status",
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
    "clinician.dashboard": (
        "GET",
        "/clinician/dashboard",
        {"anonymous": SIGN_IN, "frontdesk": 403, "clinician": 200, "admin": 200},
    ),
    "clinician.dashboard_csv": ("POST", "/clinician/dashboard.csv", REFUSED_WITHOUT_CSRF),
    "clinician.clinician_input": (
        "POST",
        "/clinician/screenings/6/inputs/aceaware",
        {"anonymous": 400, "frontdesk": 400, "clinician": 400, "admin": 400},
    ),
    "admin.clinic_questions_editor": ("GET", "/admin/clinic-questions", ADMIN_ONLY),
    "admin.clinic_questions_change": ("POST", "/admin/clinic-questions/change", REFUSED_WITHOUT_CSRF),
    # Probes for the load balancer: no sign-in, nothing about a clinic. No queue worker runs in
    # these tests, so readiness is refused for want of a worker heartbeat.
    "health.healthz": ("GET", "/healthz", PUBLIC),
    "health.readyz": ("GET", "/readyz", dict.fromkeys(ROLES, 503)),
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
    if expected in (SIGN_IN, KIOSK_START):
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/sign-in" if expected == SIGN_IN else "/kiosk/?cleared")
    else:
        assert response.status_code == expected
