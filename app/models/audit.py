from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class AuditEvent(Base):
    """Who did what to which record, and when. Append-only and hash-chained: each event's
    hash covers the previous one's, so an edited or deleted row breaks the chain.
    Holds ids and action names only, never PHI."""

    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_event_clinic_at", "clinic_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    clinic_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clinic.id"))
    actor_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    #: "user", "kiosk", "system" or "cli"
    actor_kind: Mapped[str] = mapped_column(sa.String(16))
    #: dotted verb, e.g. "staff.sign_in", "screening.create"
    action: Mapped[str] = mapped_column(sa.String(64))
    target_type: Mapped[str | None] = mapped_column(sa.String(32))
    target_id: Mapped[str | None] = mapped_column(sa.String(64))
    details: Mapped[dict] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)


@sa.event.listens_for(AuditEvent, "before_update")
def _audit_events_are_never_updated(_mapper, _connection, target: AuditEvent) -> None:
    from app.models.screening import ImmutableRecordError

    raise ImmutableRecordError(f"audit event {target.id} is append-only")
