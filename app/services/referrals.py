"""Referral summaries: requested after a screening is submitted or its referral changes,
rendered in the background, stored with their SHA-256, downloaded instantly once ready."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import tasks
from app.db import utcnow
from app.models import ReferralDocument, Screening, User
from app.reports.render import RenderedPdf, render_referral
from app.services.audit import record_event, record_staff_event

log = logging.getLogger(__name__)
# A summary renders in about a second; one still queued after this was lost (worker stopped
# or its queue emptied). Generous: a long queue after a busy clinic morning is not a loss.
LOST_AFTER = timedelta(minutes=10)
# A worker renders one summary in seconds; one still `rendering` after this died mid-render
# (killed, out of memory, machine restarted). TALLYFORM_RENDER_TIMEOUT_SECONDS overrides it.
RENDER_TIMEOUT = timedelta(minutes=2)


class ReferralIntegrityError(RuntimeError):
    """A stored PDF no longer matches the SHA-256 recorded when it was rendered."""


def _document(session: Session, screening_id: int) -> ReferralDocument | None:
    return session.scalar(sa.select(ReferralDocument).where(ReferralDocument.screening_id == screening_id))


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
    """Queue a fresh rendering. Any earlier PDF is withdrawn at once, so nobody downloads a
    summary that lacks the latest referral note."""
    document = add_referral_request(session, screening)
    session.commit()
    return queue_referral_render(session, document)


def add_referral_request(session: Session, screening: Screening) -> ReferralDocument:
    """A fresh rendering requested in the caller's transaction (the caller commits, then
    calls `queue_referral_render`); any earlier PDF is withdrawn with it."""
    document = _document(session, screening.id)
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
    return document


def queue_referral_render(session: Session, document: ReferralDocument) -> ReferralDocument:
    """The job for a committed request: after the commit, so a worker never looks for a
    request that is not there yet."""
    try:
        tasks.enqueue_referral_render(document.screening_id, document.generation)
    except Exception:
        # The screening is saved whatever happens here; a failed summary is retried when opened.
        log.exception("could not queue the referral summary of screening %s", document.screening_id)
        document.status = "failed"
        session.commit()
    session.refresh(document)  # an immediate-mode queue has already rendered it
    return document


def _stuck(render_timeout: timedelta, now):
    """Summaries whose job was lost: queued for too long, or taken by a worker that never finished."""
    return sa.or_(
        sa.and_(ReferralDocument.status == "queued", ReferralDocument.requested_at < now - LOST_AFTER),
        sa.and_(ReferralDocument.status == "rendering", ReferralDocument.render_started_at < now - render_timeout),
    )


def referral_document(session: Session, screening: Screening, *, retry_failed: bool = True) -> ReferralDocument:
    """The screening's summary, queued now if it was never requested (screenings completed
    before summaries existed, or loaded in bulk) or if its last rendering failed."""
    document = _document(session, screening.id)
    # Opening the page again retries a failure, or a job lost with a stopped worker.
    lost = document is not None and session.scalar(
        sa.select(sa.exists().where(ReferralDocument.id == document.id, _stuck(RENDER_TIMEOUT, utcnow())))
    )
    if document is None or (retry_failed and document.status == "failed") or lost:
        document = request_referral_document(session, screening)
    return document


def requeue_stuck_referrals(session: Session, render_timeout: timedelta = RENDER_TIMEOUT) -> int:
    """Queue again every summary whose job was lost, so a worker killed mid-render never leaves
    a screening without its PDF until someone opens it. Run every minute by the queue's
    workers (app.tasks). Returns how many were queued again."""
    screening_ids = list(
        session.scalars(sa.select(ReferralDocument.screening_id).where(_stuck(render_timeout, utcnow())))
    )
    for screening_id in screening_ids:
        # The new generation supersedes the lost one, should its worker come back after all.
        request_referral_document(session, session.get(Screening, screening_id))
        log.warning("referral summary of screening %s was stuck; queued again", screening_id)
    return len(screening_ids)


def referral_summary_status(session: Session, screening: Screening) -> str:
    """The summary's state ("queued", "ready" or "failed") for a page that checks while it is prepared. A
    failure is not retried here (a page asking every few seconds would retry it in a loop);
    a person does that by asking for the summary again."""
    return referral_document(session, screening, retry_failed=False).status


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
    session.commit()
    if not taken:
        return "superseded"
    try:
        rendered = render_referral(session, screening_id, generated_at=utcnow())
    except Exception:
        session.rollback()
        # ids only: the exception text could quote patient data
        log.exception("referral summary for screening %s (generation %s) failed to render", screening_id, generation)
        return _finish(session, screening_id, generation, None)
    return _finish(session, screening_id, generation, rendered)


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
    session.commit()
    return "stored" if rendered else "failed"


@dataclass(frozen=True)
class ReferralDownload:
    pdf: bytes
    filename: str


def download_referral(
    session: Session, user: User, screening: Screening
) -> tuple[ReferralDocument, ReferralDownload | None]:
    """The summary's state, and the PDF when it is ready: checked against its SHA-256 and
    recorded in the audit trail. A summary never requested is queued now."""
    document = referral_document(session, screening)
    if document.status != "ready":
        return document, None
    pdf = session.scalar(sa.select(ReferralDocument.pdf).where(ReferralDocument.id == document.id))
    if hashlib.sha256(pdf).hexdigest() != document.sha256:
        raise ReferralIntegrityError(f"stored referral summary {document.id} does not match its SHA-256")
    record_staff_event(session, "referral.download", user, "screening", screening.id, {"sha256": document.sha256})
    session.commit()
    return document, ReferralDownload(pdf, f"referral-summary-{screening.id}.pdf")


def export_referral(session: Session, screening: Screening) -> bytes:
    """A summary for `flask export-referrals`: the stored one when ready, else rendered now."""
    download = session.scalar(
        sa.select(ReferralDocument.pdf).where(
            ReferralDocument.screening_id == screening.id, ReferralDocument.status == "ready"
        )
    )
    pdf = download or render_referral(session, screening.id, generated_at=utcnow()).pdf
    record_event(
        session,
        "referral.export",
        clinic_id=screening.clinic_id,
        actor_kind="cli",
        target_type="screening",
        target_id=screening.id,
        details={"sha256": hashlib.sha256(pdf).hexdigest()},
    )
    session.commit()
    return pdf
