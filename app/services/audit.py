"""The audit trail: append-only, keyed hash chain, anchored outside the database, no PHI.

Each event's hash is an HMAC-SHA256, under a key that is not in the database
(TALLYFORM_AUDIT_KEY, or instance/audit_key), of the previous event's hash and its own
fields. Editing or deleting a row breaks every link after it, and someone with database
access alone cannot recompute the chain. After each commit the new head (event id and
hash) is appended to an anchor file outside the database (TALLYFORM_AUDIT_ANCHOR, or
instance/audit_anchor), so removing the newest rows, or emptying the table, is caught too:
`verify_audit_anchor` checks that every anchored head is still there.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import Session

from app.config import instance_secret_key
from app.db import utcnow
from app.models import AuditEvent

GENESIS = "0" * 64
log = logging.getLogger(__name__)
HEADS = "tallyform.audit_heads"


# The last app's key and anchor, for sessions used outside an app context (scripts, tests).
_last_configured: tuple[bytes, Path] | None = None


def init_app(app: Flask) -> None:
    global _last_configured
    instance = Path(app.instance_path)
    key = (app.config.get("AUDIT_KEY") or instance_secret_key(instance, "audit_key")).encode()
    anchor = Path(app.config.get("AUDIT_ANCHOR_PATH") or instance / "audit_anchor")
    app.extensions["tallyform.audit"] = _last_configured = (key, anchor)


def _configured() -> tuple[bytes, Path]:
    if has_app_context() and "tallyform.audit" in current_app.extensions:
        return current_app.extensions["tallyform.audit"]
    if _last_configured is None:
        raise RuntimeError("the audit trail has no key: create the app first")
    return _last_configured


def audit_key() -> bytes:
    return _configured()[0]


def anchor_path() -> Path:
    return _configured()[1]


def text_fingerprint(text: str | None) -> str | None:
    """A keyed fingerprint of free text that may hold PHI (a referral note): the trail can
    show that, and when, it changed, and confirm a claimed old value, without holding it."""
    if not text:
        return None
    return hmac.new(audit_key(), b"text:" + text.encode(), hashlib.sha256).hexdigest()[:16]


def event_digest(key: bytes | None, prev_hash: str, fields: dict) -> str:
    """The chain hash of one event. `key=None` is the unkeyed SHA-256 used before the chain
    was keyed (migration 0081 re-keyed every existing event)."""
    payload = json.dumps({"prev": prev_hash, **fields}, sort_keys=True, separators=(",", ":")).encode()
    if key is None:
        return hashlib.sha256(payload).hexdigest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def event_fields(event) -> dict:
    return {
        "at": event.at.isoformat(),
        "clinic_id": event.clinic_id,
        "actor_user_id": event.actor_user_id,
        "actor_kind": event.actor_kind,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "details": event.details,
    }


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
    event.hash = event_digest(audit_key(), event.prev_hash, event_fields(event))
    session.add(event)
    session.flush()
    session.info[HEADS] = (event.id, event.hash, anchor_path())
    return event


@sa.event.listens_for(Session, "after_commit")
def _anchor_head(session: Session) -> None:
    head = session.info.pop(HEADS, None)
    if head is None:
        return
    event_id, event_hash, path = head
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(descriptor, "a") as anchor:
            anchor.write(f"{event_id} {event_hash}\n")
    except OSError as error:  # the event is committed; say loudly that its anchor is missing
        log.error("audit anchor not written (%s): verify-audit cannot vouch for the newest events", error)


@sa.event.listens_for(Session, "after_rollback")
def _forget_head(session: Session) -> None:
    session.info.pop(HEADS, None)


def verify_audit_chain(session: Session, key: bytes | None = None) -> int | None:
    """The id of the first event whose link is broken, or None when the chain is whole."""
    key = key or audit_key()
    expected_prev = GENESIS
    for event in session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).yield_per(500):
        if event.prev_hash != expected_prev or event_digest(key, event.prev_hash, event_fields(event)) != event.hash:
            return event.id
        expected_prev = event.hash
    return None


@dataclass(frozen=True)
class Checkpoint:
    event_id: int
    hash: str

    def __str__(self) -> str:
        return f"{self.event_id}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        event_id, _, digest = text.strip().replace(" ", ":", 1).partition(":")
        if not event_id.isdigit() or len(digest) != 64:
            raise ValueError(f"a checkpoint is EVENT_ID:HASH, such as 812:{'ab' * 32}")
        return cls(int(event_id), digest)


def anchored_checkpoints(path: Path | None = None) -> list[Checkpoint]:
    path = path or anchor_path()
    if not path.exists():
        return []
    return [Checkpoint.parse(line) for line in path.read_text().splitlines() if line.strip()]


def verify_checkpoints(session: Session, checkpoints: list[Checkpoint]) -> str | None:
    """A problem if any checkpoint's event is gone or differs: rows removed from the end (or
    anywhere) after the checkpoint was taken. None when every checkpoint is still in the chain."""
    if not checkpoints:
        return None
    stored = dict(
        session.execute(
            sa.select(AuditEvent.id, AuditEvent.hash).where(AuditEvent.id.in_({c.event_id for c in checkpoints}))
        ).all()
    )
    for checkpoint in checkpoints:
        if checkpoint.event_id not in stored:
            return f"event {checkpoint.event_id}, anchored as the trail's head, is missing: events were removed"
        if stored[checkpoint.event_id] != checkpoint.hash:
            return f"event {checkpoint.event_id} differs from its anchored hash: the trail was rewritten"
    return None


def current_checkpoint(session: Session) -> Checkpoint | None:
    row = session.execute(sa.select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    return Checkpoint(row.id, row.hash) if row else None


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
