"""A clinician's review of a completed screening, and the referral summary rendered for it."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow
from app.models.screening import ImmutableRecordError

REVIEW_STATUSES = ("needs_review", "reviewed", "referred", "no_action")
REVIEW_STATUS_LABELS = {
    "needs_review": "Needs review",
    "reviewed": "Reviewed",
    "referred": "Referred",
    "no_action": "No action needed",
}
DOCUMENT_STATUSES = ("queued", "ready", "failed")
REFERRAL_FIELDS = ("reason", "destination", "note")


class ScreeningReview(Base):
    """Where a clinician has got to with one screening. Added ("needs review", nothing
    acknowledged, no referral) when the screening reaches the worklist; each change is also
    in the audit trail."""

    __tablename__ = "screening_review"
    __table_args__ = (
        sa.CheckConstraint("status IN ('needs_review', 'reviewed', 'referred', 'no_action')", name="status"),
        # a status other than the starting one was set by someone, at some time
        sa.CheckConstraint(
            "status = 'needs_review' OR (status_by_id IS NOT NULL AND status_at IS NOT NULL)", name="status_has_author"
        ),
        sa.CheckConstraint(
            "(urgent_acknowledged_at IS NULL) = (urgent_acknowledged_by_id IS NULL)", name="acknowledgement_has_author"
        ),
        # "referred" means a destination was written down
        sa.CheckConstraint("status <> 'referred' OR referral_destination IS NOT NULL", name="referred_has_destination"),
        sa.Index("ix_screening_review_clinic_status", "clinic_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    screening_id: Mapped[int] = mapped_column(sa.ForeignKey("screening.id"), unique=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"))
    status: Mapped[str] = mapped_column(sa.String(16), default="needs_review")
    status_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    status_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: an urgent screening stays pinned at the top of the worklist until this is set
    urgent_acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    urgent_acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the current referral, a copy of its latest ReferralVersion (which keeps every earlier one)
    referral_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: one of the clinic's referral destinations at the time it was chosen
    referral_destination: Mapped[str | None] = mapped_column(sa.String(200))
    referral_note: Mapped[str | None] = mapped_column(sa.Text)
    referral_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    referral_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReferralVersion(Base):
    """One saved version of a screening's referral. Each save adds a version and none is ever
    changed (enforced here and by a database trigger), so whatever a clinician wrote stays
    readable after a colleague rewrites it."""

    __tablename__ = "referral_version"
    __table_args__ = (
        sa.UniqueConstraint("screening_id", "version"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    screening_id: Mapped[int] = mapped_column(sa.ForeignKey("screening.id"))
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    #: 1, 2, 3 … within the screening
    version: Mapped[int]
    reason: Mapped[str | None] = mapped_column(sa.Text)
    #: one of the clinic's referral destinations at the time it was chosen
    destination: Mapped[str | None] = mapped_column(sa.String(200))
    note: Mapped[str | None] = mapped_column(sa.Text)
    #: which of REFERRAL_FIELDS differ from the previous version (for the first: those given)
    changed: Mapped[list]
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@sa.event.listens_for(ReferralVersion, "before_update")
@sa.event.listens_for(ReferralVersion, "before_delete")
def _referral_versions_are_append_only(_mapper, _connection, target: ReferralVersion) -> None:
    raise ImmutableRecordError(f"referral version {target.id} is immutable: save a new version")


class ReferralDocument(Base):
    """The rendered referral summary of one screening. Rendering runs in the background; a new
    request (a changed referral note) bumps `generation`, and a render finishing for an older
    generation is discarded, so the stored PDF always shows the latest referral."""

    __tablename__ = "referral_document"
    __table_args__ = (
        sa.CheckConstraint("status IN ('queued', 'rendering', 'ready', 'failed')", name="status"),
        sa.CheckConstraint("(status = 'ready') = (pdf IS NOT NULL)", name="pdf_iff_ready"),
        sa.CheckConstraint("(pdf IS NULL) = (sha256 IS NULL)", name="sha256_iff_pdf"),
        sa.CheckConstraint("generation >= 1", name="generation_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    screening_id: Mapped[int] = mapped_column(sa.ForeignKey("screening.id"), unique=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="queued")
    generation: Mapped[int] = mapped_column(default=1)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: when a worker took the current generation; one still `rendering` long after died mid-render
    render_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rendered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pdf: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    #: hex SHA-256 of `pdf`, checked again before every download
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    byte_size: Mapped[int | None]
