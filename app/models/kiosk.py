from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow
from app.models.screening import Screening


class AccessCode(Base):
    """A one-time code that opens one screening on a tablet. Only a keyed hash of the
    code is stored, so a copy of the database does not open anyone's screening."""

    __tablename__ = "access_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    screening_id: Mapped[int] = mapped_column(sa.ForeignKey("screening.id"), index=True)
    #: HMAC-SHA256 of the normalised code, keyed with the app's secret
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: set when a newer code is issued for the same screening
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    screening: Mapped[Screening] = relationship()


class AccessAttempt(Base):
    """A code entered on a tablet, kept to slow guessing from its network address."""

    __tablename__ = "access_attempt"
    __table_args__ = (sa.Index("ix_access_attempt_ip_at", "ip_key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: sha256 of the client address (an address is personal data: not kept in clear)
    ip_key: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    is_success: Mapped[bool]
    #: set when the front desk cleared the wait this wrong code caused
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class KioskSession(Base):
    """A tablet's hold on one screening, from a redeemed code until submit, idle timeout
    or hand-back. Server-side, so ending it ends it whatever the browser kept."""

    __tablename__ = "kiosk_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    screening_id: Mapped[int] = mapped_column(sa.ForeignKey("screening.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: "submitted", "idle", "replaced", "left" or "cancelled" (by the front desk)
    end_reason: Mapped[str | None] = mapped_column(sa.String(16))

    screening: Mapped[Screening] = relationship()


class DraftAnswer(Base):
    """An answer saved as the patient goes, so a reload, a dropped network or a flat
    battery loses nothing. Replaced by the immutable Response on submit."""

    __tablename__ = "draft_answer"
    __table_args__ = (sa.UniqueConstraint("screening_id", "instrument_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    screening_id: Mapped[int] = mapped_column(sa.ForeignKey("screening.id"))
    instrument_id: Mapped[str] = mapped_column(sa.String(64))
    item_id: Mapped[str] = mapped_column(sa.String(32))
    #: None: the patient moved on without answering
    value: Mapped[int | None]
    #: the typed answer to a clinic's short-text question (value is then None)
    text_value: Mapped[str | None] = mapped_column(sa.String(200))
    #: the instrument version the patient was shown (clinic questions: the question set's id)
    instrument_version: Mapped[str] = mapped_column(sa.String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
