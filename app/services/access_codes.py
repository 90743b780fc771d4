"""One-time access codes: issuing, redeeming, and slowing down guessing.

A code is 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), 31^8 (about
8.5 × 10^11, 39 bits) possible codes; only an HMAC of it is stored. It works once and expires.

Guessing is slowed per network address, never by anything the client keeps (a cookie can be
dropped). Tablets behind one clinic address share it, so an address is only ever slowed, never
locked out: after SLOW_AFTER wrong codes in ATTEMPT_WINDOW, each further code waits a few
seconds (at most MAX_WAIT_SECONDS) after the address's last wrong code. A valid code is
therefore never refused for long because someone else typed wrong ones, while one address can
test at most one code per MAX_WAIT_SECONDS: with L codes live at once, hitting one takes
31^8 / L guesses on average (README, "The tablet"). The front desk can clear the wait for the
address it works from.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.db import utcnow
from app.models import AccessAttempt, AccessCode, KioskSession, Screening
from app.security.throttle import ThrottlePolicy, throttle_wait
from app.security.tokens import token_hash
from app.services.audit import record_event, record_screening_event
from app.services.errors import ServiceError

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
ATTEMPT_WINDOW = timedelta(minutes=15)
# Wrong codes an address may enter in the window before it waits (patients mistype, and a
# clinic's tablets share one address)…
SLOW_AFTER = 10
# …then 2, 4, 8 seconds after each further wrong code, and never longer than this.
MAX_WAIT_SECONDS = 10
# Never a lock: tablets share the clinic's address, and a valid code must keep working.
CODE_THROTTLE = ThrottlePolicy(slow_after=SLOW_AFTER, max_delay=timedelta(seconds=MAX_WAIT_SECONDS))


class AccessCodeError(ServiceError):
    """Why a code was not accepted, in words for the patient holding the tablet."""


def address_key(address: str) -> str:
    """An address is personal data: attempts keep only its hash."""
    return token_hash(address)


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def display_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def code_hash(secret_key: str, code: str) -> str:
    return hmac.new(secret_key.encode(), normalise_code(code).encode(), hashlib.sha256).hexdigest()


def issue_access_code(
    session: Session,
    screening: Screening,
    *,
    secret_key: str,
    lifetime: timedelta,
    created_by_id: int | None,
    now: datetime | None = None,
) -> str:
    """A new code for the screening; any earlier unused code for it stops working."""
    if screening.status in ("completed", "cancelled"):
        raise AccessCodeError("This screening is already finished; start a new one instead.")
    now = now or utcnow()
    session.execute(
        sa.update(AccessCode)
        .where(AccessCode.screening_id == screening.id, AccessCode.used_at.is_(None), AccessCode.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    session.add(
        AccessCode(
            screening_id=screening.id,
            code_hash=code_hash(secret_key, code),
            created_by_id=created_by_id,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    record_screening_event(session, "access_code.issue", screening, actor_user_id=created_by_id)
    session.commit()
    return code


# Built once, the values bound when it runs: every code a tablet enters reads it first.
_RECENT_FAILURES = (
    sa.select(AccessAttempt.at)
    .where(
        AccessAttempt.ip_key == sa.bindparam("ip_key"),
        AccessAttempt.at >= sa.bindparam("since"),
        AccessAttempt.is_success.is_(False),
        AccessAttempt.cleared_at.is_(None),
    )
    .order_by(AccessAttempt.at)
)


def _recent_failures(session: Session, address: str, now: datetime) -> list[datetime]:
    return list(session.scalars(_RECENT_FAILURES, {"ip_key": address_key(address), "since": now - ATTEMPT_WINDOW}))


@dataclass(frozen=True)
class WrongCodes:
    """Wrong codes an address entered in the window (not cleared), and its wait now."""

    count: int
    wait_seconds: int

    @property
    def is_slowed(self) -> bool:
        return self.count >= SLOW_AFTER


def wrong_codes_from(session: Session, address: str, now: datetime | None = None) -> WrongCodes:
    now = now or utcnow()
    failures = _recent_failures(session, address, now)
    wait = throttle_wait(CODE_THROTTLE, failures, now)
    return WrongCodes(len(failures), math.ceil(wait.total_seconds()))


def redeem_access_code(
    session: Session, code: str, address: str, *, secret_key: str, now: datetime | None = None
) -> tuple[Screening, str]:
    """Open the screening the code belongs to on this tablet. Returns the screening and a
    kiosk session token for the cookie. The code then stops working."""
    now = now or utcnow()
    wait = wrong_codes_from(session, address, now).wait_seconds
    if wait:
        # Not checked and not counted: a wait is not a guess.
        raise AccessCodeError(f"Please wait {wait} seconds, then enter the code again.")
    access = session.scalar(sa.select(AccessCode).where(AccessCode.code_hash == code_hash(secret_key, code)))
    problem = None
    if len(normalise_code(code)) != CODE_LENGTH or access is None or access.revoked_at is not None:
        problem = "That code did not work. Check the code on your card and try again."
    elif access.used_at is not None or not _claim(session, access, now):
        problem = "That code has already been used. Please ask the front desk for a new one."
    elif access.expires_at <= now:
        problem = "That code has expired. Please ask the front desk for a new one."
    elif access.screening.status in ("completed", "cancelled"):
        problem = "This questionnaire is already finished. Please hand the tablet back to the front desk."
    if problem:
        session.rollback()  # a claim made above is undone with the rest
        session.add(AccessAttempt(ip_key=address_key(address), at=now, is_success=False))
        session.commit()
        raise AccessCodeError(problem)
    session.add(AccessAttempt(ip_key=address_key(address), at=now, is_success=True))
    screening = access.screening
    session.execute(
        sa.update(KioskSession)
        .where(KioskSession.screening_id == screening.id, KioskSession.ended_at.is_(None))
        .values(ended_at=now, end_reason="replaced")
    )
    token = secrets.token_urlsafe(32)
    session.add(KioskSession(token_hash=token_hash(token), screening_id=screening.id, created_at=now, last_seen_at=now))
    if screening.status == "pending":
        screening.status = "in_progress"
        screening.started_at = now
    record_screening_event(session, "access_code.redeem", screening, actor_kind="kiosk")
    session.commit()
    return screening, token


def _claim(session: Session, access: AccessCode, now: datetime) -> bool:
    """Mark the code used, if no other request has: one conditional UPDATE, so of several
    tablets entering one code at once exactly one opens the screening."""
    claimed = session.execute(
        sa.update(AccessCode)
        .where(AccessCode.id == access.id, AccessCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    set_committed_value(access, "used_at", now)  # as stored by the UPDATE above: not written twice
    return True


def clear_wrong_code_wait(
    session: Session, address: str, *, clinic_id: int, actor_user_id: int, now: datetime | None = None
) -> int:
    """The front desk lets tablets at its own address enter codes again at once. Returns how
    many wrong codes were set aside (they stay stored, marked cleared)."""
    now = now or utcnow()
    cleared = session.execute(
        sa.update(AccessAttempt)
        .where(
            AccessAttempt.ip_key == address_key(address),
            AccessAttempt.at >= now - ATTEMPT_WINDOW,
            AccessAttempt.is_success.is_(False),
            AccessAttempt.cleared_at.is_(None),
        )
        .values(cleared_at=now)
    ).rowcount
    record_event(
        session,
        "access_code.clear_wait",
        clinic_id=clinic_id,
        actor_user_id=actor_user_id,
        details={"wrong_codes": cleared},
    )
    session.commit()
    return cleared
