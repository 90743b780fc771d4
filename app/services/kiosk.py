"""The tablet side of a screening: its server-side session, answers saved as the patient
goes, and the final submit."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.db import utcnow
from app.instruments.registry import InstrumentRegistry
from app.instruments.scoring import check_answers, score
from app.models import DraftAnswer, KioskSession, Screening
from app.security.tokens import token_hash
from app.services.audit import record_screening_event
from app.services.clinic_answers import CLINIC_QUESTIONS_ID, checked_clinic_answer, pinned_question_set
from app.services.screenings import ScreeningError, complete_screening, raise_safety_flag


def current_kiosk_session(
    session: Session, token: str | None, idle: timedelta, now: datetime | None = None
) -> KioskSession | None:
    """The tablet's live session, or None. An idle one is ended here; its saved answers stay
    for staff to resume with a new code."""
    now = now or utcnow()
    kiosk = _live_kiosk_session(session, token)
    if kiosk is None:
        return None
    if now - kiosk.last_seen_at > idle:
        _end(session, kiosk, "idle", now)
        session.commit()
        return None
    kiosk.last_seen_at = now
    session.commit()
    return kiosk


def _live_kiosk_session(session: Session, token: str | None) -> KioskSession | None:
    if not token:
        return None
    return session.scalar(
        sa.select(KioskSession).where(KioskSession.token_hash == token_hash(token), KioskSession.ended_at.is_(None))
    )


def _end(session: Session, kiosk: KioskSession, reason: str, now: datetime) -> None:
    kiosk.ended_at = now
    kiosk.end_reason = reason
    record_screening_event(session, f"kiosk.end_{reason}", kiosk.screening, actor_kind="kiosk")


def end_kiosk_session(session: Session, token: str | None, reason: str, now: datetime | None = None) -> None:
    kiosk = _live_kiosk_session(session, token)
    if kiosk is not None:
        _end(session, kiosk, reason, now or utcnow())
        session.commit()


def draft_answers(session: Session, screening_id: int) -> dict[str, dict[str, int | str | None]]:
    drafts: dict[str, dict[str, int | str | None]] = {}
    for draft in session.scalars(sa.select(DraftAnswer).where(DraftAnswer.screening_id == screening_id)):
        value = draft.text_value if draft.text_value is not None else draft.value
        drafts.setdefault(draft.instrument_id, {})[draft.item_id] = value
    return drafts


def save_answer(
    session: Session,
    registry: InstrumentRegistry,
    screening: Screening,
    instrument_id: str,
    item_id: str,
    value: int | str | None,
    now: datetime | None = None,
) -> None:
    """Keep one answer (None: moved on without answering). A safety flag the answers
    already raise marks the screening urgent at once, not at submit."""
    now = now or utcnow()
    if screening.status != "in_progress" or instrument_id not in screening.instrument_ids:
        raise ScreeningError("This questionnaire can no longer be changed.")
    if instrument_id == CLINIC_QUESTIONS_ID:
        # Unscored: nothing to flag, and the "version" is the question set's id.
        value, text, version = checked_clinic_answer(session, screening, item_id, value)
    else:
        loaded = registry[instrument_id]
        check_answers(loaded.definition, {item_id: value})
        text, version = None, loaded.version
    draft = session.scalar(
        sa.select(DraftAnswer).where(
            DraftAnswer.screening_id == screening.id,
            DraftAnswer.instrument_id == instrument_id,
            DraftAnswer.item_id == item_id,
        )
    )
    if draft is None:
        draft = DraftAnswer(screening_id=screening.id, instrument_id=instrument_id, item_id=item_id)
        session.add(draft)
    draft.value, draft.text_value, draft.instrument_version, draft.updated_at = value, text, version, now
    if instrument_id == CLINIC_QUESTIONS_ID:
        session.commit()
        return
    session.flush()
    answers = draft_answers(session, screening.id).get(instrument_id, {})
    if not screening.is_urgent and score(loaded.definition, loaded.version, answers).is_urgent:
        raise_safety_flag(session, screening, loaded, now)
    session.commit()


def submit_from_tablet(session: Session, registry: InstrumentRegistry, kiosk: KioskSession) -> Screening:
    """Store every response and score in one transaction, end the tablet's session and
    drop the drafts. Submitting twice stores nothing the second time."""
    screening = kiosk.screening
    now = utcnow()
    answers = draft_answers(session, screening.id)
    question_set = pinned_question_set(session, screening)  # read before the drafts that pin it go
    session.execute(sa.delete(DraftAnswer).where(DraftAnswer.screening_id == screening.id))
    _end(session, kiosk, "submitted", now)
    complete_screening(
        session,
        registry,
        screening,
        answers,
        submitted_at=now,
        actor_kind="kiosk",
        clinic_question_set=question_set,
    )
    return screening


__all__ = [
    "ScreeningError",
    "current_kiosk_session",
    "draft_answers",
    "end_kiosk_session",
    "save_answer",
    "submit_from_tablet",
]
