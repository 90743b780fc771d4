from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow
from app.models.patient import Patient

if TYPE_CHECKING:
    from app.models.clinic import Clinic

SCREENING_STATUSES = ("pending", "in_progress", "completed", "cancelled")


class InstrumentVersion(Base):
    """The full definition of an instrument as a patient saw it, kept for as long as a
    response points at it, so a report years later shows exactly that wording."""

    __tablename__ = "instrument_version"

    #: sha256 of the canonical definition
    version: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    instrument_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    definition: Mapped[dict]
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: the wording's language (ISO 639-1), and for a translation the English version whose
    #: rules and codes it shares: kept with the version so that telling a translation from
    #: its English never needs the responses that pinned them
    language: Mapped[str] = mapped_column(sa.String(8), default="en", server_default="en")
    translates: Mapped[str | None] = mapped_column(sa.String(64))

    def __repr__(self) -> str:
        return f"<InstrumentVersion {self.instrument_id} {self.version[:12]}>"


class Screening(Base):
    """One sitting of a patient with a packet of instruments."""

    __tablename__ = "screening"
    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'in_progress', 'completed', 'cancelled')", name="status"),
        # a completed screening has a completion time, and only a completed one does
        sa.CheckConstraint("(status = 'completed') = (completed_at IS NOT NULL)", name="completed_at_iff_completed"),
        sa.CheckConstraint("worklist_priority IN (0, 1, 2)", name="worklist_priority"),
        # the flag and the time it was raised go together
        sa.CheckConstraint("is_urgent = (urgent_at IS NOT NULL)", name="urgent_at_iff_urgent"),
        # The worklist reads this index in order (backwards) and stops after one page: no sort,
        # no scan of the clinic's history however long it grows.
        sa.Index("ix_screening_worklist", "clinic_id", "worklist_priority", "created_at", "id"),
        # the clinic dashboard reads one clinic's screenings by date range
        sa.Index("ix_screening_clinic_created", "clinic_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"))
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"), index=True)
    packet_id: Mapped[int | None] = mapped_column(sa.ForeignKey("packet.id"))
    #: the packet's name and instruments as given, so a later edit of the packet changes nothing here
    packet_name: Mapped[str] = mapped_column(sa.String(120))
    instrument_ids: Mapped[list]
    #: follow-up instrument -> {"after": screener, "at_least": threshold}, as set when the
    #: screening was created, so a later change of packet or threshold changes nothing here
    follow_ups: Mapped[dict] = mapped_column(default=dict, server_default=sa.text("'{}'"))
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    #: a safety flag was raised (PHQ-9 item 9 above 0)
    is_urgent: Mapped[bool] = mapped_column(default=False)
    #: when the safety flag was raised: the moment the patient gave the answer, not the submit
    urgent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the worklist's order, highest first (app.services.urgency): 2 urgent and not yet
    #: acknowledged, 1 at or over a referral threshold, 0 the rest; None: not on the worklist
    #: (unfinished and not urgent). Kept in the same transaction as whatever changes it.
    worklist_priority: Mapped[int | None] = mapped_column(sa.SmallInteger)
    #: the sitting's language (ISO 639-1): instruments with a verified translation are shown in it
    language: Mapped[str] = mapped_column(sa.String(8), default="en", server_default="en")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    patient: Mapped[Patient] = relationship()
    #: read with the tablet's session on a screen's GET (its read-aloud and care-intro settings)
    clinic: Mapped[Clinic] = relationship(viewonly=True)
    responses: Mapped[list[Response]] = relationship(back_populates="screening", order_by="Response.id")


class Response(Base):
    """A patient's answers to one instrument, with the version they saw and the score
    computed at submission. Never updated: a correction is a new record, not an edit
    (enforced here and by a database trigger)."""

    __tablename__ = "response"
    __table_args__ = (
        sa.UniqueConstraint("screening_id", "instrument_id"),
        # the worklist's "instrument and band" filter finds a rare band without reading every response
        sa.Index("ix_response_instrument_band", "instrument_id", "band"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    screening_id: Mapped[int] = mapped_column(sa.ForeignKey("screening.id"))
    instrument_id: Mapped[str] = mapped_column(sa.String(64))
    instrument_version: Mapped[str] = mapped_column(sa.ForeignKey("instrument_version.version"))
    #: item id -> chosen option value; an unanswered item is absent
    #: the language the patient answered in; the wording seen is `translation_version` when not English
    language: Mapped[str] = mapped_column(sa.String(8), default="en", server_default="en")
    #: the pinned translated definition the patient saw (None: the English `instrument_version`);
    #: scoring always follows `instrument_version`, whose rules the translation shares
    translation_version: Mapped[str | None] = mapped_column(sa.ForeignKey("instrument_version.version"))
    answers: Mapped[dict]
    #: facts given by staff that some rules need (ACE-associated health condition)
    clinician_inputs: Mapped[dict] = mapped_column(default=dict)
    #: the Score as computed at submission (app.instruments.scoring.Score.to_dict)
    score: Mapped[dict]
    total: Mapped[int | None]
    band: Mapped[str | None] = mapped_column(sa.String(32))
    is_complete: Mapped[bool]
    is_urgent: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    screening: Mapped[Screening] = relationship(back_populates="responses")


class ImmutableRecordError(RuntimeError):
    pass


@sa.event.listens_for(Response, "before_update")
def _responses_are_never_updated(_mapper, _connection, target: Response) -> None:
    raise ImmutableRecordError(f"response {target.id} is immutable")
