"""The audit trail: written here (append-only, keyed hash chain, anchored outside the
database, no PHI) and read here (a clinic's events filtered, paginated, in words, as CSV).

Each event's hash is an HMAC-SHA256, under a key that is not in the database
(TALLYFORM_AUDIT_KEY, or instance/audit_key), of the previous event's hash and its own
fields. Editing or deleting a row breaks every link after it, and someone with database
access alone cannot recompute the chain. After each commit the new head (event id and
hash) is appended to an anchor file outside the database (TALLYFORM_AUDIT_ANCHOR, or
instance/audit_anchor), so removing the newest rows, or emptying the table, is caught too:
`verify_audit_anchor` checks that every anchored head is still there.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from sqlalchemy.orm import Session

from app.config import instance_secret_key
from app.db import utcnow
from app.models import AuditEvent, Clinic, Screening, User
from app.models.review import REVIEW_STATUS_LABELS

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
    """Add an event to the caller's transaction (the caller commits). It is linked into the
    chain when the transaction next flushes (`_link_pending_events`), not here: the link
    needs the chain's head, which on PostgreSQL means a lock held until the commit, so the
    later the link, the less one transaction's work holds up every other writer's."""
    event = AuditEvent(
        at=utcnow().replace(microsecond=0),
        clinic_id=clinic_id,
        actor_user_id=actor_user_id,
        actor_kind=actor_kind,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        details=details or {},
    )
    key, anchor = _configured()
    session.info.setdefault(PENDING, []).append((event, key, anchor))
    session.add(event)
    return event


# Events added but not yet linked, in the order they were recorded; the newest linked, until
# its insert gives it the id its anchor line needs (then HEADS); and the head this transaction
# has linked onto so far (its hash), so a second event reads no row and takes no lock.
PENDING = "tallyform.audit_pending"
LINKED = "tallyform.audit_linked"
TRANSACTION_HEAD = "tallyform.audit_transaction_head"


@sa.event.listens_for(Session, "before_flush")
def _link_pending_events(session: Session, _flush_context, _instances) -> None:
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    prev_hash = session.info.get(TRANSACTION_HEAD)
    if prev_hash is None:
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            # Serialise writers so two transactions never chain onto the same previous event;
            # held until this transaction ends.
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(7317001)"))
        prev_hash = connection.scalar(sa.select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)) or GENESIS
    for event, key, _anchor in pending:
        event.prev_hash = prev_hash
        event.hash = prev_hash = event_digest(key, prev_hash, event_fields(event))
    session.info[TRANSACTION_HEAD] = prev_hash
    session.info[LINKED] = pending[-1]


@sa.event.listens_for(Session, "after_flush_postexec")
def _note_head_id(session: Session, _flush_context) -> None:
    """The anchor line needs the head's id, which its insert has just given it."""
    linked = session.info.pop(LINKED, None)
    if linked is not None:
        event, _key, anchor = linked
        session.info[HEADS] = (event.id, event.hash, anchor)


@sa.event.listens_for(Session, "after_commit")
def _anchor_head(session: Session) -> None:
    session.info.pop(TRANSACTION_HEAD, None)
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
@sa.event.listens_for(Session, "after_soft_rollback")
def _forget_head(session: Session, *_previous_transaction) -> None:
    # A savepoint rolled back may have taken linked events with it: the next link reads the head.
    for key in (HEADS, PENDING, LINKED, TRANSACTION_HEAD):
        session.info.pop(key, None)


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


# Reading the trail ---------------------------------------------------------------------

PAGE_SIZE = 50
# The machine columns first (as before), then the same event in words.
CSV_COLUMNS = (
    "event",
    "time (UTC)",
    "person",
    "actor kind",
    "action",
    "target type",
    "target id",
    "details",
    "what happened",
    "details in words",
)

#: what each action code means, as the trail shows it
ACTION_LABELS = {
    "access_code.issue": "Issued a tablet code",
    "access_code.redeem": "Tablet code used to start the questions",
    "api.openapi": "API description read",
    "api.questionnaire_list": "API: questionnaires listed",
    "api.questionnaire_read": "API: questionnaire read",
    "api.score": "API: answers scored",
    "api.screening_bundle": "API: screening read as FHIR",
    "api.screening_fhir_read": "API: screening read as FHIR",
    "api.screening_list": "API: screenings listed",
    "api.screening_read": "API: screening read",
    "api_token.create": "Created an API token",
    "api_token.revoke": "Revoked an API token",
    "audit.export": "Exported the audit trail",
    "clinic.create": "Created the clinic",
    "clinic.instrument_settings": "Changed an instrument's settings",
    "clinic.logo_remove": "Removed the logo",
    "clinic.logo_upload": "Uploaded a new logo",
    "clinic.settings": "Changed the clinic settings",
    "clinic_questions.save": "Saved the clinic questions",
    "dashboard.export": "Exported the clinic dashboard",
    "dashboard.view": "Opened the clinic dashboard",
    "kiosk.end_idle": "Tablet cleared itself after no one used it",
    "kiosk.end_submitted": "Tablet session ended after the answers were sent",
    "packet.rescreen_interval": "Changed a packet's re-screening interval",
    "packet.save": "Saved a packet",
    "patient.create": "Registered a patient",
    "patient.history_view": "Opened a patient's history",
    "referral.download": "Downloaded a referral summary",
    "referral.export": "Exported a referral summary",
    "referral.save": "Saved a referral",
    "responses.export_csv": "Exported responses as CSV",
    "screening.complete": "Completed a screening",
    "screening.create": "Started a screening",
    "screening.export_fhir": "Exported a screening as FHIR",
    "screening.review_status": "Changed a screening's review status",
    "screening.safety_flag": "Safety answer given on the tablet",
    "screening.urgent_acknowledged": "Acknowledged a safety flag",
    "screening.view": "Opened a screening",
    "staff.activate": "Reactivated a staff account",
    "staff.create": "Created a staff account",
    "staff.deactivate": "Deactivated a staff account",
    "staff.password_reset_issued": "Issued a password-reset link",
    "staff.password_set": "Set a password",
    "staff.role_change": "Changed a staff member's role",
    "staff.session_ended_inactive": "Signed out: the account is deactivated",
    "staff.session_expired": "Signed out after inactivity or the session's time limit",
    "staff.sign_in": "Signed in",
    "staff.sign_in_code_failed": "A two-factor code was refused",
    "staff.sign_in_failed": "A sign-in was refused",
    "staff.sign_out": "Signed out",
    "staff.totp_disabled": "Turned off two-factor sign-in",
    "staff.totp_enabled": "Turned on two-factor sign-in",
    "staff.totp_removed": "Removed a person's two-factor sign-in",
}
#: the clinic settings, in the words of the settings page
SETTING_LABELS = {
    "name": "Clinic name",
    "address": "Address",
    "timezone": "Time zone",
    "paper_size": "Paper size",
    "crisis_text": "Crisis text",
    "crisis_texts": "Crisis text in other languages",
    "offered_languages": "Languages offered on the tablet",
    "read_aloud": "Questions read aloud on the tablet",
    "care_intro_text": "Introduction before the childhood and trauma questions",
    "referral_destinations": "Referral destinations",
    "require_admin_totp": "Two-factor sign-in for admins",
}
DETAIL_LABELS = {
    "api_token_id": "API token",  # nosec B105 - a column's label, not a password
    "change": "Change",
    "deidentified": "De-identified",
    "enabled": "Enabled",
    "active": "Active",
    "instruments": "Instruments",
    "instrument": "Instrument",
    "locked_minutes": "Account locked for (minutes)",
    "questions": "Questions",
    "referral_threshold": "Referral threshold",
    "role": "Role",
    "sha256": "SHA-256 of the PDF",
    "since": "Since",
    "status": "Status",
    "urgent": "Urgent",
    "version": "Version",
    "via": "Through",
    "from": "From",
    "to": "To",
    "person": "Person",
    "patient_id": "Patient",
    "action": "Action",
    "actor_user_id": "Person",
    "date_from": "From",
    "date_to": "To",
}
VALUE_LABELS = {"status": REVIEW_STATUS_LABELS}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action) or action.replace(".", ": ").replace("_", " ").capitalize()


def _value(value: object, key: str | None = None) -> str:
    """A stored detail value as words: no Python spelling (True, None, ['…'])."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or value == "" or value == []:
        return "none"
    if isinstance(value, list):
        return "; ".join(_value(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{_detail_label(k)}: {_value(v, k)}" for k, v in sorted(value.items()))
    return VALUE_LABELS.get(key, {}).get(value, str(value)) if key else str(value)


def _detail_label(key: str) -> str:
    return DETAIL_LABELS.get(key) or SETTING_LABELS.get(key) or key.replace("_", " ").capitalize()


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


@dataclass(frozen=True)
class EventInWords:
    summary: str
    details: list[str]


def in_words(event: AuditEvent) -> EventInWords:
    """The event as a sentence and a list of readable details (old and new values where a
    setting changed)."""
    details = dict(event.details or {})
    if event.action == "clinic.settings" and "changed" in details:
        changed = details.pop("changed")
        old, new = details.pop("old", {}), details.pop("new", {})
        if not changed:
            return EventInWords("Saved the clinic settings without a change", [])
        summary = "Changed " + _and([f"the {SETTING_LABELS.get(f, f).lower()}" for f in changed])
        lines = [
            f"{SETTING_LABELS.get(f, f)}: was “{_value(old[f])}”, now “{_value(new[f])}”"
            for f in changed
            if f in old and f in new
        ]
        return EventInWords(
            summary, lines + [f"{_detail_label(k)}: {_value(v, k)}" for k, v in sorted(details.items())]
        )
    if {"old", "new"} <= details.keys():
        line = f"was {_value(details.pop('old'))}, now {_value(details.pop('new'))}"
        rest = [f"{_detail_label(k)}: {_value(v, k)}" for k, v in sorted(details.items())]
        return EventInWords(action_label(event.action), [*rest, line])
    return EventInWords(
        action_label(event.action), [f"{_detail_label(k)}: {_value(v, k)}" for k, v in sorted(details.items())]
    )


# A spreadsheet runs a cell beginning with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class AuditFilter:
    actor_user_id: int | None = None
    #: the patient's id in this clinic (the view looks it up from the MRN)
    patient_id: int | None = None
    action: str | None = None
    #: whole days in the clinic's time zone, both included
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    words: EventInWords


@dataclass(frozen=True)
class AuditPage:
    rows: list[AuditRow]
    page: int
    pages: int
    total: int


def _query(clinic: Clinic, filters: AuditFilter) -> sa.Select:
    query = sa.select(AuditEvent).where(AuditEvent.clinic_id == clinic.id)
    if filters.actor_user_id is not None:
        query = query.where(AuditEvent.actor_user_id == filters.actor_user_id)
    if filters.patient_id is not None:
        screening_ids = sa.select(sa.cast(Screening.id, sa.String)).where(
            Screening.patient_id == filters.patient_id, Screening.clinic_id == clinic.id
        )
        query = query.where(
            sa.or_(
                sa.and_(AuditEvent.target_type == "patient", AuditEvent.target_id == str(filters.patient_id)),
                sa.and_(AuditEvent.target_type == "screening", AuditEvent.target_id.in_(screening_ids)),
            )
        )
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    zone = ZoneInfo(clinic.timezone)
    if filters.date_from:
        query = query.where(AuditEvent.at >= datetime.combine(filters.date_from, time(), zone))
    if filters.date_to:
        query = query.where(AuditEvent.at < datetime.combine(filters.date_to + timedelta(days=1), time(), zone))
    return query


def search_audit(session: Session, clinic: Clinic, filters: AuditFilter, page: int = 1) -> AuditPage:
    query = _query(clinic, filters)
    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    events = session.scalars(query.order_by(AuditEvent.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
    return AuditPage([AuditRow(event, in_words(event)) for event in events], page, pages, total)


def audit_actions(session: Session, clinic_id: int) -> list[tuple[str, str]]:
    """(action code, its words) for every action the clinic's trail holds, by the words."""
    codes = session.scalars(sa.select(AuditEvent.action).where(AuditEvent.clinic_id == clinic_id).distinct())
    return sorted(((code, action_label(code)) for code in codes), key=lambda pair: pair[1])


def staff_names(session: Session, clinic_id: int) -> dict[int, str]:
    return dict(session.execute(sa.select(User.id, User.name).where(User.clinic_id == clinic_id)).all())


def spreadsheet_safe(value: object) -> str:
    """A cell a spreadsheet shows as text: one that would start a formula gets a leading
    apostrophe (OWASP's advice against CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _rows(session: Session, clinic: Clinic, filters: AuditFilter) -> Iterator[list[str]]:
    names = staff_names(session, clinic.id)
    yield list(CSV_COLUMNS)
    for event in session.scalars(_query(clinic, filters).order_by(AuditEvent.id)).yield_per(500):
        words = in_words(event)
        yield [
            spreadsheet_safe(value)
            for value in (
                event.id,
                event.at.isoformat(),
                names.get(event.actor_user_id, ""),
                event.actor_kind,
                event.action,
                event.target_type,
                event.target_id,
                json.dumps(event.details, sort_keys=True, ensure_ascii=False),
                words.summary,
                " | ".join(words.details),
            )
        ]


def export_audit_csv(session: Session, actor: User, filters: AuditFilter) -> str:
    """The filtered trail as CSV text. The export is itself recorded, before it is made."""
    record_event(
        session,
        "audit.export",
        clinic_id=actor.clinic_id,
        actor_user_id=actor.id,
        details={key: str(value) for key, value in vars(filters).items() if value is not None},
    )
    session.commit()
    buffer = io.StringIO()
    csv.writer(buffer).writerows(_rows(session, actor.clinic, filters))
    return buffer.getvalue()
