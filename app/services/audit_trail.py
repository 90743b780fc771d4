"""Reading a clinic's audit trail: filtered, paginated, exported as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import AuditEvent, Clinic, Screening, User
from app.services.audit import record_event

PAGE_SIZE = 50
CSV_COLUMNS = ("event", "time (UTC)", "person", "actor kind", "action", "target type", "target id", "details")
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
class AuditPage:
    events: list[AuditEvent]
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
    return AuditPage(list(events), page, pages, total)


def audit_actions(session: Session, clinic_id: int) -> list[str]:
    return list(session.scalars(sa.select(AuditEvent.action).where(AuditEvent.clinic_id == clinic_id).distinct()))


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
                ";".join(f"{key}={value}" for key, value in sorted(event.details.items())),
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
