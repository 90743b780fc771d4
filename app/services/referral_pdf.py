"""The referral summary's PDF job: requested in the caller's transaction, queued after it
commits, rendered by a worker, stored here with its SHA-256. Also the job that re-queues a
summary whose worker was lost."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import ReferralDocument, Screening
from app.queue import job, job_app, periodic_job
from app.reports.render import RenderedPdf, render_referral
from app.services.after_commit import after_commit
from app.services.audit import record_event

log = logging.getLogger(__name__)
# A summary renders in about a second; one still queued after this was lost (worker stopped
# or its queue emptied). Generous: a long queue after a busy clinic morning is not a loss.
LOST_AFTER = timedelta(minutes=10)
# A worker renders one summary in seconds; one still `rendering` after this died mid-render
# (killed, out of memory, machine restarted). TALLYFORM_RENDER_TIMEOUT_SECONDS overrides it.
RENDER_TIMEOUT = timedelta(minutes=2)


_DOCUMENT_FOR = sa.select(ReferralDocument).where(ReferralDocument.screening_id == sa.bindparam("screening_id"))


def document_for(session: Session, screening_id: int) -> ReferralDocument | None:
    return session.scalar(_DOCUMENT_FOR, {"screening_id": screening_id})


def _audit_document(session: Session, action: str, document: ReferralDocument, details: dict) -> None:
    """Each change of a stored summary, with its generation: the rows are updated in place."""
    record_event(
        session,
        action,
        clinic_id=document.clinic_id,
        actor_kind="system",
        target_type="screening",
        target_id=document.screening_id,
        details={"generation": document.generation, **details},
    )


def request_referral_document(session: Session, screening: Screening) -> ReferralDocument:
    """Add a fresh rendering to the caller's transaction; it is queued once that commits.
    Any earlier PDF is withdrawn in the same transaction, so nobody downloads a summary that
    lacks the latest referral note."""
    document = document_for(session, screening.id)
    withdrawn = None
    if document is None:
        document = ReferralDocument(screening_id=screening.id, clinic_id=screening.clinic_id, generation=1)
        session.add(document)
    else:
        withdrawn = document.sha256
        document.generation += 1
        document.status, document.pdf, document.sha256, document.byte_size = "queued", None, None, None
        document.requested_at, document.render_started_at, document.rendered_at = utcnow(), None, None
    session.flush()
    _audit_document(session, "referral_document.request", document, {"withdrawn_sha256": withdrawn})
    screening_id, generation = screening.id, document.generation
    after_commit(session, lambda: _enqueue(screening_id, generation))
    return document


def _enqueue(screening_id: int, generation: int) -> None:
    try:
        render_referral_document(screening_id, generation)
    except Exception:
        # The screening is committed whatever happens here. The summary stays queued, and the
        # periodic re-queue (or opening it) queues it again once it counts as lost.
        log.exception("could not queue the referral summary of screening %s", screening_id)


def is_stuck(render_timeout: timedelta, now):
    """Summaries whose job was lost: queued for too long, or taken by a worker that never finished."""
    return sa.or_(
        sa.and_(ReferralDocument.status == "queued", ReferralDocument.requested_at < now - LOST_AFTER),
        sa.and_(ReferralDocument.status == "rendering", ReferralDocument.render_started_at < now - render_timeout),
    )


def requeue_lost(session: Session, render_timeout: timedelta = RENDER_TIMEOUT) -> int:
    """Queue again every summary whose job was lost, so a worker killed mid-render never leaves
    a screening without its PDF until someone opens it. Run every minute by the queue's
    workers (the job below). Returns how many were queued again; the caller commits."""
    screening_ids = list(
        session.scalars(sa.select(ReferralDocument.screening_id).where(is_stuck(render_timeout, utcnow())))
    )
    for screening_id in screening_ids:
        # The new generation supersedes the lost one, should its worker come back after all.
        request_referral_document(session, session.get(Screening, screening_id))
        log.warning("referral summary of screening %s was stuck; queued again", screening_id)
    return len(screening_ids)


def store_rendered_referral(session: Session, screening_id: int, generation: int) -> str:
    """Render one requested summary and keep it, unless a newer request superseded it.
    Returns what happened: "stored", "superseded" (by a newer request, or done already by a
    job delivered twice) or "failed"."""
    # Marked before the slow part, so a worker that dies while rendering leaves a trace the
    # periodic re-queue finds; a job for a superseded or finished generation stops here.
    taken = session.execute(
        sa.update(ReferralDocument)
        .where(
            ReferralDocument.screening_id == screening_id,
            ReferralDocument.generation == generation,
            ReferralDocument.status.in_(("queued", "rendering")),
        )
        .values(status="rendering", render_started_at=utcnow())
    ).rowcount
    session.commit()  # the mark must be seen before the slow part, by another worker too
    if not taken:
        return "superseded"
    try:
        rendered = render_referral(session, screening_id, generated_at=utcnow())
    except Exception:
        session.rollback()
        # ids only: the exception text could quote patient data
        log.exception("referral summary for screening %s (generation %s) failed to render", screening_id, generation)
        rendered = None
    outcome = _finish(session, screening_id, generation, rendered)
    session.commit()
    return outcome


def _finish(session: Session, screening_id: int, generation: int, rendered: RenderedPdf | None) -> str:
    document = session.scalar(
        sa.select(ReferralDocument).where(ReferralDocument.screening_id == screening_id).with_for_update()
    )
    if document is None or document.generation != generation:
        session.rollback()
        return "superseded"
    if rendered is None:
        document.status = "failed"
    else:
        document.status, document.pdf, document.sha256 = "ready", rendered.pdf, rendered.sha256
        document.byte_size, document.rendered_at = len(rendered.pdf), utcnow()
    _audit_document(session, f"referral_document.{document.status}", document, {"sha256": document.sha256})
    return "stored" if rendered else "failed"


@job(retries=2, retry_delay=30)
def render_referral_document(screening_id: int, generation: int) -> str:
    from app.extensions import db

    # A fresh app context gives the job its own database session, even in immediate mode.
    with job_app().app_context():
        return store_rendered_referral(db.session, screening_id, generation)


@periodic_job(minute="*")
def requeue_stuck_referrals() -> int:
    from app.extensions import db

    app = job_app()
    with app.app_context():
        count = requeue_lost(db.session, timedelta(seconds=app.config["RENDER_TIMEOUT_SECONDS"]))
        db.session.commit()
        return count
