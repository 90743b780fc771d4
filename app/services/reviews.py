"""The clinician's side of a screening: the worklist, the review status, acknowledging an
urgent flag, the referral, and the patient's history. Every read is scoped to one clinic."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.db import utcnow
from app.instruments.registry import InstrumentRegistry
from app.instruments.definition import Instrument
from app.models import (
    ClinicianInput,
    Clinic,
    DraftAnswer,
    InstrumentVersion,
    Patient,
    ReferralVersion,
    Response,
    Screening,
    ScreeningReview,
    User,
)
from app.models.review import REFERRAL_FIELDS, REVIEW_STATUS_LABELS, REVIEW_STATUSES
from app.instruments.scoring import score
from app.instruments.translations import ENGLISH
from app.reports.context import (
    answered_items,
    language_line,
    current_scores,
    follow_up_lines,
    instrument_histories,
    pinned_definitions,
    referral_context,
    urgent_findings,
)
from app.services.audit import record_staff_event, text_fingerprint
from app.services.clinic_answers import patient_clinic_answers
from app.services.clinic_settings import referral_thresholds
from app.services.referral_pdf import request_referral_document
from app.services.referrals import referral_document
from app.services.sections import UNSCORED_IDS
from app.services.urgency import PINNED, is_over_threshold, worklist_priority
from app.services.errors import ServiceError

PER_PAGE = 25
# Counting stops here: past it the worklist says "more than 500", so a long history costs
# no more than a short one.
COUNT_UP_TO = 500
NOT_FINISHED = "Not finished — patient may still be in the building"
STATE_LABELS = {
    "pending": NOT_FINISHED,
    "in_progress": NOT_FINISHED,
    "cancelled": "Cancelled before it was finished — patient may still be in the building",
    "completed": "Completed",
}


class ReviewError(ServiceError):
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
    is_over_threshold: bool

    @property
    def is_pinned(self) -> bool:
        return self.screening.worklist_priority == PINNED

    @property
    def status(self) -> str:
        return self.review.status if self.review else "needs_review"

    @property
    def status_label(self) -> str:
        return REVIEW_STATUS_LABELS[self.status]

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.screening.status]


@dataclass(frozen=True)
class WorklistPage:
    rows: list[WorklistRow]
    users: dict[int, User]
    thresholds: dict[str, int | None]
    #: how many screenings match, counted up to COUNT_UP_TO
    count: int
    #: the cursor of the next page, None on the last
    next_after: str | None
    is_first: bool

    #: response id -> score with the latest clinician input applied (only where one was recorded)
    scores: dict[int, dict] = field(default_factory=dict)
    #: screening id -> which follow-up instruments were asked, and why
    follow_ups: dict[int, list[str]] = field(default_factory=dict)

    @property
    def is_more_than_counted(self) -> bool:
        return self.count > COUNT_UP_TO


def _has_band(session: Session, instrument_id: str, band: str):
    """The response's band as the worklist shows it: the stored one, or, where the latest
    clinician input recorded after submission settles a band that depends on it (the ACE tier
    and the AAHC status), the band that input gives under the version the response pinned."""
    latest = (
        sa.select(ClinicianInput.value)
        .where(ClinicianInput.response_id == Response.id)
        .order_by(ClinicianInput.recorded_at.desc(), ClinicianInput.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    settled, waiting = [], []
    versions = sa.select(InstrumentVersion).where(InstrumentVersion.instrument_id == instrument_id)
    for version in session.scalars(versions):
        for rule in Instrument.model_validate(version.definition).scoring.bands:
            if rule.by_input is None:
                continue
            in_range = sa.and_(
                Response.instrument_version == version.version, Response.total.between(rule.min, rule.max)
            )
            waiting.append(in_range)
            given = [value for value, key in rule.by_input.items() if key == band]
            if given:
                settled.append(sa.and_(in_range, latest.in_(given)))
    if not waiting:  # no band of this instrument waits for an input: the stored band is the one shown
        return Response.band == band
    stored = sa.and_(Response.band == band, sa.or_(latest.is_(None), sa.not_(sa.or_(*waiting))))
    return sa.or_(stored, *settled)


def _local_day_start(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time.min, ZoneInfo(timezone))


SORT_KEY = (Screening.worklist_priority, Screening.created_at, Screening.id)


def _cursor(screening: Screening) -> str:
    return f"{screening.worklist_priority}~{screening.created_at.isoformat()}~{screening.id}"


def _parse_cursor(after: str | None) -> tuple[int, datetime, int] | None:
    """The sort key of the last row shown; anything unreadable means the first page."""
    try:
        priority, created_at, screening_id = (after or "").split("~")
        return int(priority), datetime.fromisoformat(created_at).astimezone(UTC), int(screening_id)
    except ValueError:
        return None


def worklist(
    session: Session,
    registry: InstrumentRegistry,
    clinic: Clinic,
    filters: WorklistFilters | None = None,
    after: str | None = None,
) -> WorklistPage:
    """Urgent screenings not yet acknowledged first, in any state; then completed ones at or
    over the clinic's referral threshold; then the rest; newest first within each. The order
    is the stored `worklist_priority`, so a page is read straight off the clinic's worklist
    index and stops after PER_PAGE rows (keyset paging: `after` is the last row's sort key).
    A fixed number of queries whatever the page holds, and none reads the whole history."""
    filters = filters or WorklistFilters()
    thresholds = referral_thresholds(session, registry, clinic.id)
    query = (
        sa.select(Screening)
        .outerjoin(ScreeningReview, ScreeningReview.screening_id == Screening.id)
        .where(Screening.clinic_id == clinic.id, Screening.worklist_priority.is_not(None))
    )
    if filters.date_from:
        query = query.where(Screening.created_at >= _local_day_start(filters.date_from, clinic.timezone))
    if filters.date_to:
        query = query.where(
            Screening.created_at < _local_day_start(filters.date_to + timedelta(days=1), clinic.timezone)
        )
    if filters.status:  # every listed screening has its review row (urgency.worklist_review)
        query = query.where(ScreeningReview.clinic_id == clinic.id, ScreeningReview.status == filters.status)
    if filters.instrument_id:
        wanted = [Response.screening_id == Screening.id, Response.instrument_id == filters.instrument_id]
        if filters.band:
            wanted.append(_has_band(session, filters.instrument_id, filters.band))
        query = query.where(sa.exists().where(*wanted))

    order = [column.desc() for column in SORT_KEY]
    count = session.scalar(
        sa.select(sa.func.count()).select_from(
            query.with_only_columns(Screening.id).order_by(*order).limit(COUNT_UP_TO + 1).subquery()
        )
    )
    cursor = _parse_cursor(after)
    if cursor:
        query = query.where(sa.tuple_(*SORT_KEY) < cursor)
    found = session.execute(
        query.add_columns(ScreeningReview)
        .options(selectinload(Screening.patient), selectinload(Screening.responses))
        .order_by(*order)
        .limit(PER_PAGE + 1)
    ).all()
    rows = [
        WorklistRow(screening, review, is_over_threshold(screening.responses, thresholds))
        for screening, review in found[:PER_PAGE]
    ]
    next_after = _cursor(rows[-1].screening) if len(found) > PER_PAGE else None
    users = _reviewers(session, [row.review for row in rows])
    return WorklistPage(
        rows,
        users,
        thresholds,
        count,
        next_after,
        cursor is None,
        current_scores(session, [response for row in rows for response in row.screening.responses]),
        {row.screening.id: follow_up_lines(row.screening) for row in rows if row.screening.follow_ups},
    )


def _reviewers(session: Session, reviews: list[ScreeningReview | None]) -> dict[int, User]:
    return _staff(
        session,
        {
            user_id
            for review in reviews
            if review
            for user_id in (review.status_by_id, review.urgent_acknowledged_by_id, review.referral_by_id)
            if user_id
        },
    )


def _staff(session: Session, ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {user.id: user for user in session.scalars(sa.select(User).where(User.id.in_(ids)))}


def _clinic_screening(session: Session, clinic_id: int, screening_id: int, *conditions) -> Screening | None:
    return session.scalar(
        sa.select(Screening)
        .where(Screening.id == screening_id, Screening.clinic_id == clinic_id, *conditions)
        .options(selectinload(Screening.patient), selectinload(Screening.responses))
    )


def get_completed_screening(session: Session, clinic_id: int, screening_id: int) -> Screening | None:
    return _clinic_screening(session, clinic_id, screening_id, Screening.status == "completed")


def get_listed_screening(session: Session, clinic_id: int, screening_id: int) -> Screening | None:
    """A screening on the worklist: completed, or urgent in any state (a clinician must be
    able to open an unfinished one the moment its flag is raised)."""
    return _clinic_screening(session, clinic_id, screening_id, Screening.worklist_priority.is_not(None))


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


def acknowledge_urgent(
    session: Session, registry: InstrumentRegistry, user: User, screening: Screening
) -> ScreeningReview:
    """Record that a clinician has seen the urgent flag; only this unpins the screening and
    clears the front desk's alert. The time since the answer is kept in the audit trail."""
    if not screening.is_urgent:
        raise ReviewError("This screening raised no urgent flag, so there is nothing to acknowledge.")
    review = _review_for_change(session, screening)
    if review.urgent_acknowledged_at is not None:
        raise ReviewError("The safety flag was already acknowledged; the time and name are shown below.")
    now = utcnow()
    review.urgent_acknowledged_by_id, review.urgent_acknowledged_at = user.id, now
    screening.worklist_priority = worklist_priority(
        screening, referral_thresholds(session, registry, screening.clinic_id), is_acknowledged=True
    )
    session.flush()
    details = {"seconds_from_endorsement": int((now - screening.urgent_at).total_seconds())}
    record_staff_event(session, "screening.urgent_acknowledged", user, "screening", screening.id, details)
    session.commit()
    return review


def referral_versions(session: Session, screening: Screening) -> list[ReferralVersion]:
    """Every saved version of the screening's referral, oldest first; the last is current."""
    return list(
        session.scalars(
            sa.select(ReferralVersion)
            .where(ReferralVersion.screening_id == screening.id, ReferralVersion.clinic_id == screening.clinic_id)
            .order_by(ReferralVersion.version)
        )
    )


def save_referral(
    session: Session,
    clinic: Clinic,
    user: User,
    screening: Screening,
    *,
    reason: str,
    destination: str,
    note: str,
    based_on: int,
) -> ReferralVersion:
    """Keep the referral as a new version and queue a new summary that carries it.
    `based_on` is the version the clinician was shown: a save over a newer one is refused,
    so nobody overwrites a colleague's referral without having seen it."""
    if destination and destination not in (clinic.referral_destinations or []):
        raise ReviewError("Choose a destination from the clinic's list; an admin can add one in clinic settings.")
    review = _review_for_change(session, screening)
    if review.status == "referred" and not destination:
        raise ReviewError("This screening is marked referred, so it needs a destination.")
    versions = referral_versions(session, screening)
    latest = versions[-1] if versions else None
    current = latest.version if latest else 0
    if based_on != current:
        raise ReviewError(
            f"A newer version of this referral (version {current}) was saved while you were writing. "
            "Your text is still in the form: compare it with the saved referral, then save again."
        )
    wanted = {"reason": reason.strip() or None, "destination": destination or None, "note": note.strip() or None}
    changed = [name for name in REFERRAL_FIELDS if wanted[name] != (getattr(latest, name) if latest else None)]
    if not changed:
        raise ReviewError(f"Nothing changed since version {current}, so no new version was saved.")
    version = ReferralVersion(
        screening_id=screening.id,
        clinic_id=screening.clinic_id,
        version=current + 1,
        changed=changed,
        created_by_id=user.id,
        created_at=utcnow(),
        **wanted,
    )
    session.add(version)
    review.referral_reason, review.referral_destination, review.referral_note = (
        wanted["reason"],
        wanted["destination"],
        wanted["note"],
    )
    review.referral_by_id, review.referral_at = user.id, version.created_at
    session.flush()
    # Old and new values; the free texts as keyed fingerprints, as they may name the patient
    # (the versions themselves keep the words, append-only).
    before = (latest.reason, latest.destination, latest.note) if latest else (None, None, None)
    details = {
        "version": version.version,
        "changed": changed,
        "destination": wanted["destination"],
        "from_destination": before[1],
        "reason": text_fingerprint(wanted["reason"]),
        "from_reason": text_fingerprint(before[0]),
        "note": text_fingerprint(wanted["note"]),
        "from_note": text_fingerprint(before[2]),
    }
    record_staff_event(session, "referral.save", user, "screening", screening.id, details)
    request_referral_document(session, screening)
    session.commit()
    return version


def view_patient_history(session: Session, clinic: Clinic, user: User, patient_id: int) -> dict | None:
    """The patient's screenings over time, recorded in the audit trail as a view of PHI."""
    patient = session.scalar(sa.select(Patient).where(Patient.id == patient_id, Patient.clinic_id == clinic.id))
    if patient is None:
        return None
    histories = instrument_histories(session, clinic, patient.id)
    clinic_answers = patient_clinic_answers(session, patient.id)
    # a sitting still under way is listed, never scored: its answers are on its own page
    unfinished = session.scalars(
        sa.select(Screening)
        .where(Screening.patient_id == patient.id, Screening.status.in_(("pending", "in_progress")))
        .order_by(Screening.created_at.desc())
    ).all()
    record_staff_event(session, "patient.history_view", user, "patient", patient.id)
    session.commit()
    return {
        "patient": patient,
        "histories": histories,
        "clinic_answers": clinic_answers,
        "unfinished": unfinished,
        "state_labels": STATE_LABELS,
    }


def open_screening(session: Session, registry: InstrumentRegistry, user: User, screening: Screening) -> dict:
    """Everything the screening page shows, recorded in the audit trail as a view of PHI. An
    unfinished (urgent) screening shows the answers given so far instead of scores."""
    review = get_review(session, screening)
    versions = referral_versions(session, screening)
    is_completed = screening.status == "completed"
    document = referral_document(session, screening) if is_completed else None
    context = referral_context(session, screening.id, generated_at=utcnow()) if is_completed else None
    so_far = None if is_completed else answers_so_far(session, registry, screening)
    record_staff_event(session, "screening.view", user, "screening", screening.id)
    session.commit()
    return {
        "screening": screening,
        "review": review,
        "status": review.status if review else "needs_review",
        "status_labels": REVIEW_STATUS_LABELS,
        "state_label": STATE_LABELS[screening.status],
        "reviewers": reviewers_of(session, review) | _staff(session, {v.created_by_id for v in versions}),
        "referral_versions": versions,
        "document": document,
        "report": context,
        "answers_so_far": so_far,
    }


def answers_so_far(session: Session, registry: InstrumentRegistry, screening: Screening) -> list[dict]:
    """Per instrument of an unfinished screening, the answers saved so far in the wording of
    the version the patient was shown, and the urgent flags they raise. No score: a partial
    total would read as a result."""
    drafts = session.scalars(
        sa.select(DraftAnswer).where(
            DraftAnswer.screening_id == screening.id, DraftAnswer.instrument_id.not_in(UNSCORED_IDS)
        )
    ).all()
    definitions = pinned_definitions(session, {draft.instrument_version for draft in drafts})
    for loaded in registry.values():
        definitions.setdefault(loaded.version, loaded.definition)
    by_instrument: dict[tuple[str, str], dict] = {}
    for draft in drafts:
        by_instrument.setdefault((draft.instrument_id, draft.instrument_version), {})[draft.item_id] = draft.value
    sections = []
    for (instrument_id, version), answers in by_instrument.items():
        definition = definitions.get(version)
        if definition is None:  # saved against a version no longer installed nor pinned
            sections.append({"instrument_id": instrument_id, "title": instrument_id, "items": [], "urgent": []})
            continue
        given = {item_id: value for item_id, value in answers.items() if value is not None}
        flags = [flag.key for flag in score(definition, version, given).flags]
        # The sitting's translation, shown on the tablet for these drafts; pinned at submission.
        translation = registry.translation(instrument_id, screening.language)
        seen = translation.definition if translation else None
        sections.append(
            {
                "instrument_id": instrument_id,
                "title": definition.title,
                "stem": seen.stem if seen else definition.stem,
                "english_stem": definition.stem if seen else None,
                "language": translation.language if translation else ENGLISH,
                "language_line": language_line(translation.language, seen) if translation else None,
                "items": [row for row in answered_items(definition, given, seen) if row["value"] is not None],
                "unanswered": sum(1 for item in definition.items if item.id not in given),
                "urgent": [
                    finding | {"language": translation.language if translation else ENGLISH}
                    for finding in urgent_findings(definition, given, flags, seen)
                ],
            }
        )
    order = {instrument_id: index for index, instrument_id in enumerate(screening.instrument_ids)}
    return sorted(sections, key=lambda section: order.get(section["instrument_id"], len(order)))
