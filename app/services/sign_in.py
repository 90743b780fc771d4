"""Signing staff in and out: passwords, two-factor codes, server-side sessions, and
slowing down guessing."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import SignInChallenge, SignInFailure, StaffSession, User
from app.security.passwords import verify_password
from app.security.throttle import ThrottlePolicy, throttle_wait
from app.security.tokens import token_hash
from app.security.totp import accepted_totp_step
from app.services.audit import record_event
from app.services.staff import normalise_email

# Touching last_seen_at at most this often keeps the idle timeout accurate to a minute
# without a database write on every page.
LAST_SEEN_RESOLUTION = timedelta(seconds=60)


@dataclass(frozen=True)
class SessionLimits:
    idle: timedelta
    absolute: timedelta


# Per e-mail address tried: online guessing of one account stops after ten tries.
ACCOUNT_THROTTLE = ThrottlePolicy(
    slow_after=3, max_delay=timedelta(minutes=1), lock_after=10, lock_for=timedelta(minutes=30)
)
# Per network address: generous, because a clinic's staff often share one public address.
# An address is only ever slowed (each attempt from it waits, at most ADDRESS_MAX_PAUSE, before
# it is checked), never refused: a correct password is not locked out by someone else's
# failures behind the same address. Guessing one account stays bounded by ACCOUNT_THROTTLE.
ADDRESS_THROTTLE = ThrottlePolicy(
    slow_after=20, max_delay=timedelta(seconds=2), lock_after=100, lock_for=timedelta(seconds=2)
)
ADDRESS_MAX_PAUSE = timedelta(seconds=2)
FAILURE_WINDOW = timedelta(hours=1)
# How long the password step stays valid while the person finds their two-factor code.
PENDING_CODE_LIFETIME = timedelta(minutes=5)


@dataclass(frozen=True)
class SignInOutcome:
    """What a sign-in attempt came to. `token` is set when a session was opened;
    `needs_code` when the password was right and a two-factor code must follow;
    `retry_after` when the attempt was not even checked because of earlier failures."""

    user: User | None = None
    token: str | None = None
    needs_code: bool = False
    retry_after: timedelta | None = None
    #: with needs_code: the token of the server-side challenge the code step must present
    challenge: str | None = None


def _account_key(email: str) -> str:
    return token_hash(normalise_email(email))


def _account_failures(session: Session, email: str, user: User | None, now: datetime) -> list[datetime]:
    since = now - FAILURE_WINDOW
    if user is not None:
        # A successful sign-in or a newly set password starts the count again.
        last_sign_in = session.scalar(
            sa.select(sa.func.max(StaffSession.created_at)).where(StaffSession.user_id == user.id)
        )
        since = max(moment for moment in (since, last_sign_in, user.password_changed_at) if moment is not None)
    query = sa.select(SignInFailure.at).where(
        SignInFailure.account_key == _account_key(email), SignInFailure.at > since
    )
    return list(session.scalars(query))


def _address_failures(session: Session, address: str, now: datetime) -> list[datetime]:
    query = sa.select(SignInFailure.at).where(SignInFailure.address == address, SignInFailure.at > now - FAILURE_WINDOW)
    return list(session.scalars(query))


def _wait_before_attempt(
    session: Session, email: str, user: User | None, address: str, now: datetime, pause: Callable[[float], None]
) -> timedelta:
    """Slow a busy address down by pausing this attempt; the account's own failures may
    make it wait (returned: the attempt is then not checked)."""
    address_wait = throttle_wait(ADDRESS_THROTTLE, _address_failures(session, address, now), now)
    if address_wait > timedelta(0):
        pause(min(address_wait, ADDRESS_MAX_PAUSE).total_seconds())
    return throttle_wait(ACCOUNT_THROTTLE, _account_failures(session, email, user, now), now)


def _record_failure(session: Session, email: str, user: User | None, address: str, now: datetime, action: str) -> None:
    session.add(SignInFailure(at=now, account_key=_account_key(email), address=address[:64]))
    session.flush()
    if user is not None:
        details = {}
        if len(_account_failures(session, email, user, now)) == ACCOUNT_THROTTLE.lock_after:
            details["locked_minutes"] = int(ACCOUNT_THROTTLE.lock_for.total_seconds() // 60)
        record_event(
            session, action, clinic_id=user.clinic_id, target_type="staff_user", target_id=user.id, details=details
        )


def _open_session(session: Session, user: User, now: datetime) -> SignInOutcome:
    token = secrets.token_urlsafe(32)
    session.add(StaffSession(token_hash=token_hash(token), user_id=user.id, created_at=now, last_seen_at=now))
    record_event(session, "staff.sign_in", clinic_id=user.clinic_id, actor_user_id=user.id)
    return SignInOutcome(user=user, token=token)


def sign_in(
    session: Session,
    email: str,
    password: str,
    *,
    address: str,
    now: datetime | None = None,
    pause: Callable[[float], None] = time.sleep,
) -> SignInOutcome:
    """Check the credentials, unless earlier failures of this account make the attempt
    wait (failures from the address only slow it). Every failure looks the same to the
    caller, whatever its cause, so the answer never tells which part was wrong or whether
    the account exists."""
    now = now or utcnow()
    user = session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    wait = _wait_before_attempt(session, email, user, address, now, pause)
    if wait > timedelta(0):
        return SignInOutcome(retry_after=wait)
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None or not password_ok or not user.is_active:
        _record_failure(session, email, user, address, now, "staff.sign_in_failed")
        session.commit()
        return SignInOutcome()
    if user.totp_secret:
        challenge = secrets.token_urlsafe(32)
        session.add(SignInChallenge(token_hash=token_hash(challenge), user_id=user.id, created_at=now))
        session.commit()
        return SignInOutcome(user=user, needs_code=True, challenge=challenge)
    outcome = _open_session(session, user, now)
    session.commit()
    return outcome


def _live_challenge(session: Session, challenge: str, now: datetime) -> SignInChallenge | None:
    return session.scalar(
        sa.select(SignInChallenge).where(
            SignInChallenge.token_hash == token_hash(challenge),
            SignInChallenge.consumed_at.is_(None),
            SignInChallenge.created_at > now - PENDING_CODE_LIFETIME,
        )
    )


def sign_in_with_code(
    session: Session,
    challenge: str,
    code: str,
    *,
    address: str,
    now: datetime | None = None,
    pause: Callable[[float], None] = time.sleep,
) -> SignInOutcome:
    """The second step for a user with two-factor sign-in: the code from their app, for the
    challenge the password step opened, within a few minutes of it. A successful code
    consumes the challenge in the same transaction that opens the session."""
    now = now or utcnow()
    pending = _live_challenge(session, challenge, now) if challenge else None
    user = pending and session.get(User, pending.user_id)
    if user is None or not user.is_active or not user.totp_secret:
        return SignInOutcome()
    wait = _wait_before_attempt(session, user.email, user, address, now, pause)
    if wait > timedelta(0):
        return SignInOutcome(retry_after=wait)
    step = accepted_totp_step(user.totp_secret, code, now, after=user.totp_last_step)
    if step is None:
        _record_failure(session, user.email, user, address, now, "staff.sign_in_code_failed")
        session.commit()
        return SignInOutcome(user=user, needs_code=True, challenge=challenge)
    consumed = session.execute(
        sa.update(SignInChallenge)
        .where(SignInChallenge.id == pending.id, SignInChallenge.consumed_at.is_(None))
        .values(consumed_at=now)
    )
    if consumed.rowcount != 1:  # a concurrent request used it first
        session.rollback()
        return SignInOutcome()
    user.totp_last_step = step
    outcome = _open_session(session, user, now)
    session.commit()
    return outcome


def _session_for(session: Session, token: str) -> StaffSession | None:
    return session.scalar(
        sa.select(StaffSession).where(StaffSession.token_hash == token_hash(token), StaffSession.ended_at.is_(None))
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


def sign_out(session: Session, token: str, now: datetime | None = None) -> None:
    staff_session = _session_for(session, token)
    if staff_session is None:
        return
    staff_session.ended_at = now or utcnow()
    user = staff_session.user
    record_event(session, "staff.sign_out", clinic_id=user.clinic_id, actor_user_id=user.id)
    session.commit()
