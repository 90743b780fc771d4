"""One-time access codes: issuing, redeeming, and slowing down guessing.

A code is 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), about
39 bits; only an HMAC of it is stored. It works once, expires, and a device or address
that keeps entering wrong codes is first slowed, then refused for a while.
"""

from __future__ import annotations

import hashlib
import math
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.security.tokens import token_hash
from app.db import utcnow
from app.models import AccessAttempt, AccessCode, KioskSession, Screening
from app.services.audit import record_screening_event

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
ATTEMPT_WINDOW = timedelta(minutes=15)
# After this many wrong codes in the window a device must wait before each new try…
SLOW_AFTER = 3
MAX_WAIT_SECONDS = 60
# …and after this many it is refused until the window has passed.
DEVICE_LOCK_AFTER = 10
# Tablets in one clinic often share an address, so the address limit is looser.
ADDRESS_LOCK_AFTER = 40


class AccessCodeError(ValueError):
    """Why a code was not accepted, in words for the patient holding the tablet."""


@dataclass(frozen=True)
class Device:
    """Where a code was entered from: the tablet's device cookie and its address."""

    cookie_id: str
    address: str

    @property
    def device_key(self) -> str:
        return token_hash(self.cookie_id)

    @property
    def ip_key(self) -> str:
        return token_hash(self.address)


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


def _recent_failures(session: Session, column, key: str, since: datetime) -> list[datetime]:
    return list(
        session.scalars(
            sa.select(AccessAttempt.at)
            .where(column == key, AccessAttempt.at >= since, AccessAttempt.is_success.is_(False))
            .order_by(AccessAttempt.at)
        )
    )


def _check_not_throttled(session: Session, device: Device, now: datetime) -> None:
    since = now - ATTEMPT_WINDOW
    by_device = _recent_failures(session, AccessAttempt.device_key, device.device_key, since)
    by_address = _recent_failures(session, AccessAttempt.ip_key, device.ip_key, since)
    if len(by_device) >= DEVICE_LOCK_AFTER or len(by_address) >= ADDRESS_LOCK_AFTER:
        raise AccessCodeError(
            "Too many codes that did not work were entered on this tablet. Please ask the front desk for help."
        )
    if len(by_device) >= SLOW_AFTER:
        # Each wrong code past the first few doubles the wait: 5 s, 10 s, 20 s … up to a minute.
        wait = timedelta(seconds=min(MAX_WAIT_SECONDS, 5 * 2 ** (len(by_device) - SLOW_AFTER)))
        remaining = by_device[-1] + wait - now
        if remaining > timedelta(0):
            seconds = math.ceil(remaining.total_seconds())
            raise AccessCodeError(f"Please wait {seconds} seconds, then enter the code again.")


def redeem_access_code(
    session: Session, code: str, device: Device, *, secret_key: str, now: datetime | None = None
) -> tuple[Screening, str]:
    """Open the screening the code belongs to on this tablet. Returns the screening and a
    kiosk session token for the cookie. The code then stops working."""
    now = now or utcnow()
    _check_not_throttled(session, device, now)
    access = session.scalar(sa.select(AccessCode).where(AccessCode.code_hash == code_hash(secret_key, code)))
    problem = None
    if len(normalise_code(code)) != CODE_LENGTH or access is None or access.revoked_at is not None:
        problem = "That code did not work. Check the code on your card and try again."
    elif access.used_at is not None:
        problem = "That code has already been used. Please ask the front desk for a new one."
    elif access.expires_at <= now:
        problem = "That code has expired. Please ask the front desk for a new one."
    elif access.screening.status in ("completed", "cancelled"):
        problem = "This questionnaire is already finished. Please hand the tablet back to the front desk."
    session.add(AccessAttempt(device_key=device.device_key, ip_key=device.ip_key, at=now, is_success=problem is None))
    if problem:
        session.commit()
        raise AccessCodeError(problem)
    screening = access.screening
    access.used_at = now
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
