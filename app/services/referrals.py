"""Referral summaries: requested after a screening is submitted or its referral changes,
rendered in the background, stored with their SHA-256, downloaded instantly once ready."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import ReferralDocument, Screening, User
from app.reports.render import render_referral
from app.services.audit import record_event, record_staff_event
from app.services.referral_pdf import RENDER_TIMEOUT, document_for, is_stuck, request_referral_document


class ReferralIntegrityError(RuntimeError):
    """A stored PDF no longer matches the SHA-256 recorded when it was rendered."""


def referral_document(session: Session, screening: Screening, *, retry_failed: bool = True) -> ReferralDocument:
    """The screening's summary, queued now if it was never requested (screenings completed
    before summaries existed, or loaded in bulk) or if its last rendering failed."""
    document = document_for(session, screening.id)
    # Opening the page again retries a failure, or a job lost with a stopped worker.
    lost = document is not None and session.scalar(
        sa.select(sa.exists().where(ReferralDocument.id == document.id, is_stuck(RENDER_TIMEOUT, utcnow())))
    )
    if document is None or (retry_failed and document.status == "failed") or lost:
        document = request_referral_document(session, screening)
        session.commit()
        session.refresh(document)  # an immediate-mode queue has already rendered it
    return document


def referral_summary_status(session: Session, screening: Screening) -> str:
    """The summary's state ("queued", "ready" or "failed") for a page that checks while it is prepared. A
    failure is not retried here (a page asking every few seconds would retry it in a loop);
    a person does that by asking for the summary again."""
    return referral_document(session, screening, retry_failed=False).status


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
