"""The clinician's side of a screening: the worklist, the review status, acknowledging an
urgent flag, the referral, and the patient's history. Every read is scoped to one clinic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.db import utcnow
from app.instruments.registry import InstrumentRegistry
from app.models import Clinic, Patient, Response, Screening, ScreeningReview, User
from app.models.review import REVIEW_STATUS_LABELS, REVIEW_STATUSES
from app.reports.context import instrument_histories, referral_context
from app.services.audit import record_staff_event, text_fingerprint
from app.services.clinic_answers import patient_clinic_answers
from app.services.clinic_settings import referral_thresholds
from app.services.referrals import referral_document, request_referral_document

PER_PAGE = 25


class ReviewError(ValueError):
    """A review change that cannot be made, worded for the clinician."""


@dataclass(frozen=True)
class WorklistFilters:
    date_from: date | None = None
    date_to: date | None = None
    status: str | None = None
    instrument_id: str | None = None
    band: str | None = None  # a band key of `instrument_id`


@dataclass(frozen=True)
class WorklistRow:
    screening: Screening
    review: ScreeningReview | None
    is_pinned: bool
    is_over_threshold: bool

    @property
    def status(self) -> str:
        return self.review.status if self.review else "needs_review"

    @property
    def status_label(self) -> str:
        return REVIEW_STATUS_LABELS[self.status]


@dataclass(frozen=True)
class WorklistPage:
    rows: list[WorklistRow]
    users: dict[int, User]
    page: int
    pages: int
    total: int
    thresholds: dict[str, int | None]


def _local_day_start(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time.min, ZoneInfo(timezone))


def worklist(
    session: Session, registry: InstrumentRegistry, clinic: Clinic, filters: WorklistFilters, page: int = 1
) -> WorklistPage:
    """Completed screenings: urgent and unacknowledged first, then any total at or over the
    clinic's referral threshold, then the rest, newest first. A fixed number of queries
    whatever the page holds; the response checks are correlated EXISTS on the
    (screening_id, instrument_id) unique index, never a scan of all responses."""
    thresholds = referral_thresholds(session, registry, clinic.id)
    over_any = [
        sa.and_(Response.instrument_id == instrument_id, Response.total >= threshold)
        for instrument_id, threshold in thresholds.items()
        if threshold is not None
    ]
    over_threshold = (
        sa.exists().where(Response.screening_id == Screening.id, sa.or_(*over_any)) if over_any else sa.false()
    )
    pinned = sa.and_(Screening.is_urgent.is_(True), ScreeningReview.urgent_acknowledged_at.is_(None))

    query = (
        sa.select(Screening)
        .outerjoin(ScreeningReview, ScreeningReview.screening_id == Screening.id)
        .where(Screening.clinic_id == clinic.id, Screening.status == "completed")
    )
    if filters.date_from:
        query = query.where(Screening.created_at >= _local_day_start(filters.date_from, clinic.timezone))
    if filters.date_to:
        query = query.where(
            Screening.created_at < _local_day_start(filters.date_to + timedelta(days=1), clinic.timezone)
        )
    if filters.status:
        query = query.where(sa.func.coalesce(ScreeningReview.status, "needs_review") == filters.status)
    if filters.instrument_id:
        wanted = [Response.screening_id == Screening.id, Response.instrument_id == filters.instrument_id]
        if filters.band:
            wanted.append(Response.band == filters.band)
        query = query.where(sa.exists().where(*wanted))

    total = session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    tier = sa.case((pinned, 0), (over_threshold, 1), else_=2)
    rows = session.execute(
        query.add_columns(ScreeningReview, pinned.label("is_pinned"), over_threshold.label("is_over"))
        .options(selectinload(Screening.patient), selectinload(Screening.responses))
        .order_by(tier, Screening.created_at.desc(), Screening.id.desc())
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    worklist_rows = [WorklistRow(s, review, bool(is_pinned), bool(is_over)) for s, review, is_pinned, is_over in rows]
    return WorklistPage(
        worklist_rows, _reviewers(session, [row.review for row in worklist_rows]), page, pages, total, thresholds
    )


def _reviewers(session: Session, reviews: list[ScreeningReview | None]) -> dict[int, User]:
    ids = {
        user_id
        for review in reviews
        if review
        for user_id in (review.status_by_id, review.urgent_acknowledged_by_id, review.referral_by_id)
        if user_id
    }
    if not ids:
        return {}
    return {user.id: user for user in session.scalars(sa.select(User).where(User.id.in_(ids)))}


def get_completed_screening(session: Session, clinic_id: int, screening_id: int) -> Screening | None:
    return session.scalar(
        sa.select(Screening)
        .where(Screening.id == screening_id, Screening.clinic_id == clinic_id, Screening.status == "completed")
        .options(selectinload(Screening.patient), selectinload(Screening.responses))
    )


def get_review(session: Session, screening: Screening) -> ScreeningReview | None:
    return session.scalar(sa.select(ScreeningReview).where(ScreeningReview.screening_id == screening.id))


def reviewers_of(session: Session, review: ScreeningReview | None) -> dict[int, User]:
    return _reviewers(session, [review])


def _review_for_change(session: Session, screening: Screening) -> ScreeningReview:
    review = get_review(session, screening)
    if review is None:
        review = ScreeningReview(screening_id=screening.id, clinic_id=screening.clinic_id, status="needs_review")
        session.add(review)
    return review


def set_review_status(session: Session, user: User, screening: Screening, status: str) -> ScreeningReview:
    if status not in REVIEW_STATUSES:
        raise ReviewError(f"Choose one of: {', '.join(REVIEW_STATUS_LABELS.values())}.")
    review = _review_for_change(session, screening)
    if screening.is_urgent and review.urgent_acknowledged_at is None and status != "needs_review":
        raise ReviewError("Acknowledge the safety flag first: an urgent screening is closed only once acknowledged.")
    if status == "referred" and not review.referral_destination:
        raise ReviewError("Save the referral with its destination before marking the screening referred.")
    previous = review.status
    review.status, review.status_by_id, review.status_at = status, user.id, utcnow()
    session.flush()
    details = {"status": status, "from": previous}
    record_staff_event(session, "screening.review_status", user, "screening", screening.id, details)
    session.commit()
    return review


def acknowledge_urgent(session: Session, user: User, screening: Screening) -> ScreeningReview:
    """Record that a clinician has seen the urgent flag; only this unpins the screening."""
    if not screening.is_urgent:
        raise ReviewError("This screening raised no urgent flag, so there is nothing to acknowledge.")
    review = _review_for_change(session, screening)
    if review.urgent_acknowledged_at is not None:
        raise ReviewError("The safety flag was already acknowledged; the time and name are shown below.")
    review.urgent_acknowledged_by_id, review.urgent_acknowledged_at = user.id, utcnow()
    session.flush()
    record_staff_event(session, "screening.urgent_acknowledged", user, "screening", screening.id)
    session.commit()
    return review


def save_referral(
    session: Session, clinic: Clinic, user: User, screening: Screening, *, reason: str, destination: str, note: str
) -> ScreeningReview:
    """Keep the referral and queue a new summary that carries it."""
    if destination and destination not in (clinic.referral_destinations or []):
        raise ReviewError("Choose a destination from the clinic's list; an admin can add one in clinic settings.")
    review = _review_for_change(session, screening)
    if review.status == "referred" and not destination:
        raise ReviewError("This screening is marked referred, so it needs a destination.")
    before = (review.referral_reason, review.referral_destination, review.referral_note)
    review.referral_reason = reason.strip() or None
    review.referral_destination = destination or None
    review.referral_note = note.strip() or None
    review.referral_by_id, review.referral_at = user.id, utcnow()
    session.flush()
    # Old and new values; the free texts as keyed fingerprints, as they may name the patient.
    details = {
        "destination": review.referral_destination,
        "from_destination": before[1],
        "reason": text_fingerprint(review.referral_reason),
        "from_reason": text_fingerprint(before[0]),
        "note": text_fingerprint(review.referral_note),
        "from_note": text_fingerprint(before[2]),
    }
    record_staff_event(session, "referral.save", user, "screening", screening.id, details)
    session.commit()
    request_referral_document(session, screening)
    return review


def view_patient_history(session: Session, clinic: Clinic, user: User, patient_id: int) -> dict | None:
    """The patient's screenings over time, recorded in the audit trail as a view of PHI."""
    patient = session.scalar(sa.select(Patient).where(Patient.id == patient_id, Patient.clinic_id == clinic.id))
    if patient is None:
        return None
    histories = instrument_histories(session, clinic, patient.id)
    clinic_answers = patient_clinic_answers(session, patient.id)
    record_staff_event(session, "patient.history_view", user, "patient", patient.id)
    session.commit()
    return {"patient": patient, "histories": histories, "clinic_answers": clinic_answers}


def open_screening(session: Session, user: User, screening: Screening) -> dict:
    """Everything the screening page shows, recorded in the audit trail as a view of PHI."""
    review = get_review(session, screening)
    document = referral_document(session, screening)
    context = referral_context(session, screening.id, generated_at=utcnow())
    record_staff_event(session, "screening.view", user, "screening", screening.id)
    session.commit()
    return {
        "screening": screening,
        "review": review,
        "status": review.status if review else "needs_review",
        "status_labels": REVIEW_STATUS_LABELS,
        "reviewers": reviewers_of(session, review),
        "document": document,
        "report": context,
    }
