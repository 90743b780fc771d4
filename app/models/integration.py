from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow
from app.models.staff import User


class ApiToken(Base):
    """A credential an integration (an EHR interface, a partner's system) presents to the
    read-only API. It acts for one clinic only. The token itself is shown once, when it is
    made; only its SHA-256 is kept, so a copy of the database lets no one call the API."""

    __tablename__ = "api_token"
    __table_args__ = (sa.CheckConstraint("length(name) > 0", name="name_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    #: what the clinic calls the system that uses it, e.g. "Epic interface"
    name: Mapped[str] = mapped_column(sa.String(100))
    #: sha256 of the token; the token has 256 random bits, so a fast hash is enough
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: the token's first characters, so an admin can tell which one a system holds
    token_hint: Mapped[str] = mapped_column(sa.String(16))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
