"""The demo clinic loads once, whatever the number of runs, and has something real to show."""

import sqlalchemy as sa

from app.config import PROJECT_ROOT
from app.models import AuditEvent, Clinic, Patient, Response, Screening, User
from app.services.audit import verify_audit_chain

SEEDS = PROJECT_ROOT / "seeds" / "demo_clinic.yaml"


def _counts(session):
    return {
        model.__name__: session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Clinic, User, Patient, Screening, Response, AuditEvent)
    }


def test_seed_demo_twice_adds_nothing_the_second_time(runner, session):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    first = _counts(session)
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0
    assert _counts(session) == first


def test_demo_clinic_has_one_account_per_role(demo, session):
    roles = dict(session.execute(sa.select(User.email, User.role)).all())
    assert roles == {
        "admin@example.com": "admin",
        "clinician@example.com": "clinician",
        "frontdesk@example.com": "frontdesk",
    }


def test_demo_clinic_has_an_urgent_screening_and_patients_with_history(demo, session):
    urgent = session.scalars(sa.select(Screening).where(Screening.is_urgent)).all()
    assert urgent, "one demo screening must have PHQ-9 item 9 endorsed"
    assert all(any(r.instrument_id == "phq9" and r.answers.get("9", 0) >= 1 for r in s.responses) for s in urgent)
    per_patient = session.execute(sa.select(Screening.patient_id, sa.func.count()).group_by(Screening.patient_id)).all()
    assert max(count for _patient, count in per_patient) >= 3


def test_every_demo_response_pins_the_version_it_was_scored_with(demo, session, registry):
    for response in session.scalars(sa.select(Response)):
        assert response.instrument_version == registry[response.instrument_id].version
        assert response.score["version"] == response.instrument_version


def test_seeding_leaves_the_audit_chain_whole(app, demo, session):
    with app.app_context():
        assert verify_audit_chain(session) is None


def test_every_seeded_referral_goes_to_a_destination_the_referral_form_offers(demo, session):
    from app.models import ScreeningReview

    clinic = session.get(Clinic, demo)
    used = set(session.scalars(sa.select(ScreeningReview.referral_destination).distinct()).all()) - {None}
    assert used
    assert used <= set(clinic.referral_destinations)
