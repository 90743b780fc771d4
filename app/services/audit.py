"""The audit trail: append-only, hash-chained, no PHI.

Each event's hash covers the previous event's hash and its own fields, so editing or
deleting any row breaks every link after it; `verify_audit_chain` finds the first break.
"""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import AuditEvent

GENESIS = "0" * 64


def _event_hash(prev_hash: str, event: AuditEvent) -> str:
    payload = json.dumps(
        {
            "prev": prev_hash,
            "at": event.at.isoformat(),
            "clinic_id": event.clinic_id,
            "actor_user_id": event.actor_user_id,
            "actor_kind": event.actor_kind,
            "action": event.action,
            "target_type": event.target_type,
            "target_id": event.target_id,
            "details": event.details,
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def record_event(
    session: Session,
    action: str,
    *,
    clinic_id: int | None,
    actor_user_id: int | None = None,
    actor_kind: str = "user",
    target_type: str | None = None,
    target_id: int | str | None = None,
    details: dict | None = None,
) -> AuditEvent:
    """Add an event to the caller's transaction (the caller commits)."""
    if session.get_bind().dialect.name == "postgresql":
        # Serialise writers so two transactions never chain onto the same previous event.
        session.execute(sa.text("SELECT pg_advisory_xact_lock(7317001)"))
    prev_hash = session.scalar(sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    event = AuditEvent(
        at=utcnow().replace(microsecond=0),
        clinic_id=clinic_id,
        actor_user_id=actor_user_id,
        actor_kind=actor_kind,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        details=details or {},
        prev_hash=prev_hash or GENESIS,
    )
    event.hash = _event_hash(event.prev_hash, event)
    session.add(event)
    session.flush()
    return event


def verify_audit_chain(session: Session) -> int | None:
    """The id of the first event whose link is broken, or None when the chain is whole."""
    expected_prev = GENESIS
    for event in session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).yield_per(500):
        if event.prev_hash != expected_prev or _event_hash(event.prev_hash, event) != event.hash:
            return event.id
        expected_prev = event.hash
    return None


def record_screening_event(
    session: Session,
    action: str,
    screening,
    *,
    actor_user_id: int | None = None,
    actor_kind: str | None = None,
    details: dict | None = None,
) -> AuditEvent:
    """An event about one screening: by a member of staff when actor_user_id is given,
    else by actor_kind ("kiosk", "cli", "system")."""
    return record_event(
        session,
        action,
        clinic_id=screening.clinic_id,
        actor_user_id=actor_user_id,
        actor_kind=actor_kind or ("user" if actor_user_id else "cli"),
        target_type="screening",
        target_id=screening.id,
        details=details,
    )


def record_staff_event(
    session: Session, action: str, user, target_type: str, target_id: int, details: dict | None = None
) -> AuditEvent:
    """An event done by a signed-in member of staff, in their own clinic."""
    return record_event(
        session,
        action,
        clinic_id=user.clinic_id,
        actor_user_id=user.id,
        target_type=target_type,
        target_id=target_id,
        details=details,
    )
