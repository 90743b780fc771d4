"""Who may do what: one table, walked from the URL map, one row per route and method.

The columns are the six kinds of visitor: nobody signed in, a tablet holding a patient's
sitting, the demo clinic's front desk, clinician and admin, and the admin of another clinic.
URLs name the demo clinic's own records, so the last column tests clinic scoping. Every POST
carries a valid CSRF token of that visitor's own session, so a refusal seen is the role
check's, never CSRFProtect's. A route missing from the table, or a row naming no route, fails.

A cell is the status expected, or a path: a 302 to exactly that location. The visitors of a
row act in column order on one database, so a cell after a POST that changed something sees
the change (the clinician meets a sitting the front desk has just cancelled).
"""

from __future__ import annotations

import pytest

from app.fhir.server import RESOURCE_TYPES as FHIR_TYPES

ROLES = ("anonymous", "tablet", "frontdesk", "clinician", "admin", "other_admin")
SIGN_IN = "sign-in"  # 302 to the sign-in page, coming back to this path after
KIOSK = "/kiosk/?cleared=1"  # a sitting's screen without a sitting: back to the code page
EXPIRED_FORM = "This form has expired"  # CSRFProtect's refusal page


def row(*cells) -> dict:
    return dict(zip(ROLES, cells, strict=True))


def same(cell) -> dict:
    return dict.fromkeys(ROLES, cell)


def admin_only(admin=200, other=200) -> dict:
    return row(SIGN_IN, SIGN_IN, 403, 403, admin, other)


def clinical(clinician=200, other=200) -> dict:
    """The clinician blueprint: clinicians and admins."""
    return row(SIGN_IN, SIGN_IN, 403, clinician, clinician, other)


def staff(cell=200, other=200) -> dict:
    return row(SIGN_IN, SIGN_IN, cell, cell, cell, other)


def sitting(tablet=200) -> dict:
    return row(KIOSK, tablet, KIOSK, KIOSK, KIOSK, KIOSK)


TOKEN_ONLY = same(401)
OURS = 404  # a record of the demo clinic, asked for by the other clinic's admin

# (endpoint, method) -> (path, {role: outcome}); {names} are the demo clinic's records (access_ids).
ACCESS: dict[tuple[str, str], tuple[str, dict]] = {
    ("index", "GET"): ("/", same("/staff/")),
    ("favicon", "GET"): ("/favicon.ico", same(200)),
    ("health.healthz", "GET"): ("/healthz", same(200)),
    # no queue worker runs in these tests: readiness is refused for want of its heartbeat
    ("health.readyz", "GET"): ("/readyz", same(503)),
    # sign-in and account pages
    ("auth.sign_in", "GET"): ("/auth/sign-in", row(200, 200, *["/staff/"] * 4)),
    ("auth.sign_in", "POST"): ("/auth/sign-in", row(200, 200, *["/staff/"] * 4)),
    ("auth.sign_in_code", "GET"): ("/auth/sign-in/code", same("/auth/sign-in")),
    ("auth.sign_in_code", "POST"): ("/auth/sign-in/code", same("/auth/sign-in")),
    ("auth.sign_out", "POST"): ("/auth/sign-out", same("/auth/sign-in")),
    ("auth.set_password", "GET"): ("/auth/password", same(200)),
    ("auth.set_password", "POST"): ("/auth/password", same(404)),  # no valid link in the form
    ("auth.two_factor", "GET"): ("/auth/two-factor", staff()),
    ("auth.two_factor", "POST"): ("/auth/two-factor", staff()),
    ("staff.home", "GET"): ("/staff/", row(SIGN_IN, SIGN_IN, "/check-in/", *["/clinician/"] * 3)),
    ("staff.urgent_poll", "GET"): ("/staff/urgent.json", staff()),
    # check-in: every member of staff, within their own clinic
    ("checkin.find_patient", "GET"): ("/check-in/", staff()),
    ("checkin.find_patient", "POST"): ("/check-in/", staff()),
    ("checkin.add_patient", "GET"): ("/check-in/patients/new", staff()),
    ("checkin.add_patient", "POST"): ("/check-in/patients/new", staff()),
    ("checkin.patient", "GET"): ("/check-in/patients/{patient}", staff(other=OURS)),
    ("checkin.patient", "POST"): ("/check-in/patients/{patient}", staff(other=OURS)),
    ("checkin.code", "GET"): ("/check-in/screenings/{sitting}/code", staff(other=OURS)),
    ("checkin.code", "POST"): ("/check-in/screenings/{sitting}/code", staff(other=OURS)),
    ("checkin.cancel", "GET"): ("/check-in/screenings/{sitting}/cancel", staff(other=OURS)),
    # the front desk cancels; the clinician and admin then find it cancelled already
    ("checkin.cancel", "POST"): (
        "/check-in/screenings/{sitting}/cancel",
        row(SIGN_IN, SIGN_IN, "/check-in/patients/{patient}", 400, 400, OURS),
    ),
    ("checkin.wrong_tablet_codes", "GET"): ("/check-in/tablet-codes", staff()),
    ("checkin.wrong_tablet_codes", "POST"): ("/check-in/tablet-codes", staff("/check-in/", other="/check-in/")),
    # the tablet: a sitting's screens need its kiosk session, never a staff sign-in
    ("patient.start", "GET"): ("/kiosk/", row(200, "/kiosk/welcome", 200, 200, 200, 200)),
    ("patient.start", "POST"): ("/kiosk/", row(200, "/kiosk/welcome", 200, 200, 200, 200)),
    ("patient.welcome", "GET"): ("/kiosk/welcome", sitting()),
    ("patient.language", "POST"): ("/kiosk/language", sitting("/kiosk/welcome")),
    ("patient.step", "GET"): ("/kiosk/step/0", sitting()),
    ("patient.step", "POST"): ("/kiosk/step/0", sitting("/kiosk/step/1")),
    ("patient.save_choice", "POST"): ("/kiosk/step/0/answer", sitting(204)),
    ("patient.review", "GET"): ("/kiosk/review", sitting()),
    ("patient.submit", "POST"): ("/kiosk/submit", sitting("/kiosk/done")),
    ("patient.done", "GET"): ("/kiosk/done", same(200)),
    ("patient.timeout", "GET"): ("/kiosk/timeout", same(KIOSK)),
    # clinician pages: clinicians and admins; a form posted empty is refused by its own check (400)
    ("clinician.worklist", "GET"): ("/clinician/", clinical()),
    ("clinician.dashboard", "GET"): ("/clinician/dashboard", clinical()),
    ("clinician.dashboard_csv", "POST"): ("/clinician/dashboard.csv", clinical(400, other=400)),
    ("clinician.patient_history", "GET"): ("/clinician/patients/{patient}", clinical(other=OURS)),
    ("clinician.screening", "GET"): ("/clinician/screenings/{screening}", clinical(other=OURS)),
    ("clinician.referral_pdf", "GET"): (
        "/clinician/screenings/{screening}/referral-summary.pdf",
        clinical(other=OURS),
    ),
    ("clinician.referral_status", "GET"): (
        "/clinician/screenings/{screening}/referral-summary/status",
        clinical(other=OURS),
    ),
    ("clinician.acknowledge", "POST"): ("/clinician/screenings/{screening}/acknowledge", clinical(400, OURS)),
    ("clinician.review_status", "POST"): ("/clinician/screenings/{screening}/status", clinical(400, OURS)),
    ("clinician.referral", "POST"): ("/clinician/screenings/{screening}/referral", clinical(400, OURS)),
    ("clinician.clinician_input", "POST"): (
        "/clinician/screenings/{screening}/inputs/aceaware",
        clinical(400, OURS),
    ),
    # admin pages: the clinic's admin only; another clinic's admin sees their own, never ours
    ("admin.index", "GET"): ("/admin/", admin_only()),
    ("admin.instruments_list", "GET"): ("/admin/instruments", admin_only()),
    ("admin.instrument", "GET"): ("/admin/instruments/phq9", admin_only()),
    ("admin.instrument", "POST"): ("/admin/instruments/phq9", admin_only()),
    ("admin.packets_list", "GET"): ("/admin/packets", admin_only()),
    ("admin.packets_list", "POST"): ("/admin/packets", admin_only()),
    ("admin.packet", "GET"): ("/admin/packets/{packet}", admin_only(other=OURS)),
    ("admin.packet", "POST"): ("/admin/packets/{packet}", admin_only(400, OURS)),
    ("admin.settings", "GET"): ("/admin/settings", admin_only()),
    ("admin.settings", "POST"): ("/admin/settings", admin_only()),
    ("admin.logo", "POST"): ("/admin/settings/logo", admin_only(400, 400)),
    ("admin.staff_list", "GET"): ("/admin/staff", admin_only()),
    ("admin.staff_new", "GET"): ("/admin/staff/new", admin_only()),
    ("admin.staff_new", "POST"): ("/admin/staff/new", admin_only()),
    ("admin.staff_member", "GET"): ("/admin/staff/{user}", admin_only(other=OURS)),
    ("admin.staff_member", "POST"): ("/admin/staff/{user}", admin_only("/admin/staff/{user}", OURS)),
    ("admin.staff_account", "POST"): ("/admin/staff/{user}/account", admin_only(400, OURS)),
    ("admin.audit", "GET"): ("/admin/audit", admin_only()),
    ("admin.audit_csv", "POST"): ("/admin/audit.csv", admin_only()),
    ("admin.clinic_questions_editor", "GET"): ("/admin/clinic-questions", admin_only()),
    ("admin.clinic_questions_editor", "POST"): ("/admin/clinic-questions", admin_only()),
    ("admin.clinic_questions_change", "POST"): ("/admin/clinic-questions/change", admin_only(400, 400)),
    ("integrations.index", "GET"): ("/admin/integrations/", admin_only()),
    ("integrations.create_token", "POST"): ("/admin/integrations/tokens", admin_only(400, 400)),
    ("integrations.revoke_token", "POST"): (
        "/admin/integrations/tokens/{api_token}/revoke",
        admin_only("/admin/integrations/", OURS),
    ),
    ("integrations.export_csv", "POST"): ("/admin/integrations/responses.csv", admin_only(400, 400)),
    # the API and FHIR server: a bearer token only; no cookie opens anything. The
    # CapabilityStatement and the OpenAPI description are public.
    ("api.metadata", "GET"): ("/fhir/metadata", same(200)),
    ("api.openapi", "GET"): ("/api/openapi.json", same(200)),
    **{(f"api.search_{kind}", "GET"): (f"/fhir/{kind}", TOKEN_ONLY) for kind in FHIR_TYPES},
    **{(f"api.read_{kind}", "GET"): (f"/fhir/{kind}/1", TOKEN_ONLY) for kind in FHIR_TYPES},
    ("api.history_Questionnaire", "GET"): ("/fhir/Questionnaire/phq9/_history", TOKEN_ONLY),
    ("api.vread_Questionnaire", "GET"): ("/fhir/Questionnaire/phq9/_history/1", TOKEN_ONLY),
    ("api.screening_bundle", "GET"): ("/fhir/screenings/{screening}", TOKEN_ONLY),
    ("api.score_questionnaire_response", "POST"): ("/fhir/QuestionnaireResponse/$score", TOKEN_ONLY),
    ("api.screenings", "GET"): ("/api/screenings", TOKEN_ONLY),
    ("api.screening", "GET"): ("/api/screenings/{screening}", TOKEN_ONLY),
}
ROWS = 97  # route and method pairs: a new route adds a row here and in the table
NOT_PAGES = {"static"}


def test_the_table_has_a_row_for_every_route_and_method_and_no_other(app):
    served = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in NOT_PAGES
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert set(ACCESS) - served == set(), "rows naming no route"
    assert served - set(ACCESS) == set(), "routes missing from the table"
    print(f"access matrix: {len(ACCESS)} rows x {len(ROLES)} visitors = {len(ACCESS) * len(ROLES)} cells")
    assert len(ACCESS) == ROWS


def _outcome(response):
    if response.status_code == 302:
        return response.headers["Location"]
    return response.status_code


def _expected(cell, path: str, ids: dict):
    if cell == SIGN_IN:
        return f"/auth/sign-in?next={path}"
    return cell.format(**ids) if isinstance(cell, str) else cell


@pytest.mark.parametrize(("endpoint", "method"), sorted(ACCESS))
def test_each_visitor_gets_what_the_table_says(endpoint, method, role_clients, access_ids):
    template, cells = ACCESS[(endpoint, method)]
    path = template.format(**access_ids)
    wrong = []
    for role in ROLES:
        try:
            response = role_clients[role].open(method, path)
        except Exception as error:  # a view reached without its guard may fail: a wrong cell, not the end of the row
            seen = f"raised {type(error).__name__}"
        else:
            assert EXPIRED_FORM.encode() not in response.data, f"{role}: the CSRF token was refused, not the role"
            seen = _outcome(response)
        expected = _expected(cells[role], path, access_ids)
        if seen != expected:
            wrong.append(f"{role}: expected {expected}, got {seen}")
    assert not wrong, f"{method} {path}: " + "; ".join(wrong)
