from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class Patient(Base):
    __tablename__ = "patient"
    __table_args__ = (sa.UniqueConstraint("clinic_id", "mrn"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    #: the clinic's medical record number, unique within the clinic
    mrn: Mapped[str] = mapped_column(sa.String(64))
    name: Mapped[str] = mapped_column(sa.String(200))
    date_of_birth: Mapped[date]
    #: the language the patient reads best (ISO 639-1), offered first at every check-in
    language: Mapped[str] = mapped_column(sa.String(8), default="en", server_default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
