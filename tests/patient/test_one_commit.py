"""A tablet submit is one transaction, and the referral summary is queued only after it commits."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.models import ReferralDocument, Response, Screening
from app.services import referral_pdf
from app.services.after_commit import after_commit
from tests.patient.test_tablet_flow import steps_of


@pytest.fixture
def commits():
    """Every database commit, as the driver is asked to make it."""
    seen: list[str] = []

    def count(_connection):
        seen.append("commit")

    sa.event.listen(sa.engine.Engine, "commit", count)
    yield seen
    sa.event.remove(sa.engine.Engine, "commit", count)


def _answered(start_screening, tablet, registry) -> int:
    screening_id, code = start_screening(packet="Follow-up")
    tablet.enter_code(code)
    for index in range(len(steps_of(registry, ["phq9", "gad7"]))):
        tablet.answer(index, 1)
    return screening_id


def test_a_tablet_submit_is_one_commit_and_queues_the_summary_after_it(
    start_screening, tablet, registry, session, commits, monkeypatch
):
    screening_id = _answered(start_screening, tablet, registry)
    queued = []
    monkeypatch.setattr(
        referral_pdf, "render_referral_document", lambda sid, generation: queued.append((sid, len(commits)))
    )
    commits.clear()
    assert tablet.submit().headers["Location"] == "/kiosk/done"
    assert len(commits) == 1
    assert queued == [(screening_id, 1)]  # after the commit, not before it
    assert session.get(Screening, screening_id).status == "completed"


def test_an_after_commit_step_never_runs_for_a_rolled_back_transaction(app):
    from app.extensions import db

    ran = []
    with app.app_context():
        after_commit(db.session, lambda: ran.append("rolled back"))
        db.session.rollback()
        db.session.commit()
        assert ran == []
        after_commit(db.session, lambda: ran.append("committed"))
        db.session.commit()
    assert ran == ["committed"]


def test_a_queue_that_fails_after_the_commit_loses_no_screening_and_the_periodic_job_queues_it_again(
    app, start_screening, tablet, registry, session, monkeypatch
):
    screening_id = _answered(start_screening, tablet, registry)

    def unreachable(*_args):
        raise ConnectionError("queue is down")

    with monkeypatch.context() as patched:
        patched.setattr(referral_pdf, "render_referral_document", unreachable)
        assert tablet.submit().headers["Location"] == "/kiosk/done"
    assert session.get(Screening, screening_id).status == "completed"
    assert session.scalar(sa.select(sa.func.count()).where(Response.screening_id == screening_id)) == 2
    document = session.scalar(sa.select(ReferralDocument).where(ReferralDocument.screening_id == screening_id))
    assert document.status == "queued"
    session.execute(
        sa.update(ReferralDocument)
        .where(ReferralDocument.id == document.id)
        .values(requested_at=document.requested_at - referral_pdf.LOST_AFTER - timedelta(minutes=1))
    )
    session.commit()
    with app.app_context():
        assert referral_pdf.requeue_stuck_referrals() >= 1
    session.expire_all()
    assert session.get(ReferralDocument, document.id).status == "ready"
