from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow

CLINIC_QUESTION_TYPES = ("yes_no", "single_choice", "short_text")


class ClinicQuestionSet(Base):
    """One version of a clinic's own short questionnaire. Never updated: each edit adds a
    new version, so an answer can keep pointing at the exact questions the patient saw.
    Never scored, and always labelled as not a validated instrument."""

    __tablename__ = "clinic_question_set"
    __table_args__ = (
        sa.UniqueConstraint("clinic_id", "version"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    #: 1, 2, 3 … within the clinic
    version: Mapped[int]
    #: [{"id": "q1", "type": "yes_no" | "single_choice" | "short_text", "text": …, "options": [...]}]
    items: Mapped[list]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@sa.event.listens_for(ClinicQuestionSet, "before_update")
def _question_sets_are_never_updated(_mapper, _connection, target: ClinicQuestionSet) -> None:
    from app.models.screening import ImmutableRecordError

    raise ImmutableRecordError(f"clinic question set {target.id} is immutable: save a new version")
