"""Staff accounts, their sign-in sessions and challenges, password links and failed sign-ins."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow
from app.models.clinic import Clinic
from app.security.data_keys import EncryptedString

ROLES = ("admin", "clinician", "frontdesk")
ROLE_LABELS = {"admin": "Clinic admin", "clinician": "Clinician", "frontdesk": "Front desk"}


class User(Base):
    """A staff member. Never deleted: deactivated, so their audit history stays readable."""

    __tablename__ = "staff_user"
    __table_args__ = (sa.CheckConstraint("role IN ('admin', 'clinician', 'frontdesk')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    #: stored lower-cased; unique across all clinics so sign-in needs no clinic
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(16))
    #: argon2id
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: base32 TOTP secret, set only once the user has entered a correct code from it;
    #: encrypted at rest with the data keys (app/security/data_keys.py)
    totp_secret: Mapped[str | None] = mapped_column(EncryptedString)
    #: a secret offered for enrolment but not yet confirmed with a code (encrypted too)
    totp_pending_secret: Mapped[str | None] = mapped_column(EncryptedString)
    #: the last 30-second time step whose code was accepted: a code is never accepted twice
    totp_last_step: Mapped[int | None]

    clinic: Mapped[Clinic] = relationship()

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


class StaffSession(Base):
    """A signed-in session, held server-side so that signing out, deactivation or a
    timeout ends it even if someone kept a copy of the cookie."""

    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: sha256 of the random token in the cookie; the token itself is never stored
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class SignInChallenge(Base):
    """The half-signed state between a correct password and the two-factor code, held
    server-side: the cookie carries only a random token, and the challenge is consumed once,
    so a copy of the cookie from the password step opens nothing afterwards."""

    __tablename__ = "sign_in_challenge"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: sha256 of the random token in the cookie
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    consumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


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
