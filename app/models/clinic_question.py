from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow

CLINIC_QUESTION_TYPES = ("yes_no", "single_choice", "short_text")
#: shown with every clinic question wherever a patient or staff member reads it
CLINIC_QUESTION_LABEL = "clinic question — not a validated instrument"


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


class ClinicQuestionResponse(Base):
    """A patient's answers to the clinic's own questions in one screening, pinned to the
    question-set version they saw. Stored with the instrument responses at submit and,
    like them, never updated (enforced here and by a database trigger)."""

    __tablename__ = "clinic_question_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    screening_id: Mapped[int] = mapped_column(sa.ForeignKey("screening.id"), unique=True)
    question_set_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic_question_set.id"))
    #: item id -> the chosen option's text or the typed text; an unanswered item is absent
    answers: Mapped[dict]
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@sa.event.listens_for(ClinicQuestionResponse, "before_update")
def _clinic_answers_are_never_updated(_mapper, _connection, target: ClinicQuestionResponse) -> None:
    from app.models.screening import ImmutableRecordError

    raise ImmutableRecordError(f"clinic question response {target.id} is immutable")
