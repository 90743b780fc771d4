"""Facts a clinician gives about a response that some scoring rules need (ACE-associated health
condition for the ACEs Aware tier). Each entry is its own record, never changed: a new value is
a new row, so the earlier values and who gave them stay."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class ClinicianInput(Base):
    __tablename__ = "clinician_input"
    __table_args__ = (sa.Index("ix_clinician_input_response_recorded", "response_id", "recorded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"))
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("response.id"))
    #: the instrument's clinician_input key, e.g. "aahc"
    key: Mapped[str] = mapped_column(sa.String(32))
    #: one of the values the pinned instrument version declares for that key
    value: Mapped[str] = mapped_column(sa.String(32))
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<ClinicianInput {self.id} response={self.response_id}>"


@sa.event.listens_for(ClinicianInput, "before_update")
def _clinician_inputs_are_never_updated(_mapper, _connection, target: ClinicianInput) -> None:
    from app.models.screening import ImmutableRecordError

    raise ImmutableRecordError(f"clinician input {target.id} is immutable: record a new value")
