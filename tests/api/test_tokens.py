"""API tokens: one clinic each, shown once, stored as a hash, revocable, every use audited."""

import sqlalchemy as sa

from app import create_app
from app.models import ApiToken, AuditEvent
from app.services.api_tokens import revoke_api_token
from tests.conftest import csrf_token_from
from tests.fixtures import bearer

CREATE = "/admin/integrations/tokens"


def _create_through_the_page(client, login_as, name="EHR interface"):
    login_as("admin")
    page = client.get("/admin/integrations/")
    return client.post(CREATE, data={"name": name, "csrf_token": csrf_token_from(page.text)})


def _shown_token(html):
    start = html.index('id="new-token-value"')
    return html[start:].split('value="', 1)[1].split('"', 1)[0]


def test_admin_creates_a_token_that_is_shown_once_and_stored_only_as_a_hash(client, login_as, session):
    created = _create_through_the_page(client, login_as)
    assert created.status_code == 201
    secret = _shown_token(created.text)
    assert secret.startswith("tfk_")
    assert len(secret) > 40
    assert secret not in client.get("/admin/integrations/").text
    stored = session.scalars(sa.select(ApiToken)).one()
    assert stored.name == "EHR interface"
    columns = [str(value) for value in session.execute(sa.select(ApiToken.__table__)).one()]
    assert not any(secret in value or secret[len("tfk_") :] in value for value in columns)
    audit_text = " ".join(str(e.details) + str(e.target_id) for e in session.scalars(sa.select(AuditEvent)))
    assert secret[len("tfk_") :] not in audit_text
    assert client.get("/fhir/Questionnaire", headers=bearer(secret)).status_code == 200


def test_token_needs_a_name(client, login_as, session):
    response = _create_through_the_page(client, login_as, name="  ")
    assert response.status_code == 400
    assert "Name the token after the system" in response.text
    assert session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0


def _revoke_through_the_page(client, login_as, token_id):
    login_as("admin")
    page = client.get("/admin/integrations/")
    return client.post(f"/admin/integrations/tokens/{token_id}/revoke", data={"csrf_token": csrf_token_from(page.text)})


def test_revoked_token_is_refused(client, login_as, session, token):
    assert client.get("/api/screenings", headers=bearer(token)).status_code == 200
    api_token = session.scalars(sa.select(ApiToken)).one()
    assert _revoke_through_the_page(client, login_as, api_token.id).status_code == 302
    response = client.get("/api/screenings", headers=bearer(token))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    session.expire_all()
    assert session.get(ApiToken, api_token.id).revoked_at is not None
    assert "Revoked" in client.get("/admin/integrations/").text


def test_admin_cannot_revoke_another_clinics_token(client, login_as, session, other_clinic):
    theirs = session.scalars(sa.select(ApiToken)).one()
    assert _revoke_through_the_page(client, login_as, theirs.id).status_code == 404
    session.expire_all()
    assert session.get(ApiToken, theirs.id).revoked_at is None
    assert "Hillside" not in client.get("/admin/integrations/").text


def test_another_clinics_token_sees_nothing_of_this_clinic(client, demo, session, other_clinic):
    theirs = bearer(other_clinic.token)
    listed = client.get("/api/screenings", headers=theirs).json["screenings"]
    assert [s["id"] for s in listed] == [other_clinic.screening_id]
    for path in ("/api/screenings/1", "/fhir/screenings/1"):
        response = client.get(path, headers=theirs)
        assert response.status_code == 404
        assert "Maria" not in response.text
    assert client.get("/fhir/screenings/1", headers=theirs).json["resourceType"] == "OperationOutcome"


def test_api_reads_are_in_the_audit_trail_with_the_token_and_mark_it_used(client, session, token):
    api_token = session.scalars(sa.select(ApiToken)).one()
    assert api_token.last_used_at is None
    client.get("/api/screenings/1", headers=bearer(token))
    client.get("/fhir/screenings/1", headers=bearer(token))
    client.get("/api/screenings/999999", headers=bearer(token))
    events = session.scalars(sa.select(AuditEvent).where(AuditEvent.actor_kind == "api").order_by(AuditEvent.id)).all()
    assert [(e.action, e.target_id, e.details) for e in events] == [
        ("api.screening_read", "1", {"api_token_id": api_token.id, "found": True}),
        ("api.screening_fhir_read", "1", {"api_token_id": api_token.id, "found": True}),
        ("api.screening_read", "999999", {"api_token_id": api_token.id, "found": False}),
    ]
    assert all(e.clinic_id == api_token.clinic_id for e in events)
    session.expire_all()
    assert session.get(ApiToken, api_token.id).last_used_at is not None


def test_a_staff_cookie_session_does_not_open_the_api(client, login_as):
    login_as("admin")
    for path in ("/api/screenings", "/fhir/Questionnaire", "/fhir/screenings/1"):
        assert client.get(path).status_code == 401
    assert client.post("/fhir/QuestionnaireResponse/$score", json={}).status_code == 401


def test_score_needs_no_csrf_token_with_a_bearer_token(client, token):
    response = client.post(
        "/fhir/QuestionnaireResponse/$score", json={"resourceType": "Patient"}, headers=bearer(token)
    )
    assert response.status_code == 422  # reached the view: CSRF did not refuse it


def test_calls_beyond_the_rate_limit_are_refused_per_token(app, database_url, session, token):
    limited = create_app({**app.config, "API_RATE_LIMIT": "3 per minute"})
    client = limited.test_client()
    statuses = [client.get("/fhir/Questionnaire/phq9", headers=bearer(token)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/fhir/Questionnaire/phq9", headers=bearer(token))
    assert refused.json["issue"][0]["code"] == "throttled"
    assert "Retry-After" in refused.headers
    limited.extensions["tallyform.engine"].dispose()


def test_revoking_twice_records_one_event(session, token, demo):
    api_token = session.scalars(sa.select(ApiToken)).one()
    revoke_api_token(session, demo, api_token.id, revoked_by_id=None)
    revoke_api_token(session, demo, api_token.id, revoked_by_id=None)
    assert session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "api_token.revoke")) == 1


def test_each_answer_says_how_many_calls_are_left(app, database_url, session, token):
    limited = create_app({**app.config, "API_RATE_LIMIT": "5 per minute"})
    client = limited.test_client()
    answers = [client.get("/fhir/Questionnaire/phq9", headers=bearer(token)) for _ in range(2)]
    assert [answer.headers["X-RateLimit-Limit"] for answer in answers] == ["5 per minute"] * 2
    assert [answer.headers["X-RateLimit-Remaining"] for answer in answers] == ["4", "3"]
    assert 1 <= int(answers[-1].headers["X-RateLimit-Reset"]) <= 60
    limited.extensions["tallyform.engine"].dispose()
