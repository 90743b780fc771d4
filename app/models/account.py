from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow
from app.models.user import User

PASSWORD_TOKEN_PURPOSES = ("set", "reset")


class PasswordToken(Base):
    """A one-time link for a person to choose their password (new account or reset).
    Only the token's hash is stored, so a copy of the database cannot be used to sign in."""

    __tablename__ = "password_token"
    __table_args__ = (sa.CheckConstraint("purpose IN ('set', 'reset')", name="purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"), index=True)
    #: sha256 of the token in the link
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    purpose: Mapped[str] = mapped_column(sa.String(8))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: set when the link is used, or when a newer link replaces it
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class SignInFailure(Base):
    """One failed sign-in attempt (wrong password or wrong two-factor code). Counted per
    account and per address to slow and then lock guessing; never holds the password tried."""

    __tablename__ = "sign_in_failure"
    __table_args__ = (sa.Index("ix_sign_in_failure_address_at", "address", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: sha256 of the e-mail address tried, matched or not, so an address with no account
    #: is slowed exactly like one with an account and the answer reveals nothing
    account_key: Mapped[str] = mapped_column(sa.String(64), index=True)
    #: the client's network address as the app sees it
    address: Mapped[str] = mapped_column(sa.String(64))
