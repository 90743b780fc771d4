"""Staff accounts: created from the command line or invited by a clinic admin and managed
by them, their one-time password links, and each person's own two-factor settings. Accounts
are never deleted: deactivated, so their audit history stays."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import Clinic, PasswordToken, StaffSession, User
from app.models.staff import ROLE_LABELS, ROLES
from app.security.passwords import hash_password, password_problem
from app.security.totp import accepted_totp_step, new_totp_secret
from app.security.tokens import token_hash
from app.services.audit import record_event
from app.services.errors import ServiceError


class StaffError(ServiceError):
    """Bad input for a staff operation, worded for the person who gave it."""


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
    problem = password_problem(password)
    if problem:
        raise StaffError(problem)
    user = add_user(
        session,
        clinic,
        email=email,
        name=name,
        role=role,
        password_hash=hash_password(password),
        actor_kind=actor_kind,
        actor_user_id=actor_user_id,
    )
    session.commit()
    return user


def add_user(
    session: Session,
    clinic: Clinic,
    *,
    email: str,
    name: str,
    role: str,
    password_hash: str | None,
    actor_kind: str,
    actor_user_id: int | None,
) -> User:
    """Add the account to the caller's transaction (the caller commits)."""
    email = normalise_email(email)
    if role not in ROLES:
        raise StaffError(f"Role must be one of: {', '.join(ROLES)}.")
    if "@" not in email:
        raise StaffError("Enter the person's e-mail address, such as name@clinic.org.")
    if not name.strip():
        raise StaffError("Enter the person's name as colleagues know it.")
    if session.scalar(sa.select(User.id).where(User.email == email)):
        raise StaffError(f"An account for {email} already exists.")
    user = User(clinic_id=clinic.id, email=email, name=name.strip(), role=role, password_hash=password_hash)
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
    return user


LAST_ADMIN = (
    "This is the clinic's only active admin account that can sign in; make someone else an admin "
    "first (an invited admin counts once they have chosen a password)."
)
# A new colleague may not open the link the same day; a reset is asked for and used at once.
LINK_LIFETIME = {"set": timedelta(days=3), "reset": timedelta(hours=24)}


def list_staff(session: Session, clinic_id: int) -> list[User]:
    return list(session.scalars(sa.select(User).where(User.clinic_id == clinic_id).order_by(User.name, User.id)))


def get_staff(session: Session, clinic_id: int, user_id: int) -> User | None:
    """A member of staff of this clinic, or None (another clinic's account is not found)."""
    return session.scalar(sa.select(User).where(User.id == user_id, User.clinic_id == clinic_id))


def _audit(session: Session, action: str, actor: User, target: User, details: dict | None = None) -> None:
    record_event(
        session,
        action,
        clinic_id=actor.clinic_id,
        actor_user_id=actor.id,
        target_type="staff_user",
        target_id=target.id,
        details=details,
    )


def _issue_link(session: Session, user: User, purpose: str, actor: User | None, now: datetime) -> str:
    """A new one-time link token; any earlier unused link for the person stops working."""
    for earlier in session.scalars(
        sa.select(PasswordToken).where(PasswordToken.user_id == user.id, PasswordToken.used_at.is_(None))
    ):
        earlier.used_at = now
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordToken(
            user_id=user.id,
            token_hash=token_hash(token),
            purpose=purpose,
            created_by_id=actor.id if actor else None,
            created_at=now,
            expires_at=now + LINK_LIFETIME[purpose],
        )
    )
    return token


def invite_staff(
    session: Session, actor: User, *, email: str, name: str, role: str, now: datetime | None = None
) -> tuple[User, str]:
    """Create an account with no password, and the token of the one-time link with which
    the person chooses one. Nobody else ever knows their password."""
    now = now or utcnow()
    user = add_user(
        session,
        actor.clinic,
        email=email,
        name=name,
        role=role,
        password_hash=None,
        actor_kind="user",
        actor_user_id=actor.id,
    )
    token = _issue_link(session, user, "set", actor, now)
    session.commit()
    return user, token


def _other_active_admins(session: Session, user: User) -> int:
    """Other admins of the clinic who can sign in now: an invited admin who has not yet
    chosen a password does not count, as their link may never be used."""
    return session.scalar(
        sa.select(sa.func.count())
        .select_from(User)
        .where(
            User.clinic_id == user.clinic_id,
            User.role == "admin",
            User.is_active,
            User.password_hash.is_not(None),
            User.id != user.id,
        )
    )


def change_role(session: Session, actor: User, user: User, role: str) -> None:
    if role not in ROLES:
        raise StaffError(f"Choose one of the roles: {', '.join(ROLE_LABELS.values())}.")
    if role == user.role:
        return
    if user.role == "admin" and user.is_active and _other_active_admins(session, user) == 0:
        raise StaffError(LAST_ADMIN)
    previous, user.role = user.role, role
    _audit(session, "staff.role_change", actor, user, {"from": previous, "to": role})
    session.commit()


def _end_sessions(session: Session, user: User, now: datetime) -> None:
    for open_session in session.scalars(
        sa.select(StaffSession).where(StaffSession.user_id == user.id, StaffSession.ended_at.is_(None))
    ):
        open_session.ended_at = now


def set_staff_active(session: Session, actor: User, user: User, is_active: bool, now: datetime | None = None) -> None:
    now = now or utcnow()
    if not is_active and user.id == actor.id:
        raise StaffError("You cannot deactivate your own account; ask another admin.")
    if user.is_active == is_active:
        return
    if not is_active and user.role == "admin" and _other_active_admins(session, user) == 0:
        raise StaffError(LAST_ADMIN)
    user.is_active = is_active
    if not is_active:
        _end_sessions(session, user, now)
    _audit(session, "staff.activate" if is_active else "staff.deactivate", actor, user)
    session.commit()


def issue_password_reset(session: Session, actor: User, user: User, now: datetime | None = None) -> str:
    """The token of a one-time link for the person to choose a new password. Their current
    password keeps working until they do."""
    now = now or utcnow()
    if not user.is_active:
        raise StaffError("Reactivate the account before resetting its password.")
    token = _issue_link(session, user, "reset", actor, now)
    _audit(session, "staff.password_reset_issued", actor, user)
    session.commit()
    return token


def find_password_link(session: Session, token: str, now: datetime | None = None) -> PasswordToken | None:
    """The link's record if it can still be used: not used, not replaced, not expired,
    and for an active account."""
    now = now or utcnow()
    link = session.scalar(sa.select(PasswordToken).where(PasswordToken.token_hash == token_hash(token)))
    if link is None or link.used_at is not None or link.expires_at <= now or not link.user.is_active:
        return None
    return link


def set_password_with_link(session: Session, token: str, password: str, now: datetime | None = None) -> User:
    now = now or utcnow()
    link = find_password_link(session, token, now)
    if link is None:
        raise StaffError("This link has expired or has already been used; ask your clinic admin for a new one.")
    problem = password_problem(password)
    if problem:
        raise StaffError(problem)
    user = link.user
    link.used_at = now
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    # Whoever may have known the old password is signed out everywhere.
    _end_sessions(session, user, now)
    record_event(
        session,
        "staff.password_set",
        clinic_id=user.clinic_id,
        actor_user_id=user.id,
        target_type="staff_user",
        target_id=user.id,
        details={"via": link.purpose},
    )
    session.commit()
    return user


def start_totp_enrolment(session: Session, user: User) -> str:
    """A new secret for the person's authenticator app. It takes effect only once they
    enter a correct code from it."""
    user.totp_pending_secret = new_totp_secret()
    session.commit()
    return user.totp_pending_secret


def confirm_totp_enrolment(session: Session, user: User, code: str, now: datetime | None = None) -> None:
    now = now or utcnow()
    if not user.totp_pending_secret:
        raise StaffError("Start setting up two-factor sign-in again; the code was not asked for.")
    step = accepted_totp_step(user.totp_pending_secret, code, now)
    if step is None:
        raise StaffError("That code does not match. Enter the 6-digit code your app shows now.")
    user.totp_secret, user.totp_pending_secret, user.totp_last_step = user.totp_pending_secret, None, step
    record_event(session, "staff.totp_enabled", clinic_id=user.clinic_id, actor_user_id=user.id)
    session.commit()


def totp_required(user: User) -> bool:
    return user.role == "admin" and user.clinic.require_admin_totp


def turn_off_totp(session: Session, user: User, code: str, now: datetime | None = None) -> None:
    """The person turns off their own two-factor sign-in, proving it with a current code."""
    now = now or utcnow()
    if totp_required(user):
        raise StaffError("Your clinic requires two-factor sign-in for admins, so it cannot be turned off.")
    if not user.totp_secret or accepted_totp_step(user.totp_secret, code, now, after=user.totp_last_step) is None:
        raise StaffError("That code does not match. Enter the 6-digit code your app shows now.")
    user.totp_secret = user.totp_last_step = None
    record_event(session, "staff.totp_disabled", clinic_id=user.clinic_id, actor_user_id=user.id)
    session.commit()


def remove_staff_totp(session: Session, actor: User, user: User) -> None:
    """An admin removes a colleague's two-factor sign-in (a lost phone); they set it up
    again at their next sign-in if the clinic requires it."""
    if not user.totp_secret:
        raise StaffError(f"{user.name} has not set up two-factor sign-in.")
    user.totp_secret = user.totp_pending_secret = user.totp_last_step = None
    _audit(session, "staff.totp_removed", actor, user)
    session.commit()


def staff_email_taken(session: Session, email: str) -> bool:
    return session.scalar(sa.select(User.id).where(User.email == normalise_email(email))) is not None


def reencrypt_totp_secrets(session: Session) -> int:
    """Rewrite every stored TOTP secret encrypted with the newest data key (after a key is
    put in front of TALLYFORM_DATA_KEYS); the number of accounts rewritten."""
    from app.security import data_keys

    names = ("totp_secret", "totp_pending_secret")
    columns = [User.__table__.c[name] for name in names]
    # The stored text itself is read and written, so no value is decoded on the way.
    stored = [sa.type_coerce(column, sa.String).label(column.name) for column in columns]
    query = sa.select(User.__table__.c.id, *stored).where(sa.or_(*(column.is_not(None) for column in columns)))
    rows = session.execute(query).all()
    for row in rows:
        values = {
            column: sa.type_coerce(data_keys.reencrypt(getattr(row, column.name)), sa.String)
            for column in columns
            if getattr(row, column.name) is not None
        }
        session.execute(sa.update(User.__table__).where(User.__table__.c.id == row.id).values(values))
    record_event(session, "data_keys.rotated", clinic_id=None, actor_kind="cli", details={"accounts": len(rows)})
    session.commit()
    return len(rows)
