"""Each patient's course on each instrument, kept for the clinic dashboard: one row per
complete total, in the order they came, carrying the patient's first total (the baseline),
when the next total replaced it, and when a re-screening falls due. The row not yet
replaced is the patient's summary for that instrument.

Derived from the responses and kept in the same transaction as whatever changes it
(app.services.patient_totals); the responses stay the record.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime

#: the rows not yet replaced by a later total: one per patient and instrument
LATEST = sa.text("superseded_at IS NULL")


class PatientTotal(Base):
    __tablename__ = "patient_total"
    __table_args__ = (
        sa.UniqueConstraint("patient_id", "instrument_id", "sequence"),
        sa.CheckConstraint("sequence >= 1", name="sequence_from_one"),
        # The dashboard reads a clinic's latest totals by date, and those due for re-screening
        # by due date, each from a partial index of the latest rows only; and the rows
        # replaced after a date (its ranges can end in the past) from the third. None grows
        # with a patient's history.
        sa.Index(
            "ix_patient_total_latest_at",
            "clinic_id",
            "instrument_id",
            "at",
            sqlite_where=LATEST,
            postgresql_where=LATEST,
        ),
        sa.Index(
            "ix_patient_total_latest_due",
            "clinic_id",
            "rescreen_due_at",
            sqlite_where=LATEST,
            postgresql_where=LATEST,
        ),
        sa.Index("ix_patient_total_superseded", "clinic_id", "superseded_at"),
        # a packet's re-screening interval changing moves the due dates of its rows
        sa.Index("ix_patient_total_packet", "packet_id", "instrument_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("response.id"), unique=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"))
    patient_id: Mapped[int] = mapped_column(sa.ForeignKey("patient.id"))
    instrument_id: Mapped[str] = mapped_column(sa.String(64))
    #: the packet the total was given in, whose entry sets the re-screening interval
    packet_id: Mapped[int | None] = mapped_column(sa.ForeignKey("packet.id"))
    #: 1 for the patient's first complete total of the instrument (the baseline), then 2, 3, ...
    sequence: Mapped[int]
    total: Mapped[int]
    #: when the screening was completed
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    baseline_total: Mapped[int]
    #: when the patient's next total of the instrument was completed; None: this is the latest
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: `at` plus the packet entry's re-screening interval; None: the entry sets none
    rescreen_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
