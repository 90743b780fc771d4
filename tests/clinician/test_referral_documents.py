"""Referral summaries rendered in the background, stored with a SHA-256, downloaded once ready."""

from __future__ import annotations

import hashlib
import io

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.models import AuditEvent, ReferralDocument, Screening
from tests.fixtures import at, latest_screening_id, page_text


def _document(session, screening_id: int) -> ReferralDocument:
    session.expire_all()
    return session.scalar(sa.select(ReferralDocument).where(ReferralDocument.screening_id == screening_id))


def test_submitting_a_screening_queues_its_summary_which_is_stored_with_its_sha256(session, demo_clinic):
    patient = demo_clinic.patient("New Arrival", "900400")
    screening_id = demo_clinic.screening(
        patient, {"phq9": [1, 1, 1, 1, 1, 1, 1, 1, 0, 1], "gad7": [0] * 7}, at(2026, 11, 20), queue_referral=True
    )
    document = _document(session, screening_id)
    pdf = session.scalar(sa.select(ReferralDocument.pdf).where(ReferralDocument.id == document.id))
    assert document.status == "ready"
    assert document.generation == 1
    assert document.sha256 == hashlib.sha256(pdf).hexdigest()
    assert document.byte_size == len(pdf)
    assert "New Arrival" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_download_serves_the_stored_pdf_and_is_audited(login_as, client, session):
    login_as("clinician")
    screening_id = latest_screening_id(session, "James Okafor")
    response = client.get(f"/clinician/screenings/{screening_id}/referral-summary.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'attachment; filename="referral-summary-{screening_id}.pdf"'
    assert response.headers["Cache-Control"] == "no-store"
    stored = _document(session, screening_id)
    assert hashlib.sha256(response.data).hexdigest() == stored.sha256
    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "referral.download"))
    assert (event.target_id, event.details) == (str(screening_id), {"sha256": stored.sha256})


def _opened_summary(login_as, client, session, status: str, **changes) -> tuple[int, int]:
    """A clinician opens James Okafor's screening (rendering its summary), then the stored
    summary is put in `status`, as a worker would leave it; returns (screening id, generation)."""
    login_as("clinician")
    screening_id = latest_screening_id(session, "James Okafor")
    client.get(f"/clinician/screenings/{screening_id}")
    document = _document(session, screening_id)
    document.status, document.pdf, document.sha256 = status, None, None
    for name, value in changes.items():
        setattr(document, name, value)
    session.commit()
    return screening_id, document.generation


def test_a_summary_not_yet_rendered_shows_being_prepared_and_checks_again(login_as, client, session):
    # as a queued job the worker has not reached yet
    screening_id, _generation = _opened_summary(login_as, client, session, "queued", generation=2)
    response = client.get(f"/clinician/screenings/{screening_id}/referral-summary.pdf")
    assert response.status_code == 202
    # no meta refresh (axe: critical): a static script asks the status route, and without
    # script a visible button asks again
    assert 'http-equiv="refresh"' not in response.text
    assert '<script src="/static/js/summary.js"></script>' in response.text
    assert f'data-status-url="/clinician/screenings/{screening_id}/referral-summary/status"' in response.text
    check_again = f'<a class="button primary" href="/clinician/screenings/{screening_id}/referral-summary.pdf">'
    assert check_again + "Check again</a>" in response.text
    assert "<progress" in response.text
    assert "being prepared" in page_text(response.text)
    assert client.get(f"/clinician/screenings/{screening_id}/referral-summary/status").json == {"status": "queued"}
    assert "Being prepared" in page_text(client.get(f"/clinician/screenings/{screening_id}").text)
    assert not session.scalar(sa.select(AuditEvent.id).where(AuditEvent.action == "referral.download"))


def test_the_status_route_never_retries_a_failed_summary(login_as, client, session):
    screening_id, generation = _opened_summary(login_as, client, session, "failed")
    assert client.get(f"/clinician/screenings/{screening_id}/referral-summary/status").json == {"status": "failed"}
    assert _document(session, screening_id).generation == generation


def test_a_rendering_for_a_superseded_request_is_discarded(app, session, demo):
    from app.extensions import db
    from app.services.referral_pdf import request_referral_document, store_rendered_referral

    screening_id = latest_screening_id(session, "Maria Alvarez")
    with app.app_context():
        screening = db.session.get(Screening, screening_id)
        first = request_referral_document(db.session, screening).generation
        db.session.commit()
        request_referral_document(db.session, screening)
        db.session.commit()
        assert store_rendered_referral(db.session, screening_id, first) == "superseded"
    assert _document(session, screening_id).generation == first + 1


def test_a_tampered_pdf_is_never_served(app, session, demo):
    from app.extensions import db
    from app.models import User
    from app.services.referrals import ReferralIntegrityError, download_referral, referral_document

    screening_id = latest_screening_id(session, "Maria Alvarez")
    with app.app_context():
        referral_document(db.session, db.session.get(Screening, screening_id))
    document = _document(session, screening_id)
    document.pdf = b"%PDF-1.7 something else"
    session.commit()
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.role == "clinician"))
        with pytest.raises(ReferralIntegrityError):
            download_referral(db.session, user, db.session.get(Screening, screening_id))


def test_export_referrals_writes_one_pdf_per_completed_screening_since_the_date(runner, session, demo, tmp_path):
    result = runner.invoke(args=["export-referrals", "--since", "2026-10-01", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    since = session.scalar(
        sa.select(sa.func.count()).select_from(Screening).where(Screening.completed_at >= at(2026, 10, 1, 0))
    )
    files = sorted((tmp_path / "out").glob("riverside-screening-*.pdf"))
    assert since > 1
    assert len(files) == since
    assert f"Exporting {since} referral summaries" in result.output
    assert f"Wrote {since} PDFs" in result.output
    assert all(PdfReader(file).pages for file in files)
    exported = session.scalars(sa.select(AuditEvent.target_id).where(AuditEvent.action == "referral.export")).all()
    assert sorted(exported) == sorted(file.stem.rsplit("-", 1)[1] for file in files)


def test_export_refuses_a_malformed_date(runner, demo, tmp_path):
    result = runner.invoke(args=["export-referrals", "--since", "01/10/2026", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "Invalid value for '--since'" in result.output
    assert not (tmp_path / "out").exists()


def test_a_summary_queued_long_ago_is_queued_again_when_opened(login_as, client, session):
    from datetime import timedelta

    from app.db import utcnow

    # its worker stopped before reaching it
    screening_id, generation = _opened_summary(
        login_as, client, session, "queued", requested_at=utcnow() - timedelta(hours=1)
    )
    assert client.get(f"/clinician/screenings/{screening_id}/referral-summary.pdf").status_code == 200
    assert _document(session, screening_id).generation == generation + 1


def test_screening_page_shows_when_a_ready_summary_was_prepared_in_clinic_time(login_as, client, session):
    login_as("clinician")
    screening_id = latest_screening_id(session, "James Okafor")
    client.get(f"/clinician/screenings/{screening_id}")  # opening the page renders a missing summary
    assert client.get(f"/clinician/screenings/{screening_id}/referral-summary.pdf").status_code == 200
    stored = _document(session, screening_id)
    page = client.get(f"/clinician/screenings/{screening_id}")
    assert page.status_code == 200
    assert "Prepared " in page.text
    assert stored.sha256 in page.text


def _as_left_by_a_lost_job(session, screening_id: int, status: str, minutes_ago: int) -> int:
    """The summary's state after its job was lost `minutes_ago` (a worker killed mid-render
    leaves `rendering`; a queue that lost its message leaves `queued`)."""
    from datetime import timedelta

    from app.db import utcnow

    document = _document(session, screening_id)
    document.status, document.pdf, document.sha256, document.byte_size = status, None, None, None
    document.requested_at = document.render_started_at = utcnow() - timedelta(minutes=minutes_ago)
    session.commit()
    return document.generation


def test_the_periodic_job_requeues_summaries_whose_worker_died_and_leaves_live_ones(app, session, demo):
    from app.tasks import requeue_stuck_referrals

    killed = latest_screening_id(session, "James Okafor")
    lost_in_queue = latest_screening_id(session, "Maria Alvarez")
    still_rendering = latest_screening_id(session, "Linh Tran")
    with app.app_context():
        from app.extensions import db
        from app.services.referrals import referral_document

        for screening_id in (killed, lost_in_queue, still_rendering):
            referral_document(db.session, db.session.get(Screening, screening_id))
        assert requeue_stuck_referrals() == 0
    killed_generation = _as_left_by_a_lost_job(session, killed, "rendering", minutes_ago=5)
    lost_generation = _as_left_by_a_lost_job(session, lost_in_queue, "queued", minutes_ago=30)
    live_generation = _as_left_by_a_lost_job(session, still_rendering, "rendering", minutes_ago=0)

    with app.app_context():
        assert requeue_stuck_referrals() == 2

    for screening_id, generation in ((killed, killed_generation), (lost_in_queue, lost_generation)):
        document = _document(session, screening_id)
        pdf = session.scalar(sa.select(ReferralDocument.pdf).where(ReferralDocument.id == document.id))
        assert (document.status, document.generation) == ("ready", generation + 1)
        assert hashlib.sha256(pdf).hexdigest() == document.sha256
    live = _document(session, still_rendering)
    assert (live.status, live.generation) == ("rendering", live_generation)


def test_a_worker_marks_the_summary_rendering_before_it_renders(app, session, demo, monkeypatch):
    from app.extensions import db
    from app.services import referral_pdf, referrals

    screening_id = latest_screening_id(session, "Maria Alvarez")
    seen = []

    def render(_session, rendered_id, *, generated_at):
        seen.append((_document(session, rendered_id).status, _document(session, rendered_id).render_started_at))
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(referral_pdf, "render_referral", render)
    with app.app_context():
        document = referrals.referral_document(db.session, db.session.get(Screening, screening_id))
    assert seen[0][0] == "rendering"
    assert seen[0][1] is not None
    assert document.status == "failed"


def test_a_job_for_a_summary_already_stored_renders_nothing_again(app, session, demo, monkeypatch):
    from app.extensions import db
    from app.services import referral_pdf, referrals

    screening_id = latest_screening_id(session, "Maria Alvarez")
    with app.app_context():
        document = referrals.referral_document(db.session, db.session.get(Screening, screening_id))
    assert document.status == "ready"
    monkeypatch.setattr(referral_pdf, "render_referral", lambda *a, **k: pytest.fail("rendered a second time"))
    with app.app_context():
        assert referral_pdf.store_rendered_referral(db.session, screening_id, document.generation) == "superseded"
