"""Staff accounts and their server-side sessions."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import Clinic, StaffSession, User
from app.models.user import ROLES
from app.security.passwords import hash_password, password_problem, verify_password
from app.services.audit import record_event

# Touching last_seen_at at most this often keeps the idle timeout accurate to a minute
# without a database write on every page.
LAST_SEEN_RESOLUTION = timedelta(seconds=60)


class StaffError(ValueError):
    """Bad input for a staff operation, worded for the person who gave it."""


@dataclass(frozen=True)
class SessionLimits:
    idle: timedelta
    absolute: timedelta


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(
    session: Session,
    clinic: Clinic,
    *,
    email: str,
    name: str,
    role: str,
    password: str,
    actor_kind: str = "cli",
    actor_user_id: int | None = None,
) -> User:
    email = normalise_email(email)
    if role not in ROLES:
        raise StaffError(f"Role must be one of: {', '.join(ROLES)}.")
    if "@" not in email:
        raise StaffError("Enter the person's e-mail address, such as name@clinic.org.")
    if session.scalar(sa.select(User.id).where(User.email == email)):
        raise StaffError(f"An account for {email} already exists.")
    problem = password_problem(password)
    if problem:
        raise StaffError(problem)
    user = User(clinic_id=clinic.id, email=email, name=name.strip(), role=role, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    record_event(
        session,
        "staff.create",
        clinic_id=clinic.id,
        actor_user_id=actor_user_id,
        actor_kind=actor_kind,
        target_type="staff_user",
        target_id=user.id,
        details={"role": role},
    )
    session.commit()
    return user


def sign_in(session: Session, email: str, password: str) -> tuple[User, str] | None:
    """Check the credentials; on success open a server-side session and return the user
    and the session token for the cookie. None for any failure, whatever its cause, so
    the answer never tells which part was wrong."""
    user = session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None or not password_ok or not user.is_active:
        if user is not None:
            record_event(
                session, "staff.sign_in_failed", clinic_id=user.clinic_id, target_type="staff_user", target_id=user.id
            )
            session.commit()
        return None
    token = secrets.token_urlsafe(32)
    session.add(StaffSession(token_hash=_token_hash(token), user_id=user.id))
    record_event(session, "staff.sign_in", clinic_id=user.clinic_id, actor_user_id=user.id)
    session.commit()
    return user, token


def _session_for(session: Session, token: str) -> StaffSession | None:
    return session.scalar(
        sa.select(StaffSession).where(StaffSession.token_hash == _token_hash(token), StaffSession.ended_at.is_(None))
    )


def current_staff(session: Session, token: str, limits: SessionLimits, now: datetime | None = None) -> User | None:
    """The signed-in user for this token, or None if the session ended, timed out, or
    the account was deactivated (in which case the session is ended now)."""
    now = now or utcnow()
    staff_session = _session_for(session, token)
    if staff_session is None:
        return None
    user = staff_session.user
    expired = now - staff_session.last_seen_at > limits.idle or now - staff_session.created_at > limits.absolute
    if expired or not user.is_active:
        staff_session.ended_at = now
        record_event(
            session,
            "staff.session_expired" if expired else "staff.session_ended_inactive",
            clinic_id=user.clinic_id,
            actor_user_id=user.id,
            actor_kind="system",
        )
        session.commit()
        return None
    if now - staff_session.last_seen_at >= LAST_SEEN_RESOLUTION:
        staff_session.last_seen_at = now
        session.commit()
    return user


def sign_out(session: Session, token: str) -> None:
    staff_session = _session_for(session, token)
    if staff_session is None:
        return
    staff_session.ended_at = utcnow()
    user = staff_session.user
    record_event(session, "staff.sign_out", clinic_id=user.clinic_id, actor_user_id=user.id)
    session.commit()
