"""The tablet side of a screening: its server-side session, answers saved as the patient
goes, and the final submit.

A kiosk session shows only the answers given through it. Answers saved before its code was
redeemed stay saved and are submitted, but are never shown again: whoever redeems a new code
(the patient, or anyone else holding it) cannot read what was answered before."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload

from app.db import utcnow
from app.instruments.registry import InstrumentRegistry
from app.instruments.scoring import score
from app.models import DraftAnswer, KioskSession, Screening
from app.security.tokens import token_hash
from app.services.audit import record_screening_event
from app.services.clinic_answers import pinned_question_set
from app.services.screenings import ScreeningError, add_completion, raise_safety_flag
from app.services.sections import section


# last_seen_at is written at most this often (a write and commit on every tablet request
# cost a quarter of its time); idle ends are judged with this much slack, so a tablet in use
# is never ended early, and an idle one is ended at most this much late. The tablet's page
# clears itself on time either way (its Refresh header).
LAST_SEEN_STEP = timedelta(seconds=30)


def last_seen_step(idle: timedelta) -> timedelta:
    return min(LAST_SEEN_STEP, idle / 6)


def current_kiosk_session(
    session: Session, token: str | None, idle: timedelta, now: datetime | None = None, *, with_clinic: bool = False
) -> KioskSession | None:
    """The tablet's live session, or None. An idle one is ended here; its saved answers stay
    for staff to resume with a new code. `with_clinic`: load the screening's clinic with it."""
    now = now or utcnow()
    kiosk = _live_kiosk_session(session, token, with_clinic)
    if kiosk is None:
        return None
    step = last_seen_step(idle)
    if now - kiosk.last_seen_at > idle + step:
        _end(session, kiosk, "idle", now)
        session.commit()
        return None
    if now - kiosk.last_seen_at >= step:
        kiosk.last_seen_at = now
        session.commit()
    return kiosk


@functools.cache
def _live_kiosk_query(with_clinic: bool) -> sa.Select:
    """Every tablet request needs the screening too: one query, not two; a screen the tablet
    shows reads the clinic's settings as well (the same query, one row wider). Built once, on
    first use: building it (the joinedload option above all) cost twice what running it does,
    and at import it would add to the start-up of every command."""
    query = sa.select(KioskSession).where(
        KioskSession.token_hash == sa.bindparam("token_hash"), KioskSession.ended_at.is_(None)
    )
    loads_screening = joinedload(KioskSession.screening)
    return query.options(loads_screening.joinedload(Screening.clinic) if with_clinic else loads_screening)


def _live_kiosk_session(session: Session, token: str | None, with_clinic: bool = False) -> KioskSession | None:
    if not token:
        return None
    return session.scalar(_live_kiosk_query(with_clinic), {"token_hash": token_hash(token)})


def _end(session: Session, kiosk: KioskSession, reason: str, now: datetime) -> None:
    kiosk.ended_at = now
    kiosk.end_reason = reason
    record_screening_event(session, f"kiosk.end_{reason}", kiosk.screening, actor_kind="kiosk")


def end_kiosk_session(session: Session, token: str | None, reason: str, now: datetime | None = None) -> None:
    kiosk = _live_kiosk_session(session, token)
    if kiosk is not None:
        _end(session, kiosk, reason, now or utcnow())
        session.commit()


def draft_answers(
    session: Session, screening_id: int, instrument_id: str | None = None
) -> dict[str, dict[str, int | str | None]]:
    """Every saved answer (or one instrument's), for scoring and submitting; never for display."""
    drafts: dict[str, dict[str, int | str | None]] = {}
    # Columns, not DraftAnswer objects: a submit reads every draft and needs no identity map.
    query = sa.select(DraftAnswer.instrument_id, DraftAnswer.item_id, DraftAnswer.value, DraftAnswer.text_value)
    query = query.where(DraftAnswer.screening_id == screening_id)
    if instrument_id is not None:
        query = query.where(DraftAnswer.instrument_id == instrument_id)
    for row in session.execute(query):
        drafts.setdefault(row.instrument_id, {})[row.item_id] = _value(row.value, row.text_value)
    return drafts


def _value(value: int | None, text: str | None) -> int | str | None:
    return text if text is not None else value


@dataclass(frozen=True)
class TabletAnswers:
    """What a kiosk session may show: the answers given through it, by instrument and item,
    and the (instrument, item) keys of answers saved before it began, whose values stay hidden."""

    shown: dict[str, dict[str, int | str | None]]
    earlier: frozenset[tuple[str, str]]

    def reached(self) -> set[tuple[str, str]]:
        shown = {(instrument_id, item_id) for instrument_id, items in self.shown.items() for item_id in items}
        return shown | self.earlier


# Built once, the values bound when they run: every step's GET and POST reads its screen's row.
_SCREENING_DRAFTS = sa.select(
    DraftAnswer.instrument_id,
    DraftAnswer.item_id,
    DraftAnswer.value,
    DraftAnswer.text_value,
    DraftAnswer.updated_at,
).where(DraftAnswer.screening_id == sa.bindparam("screening_id"))
_SCREEN_DRAFT = _SCREENING_DRAFTS.where(
    DraftAnswer.instrument_id == sa.bindparam("instrument_id"), DraftAnswer.item_id == sa.bindparam("item_id")
)


def tablet_answers(
    session: Session, kiosk: KioskSession, instrument_id: str | None = None, item_id: str | None = None
) -> TabletAnswers:
    """The answers this tablet may show: all of them, or one screen's (a step loads one row)."""
    params = {"screening_id": kiosk.screening_id}
    if instrument_id is not None:
        params |= {"instrument_id": instrument_id, "item_id": item_id}
    shown: dict[str, dict[str, int | str | None]] = {}
    earlier = set()
    for row in session.execute(_SCREENING_DRAFTS if instrument_id is None else _SCREEN_DRAFT, params):
        if row.updated_at < kiosk.created_at:
            earlier.add((row.instrument_id, row.item_id))
        else:
            shown.setdefault(row.instrument_id, {})[row.item_id] = _value(row.value, row.text_value)
    return TabletAnswers(shown, frozenset(earlier))


def _upsert_draft(
    session: Session, screening: Screening, instrument_id: str, item_id: str, values: dict, keep_before: datetime | None
) -> None:
    """One statement, so two taps at once never both insert (the database settles it).
    A blank answer does not replace one saved before `keep_before`: the screen showed it blank
    only because it hides earlier answers."""
    keeps = keep_before is not None and values["value"] is None and values["text_value"] is None
    params = {"screening_id": screening.id, "instrument_id": instrument_id, "item_id": item_id, **values}
    if keeps:
        params["keep_before"] = keep_before
    session.execute(_draft_upsert(session.get_bind().dialect.name, keeps), params)


_DRAFT_VALUES = ("value", "text_value", "instrument_version", "updated_at")
_DRAFT_UPSERTS: dict[tuple[str, bool], sa.Insert] = {}


def _draft_upsert(dialect: str, keeps: bool) -> sa.Insert:
    """The upsert for the dialect, its values given when it runs; `keeps` adds the condition
    that a blank answer replaces only one saved since :keep_before. Built once each: building
    it cost a fifth of a tablet's answer."""
    key = (dialect, keeps)
    if key not in _DRAFT_UPSERTS:
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(DraftAnswer)
        _DRAFT_UPSERTS[key] = insert.on_conflict_do_update(
            index_elements=[DraftAnswer.screening_id, DraftAnswer.instrument_id, DraftAnswer.item_id],
            set_={name: insert.excluded[name] for name in _DRAFT_VALUES},
            where=DraftAnswer.updated_at >= sa.bindparam("keep_before") if keeps else None,
        )
    return _DRAFT_UPSERTS[key]


def save_answer(
    session: Session,
    registry: InstrumentRegistry,
    screening: Screening,
    instrument_id: str,
    item_id: str,
    value: int | str | None,
    now: datetime | None = None,
    keep_before: datetime | None = None,
) -> None:
    """Keep one answer (None: moved on without answering; it keeps an answer saved before
    `keep_before`). A safety flag the answers raise marks the screening urgent at once, not
    at submit."""
    now = now or utcnow()
    if screening.status != "in_progress" or instrument_id not in screening.instrument_ids:
        raise ScreeningError("This questionnaire can no longer be changed.")
    checked = section(instrument_id).checked_answer(session, registry, screening, item_id, value)
    values = {
        "value": checked.value,
        "text_value": checked.text,
        "instrument_version": checked.version,
        "updated_at": now,
    }
    _upsert_draft(session, screening, instrument_id, item_id, values, keep_before)
    # Re-score only when this item can raise an urgent flag, and then only this instrument.
    loaded = checked.flags
    if loaded is None:
        session.commit()
        return
    answers = draft_answers(session, screening.id, instrument_id).get(instrument_id, {})
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
    add_completion(
        session,
        registry,
        screening,
        answers,
        submitted_at=now,
        actor_kind="kiosk",
        clinic_question_set=question_set,
    )
    session.execute(sa.delete(DraftAnswer).where(DraftAnswer.screening_id == screening.id))
    _end(session, kiosk, "submitted", now)
    # The one commit of a submit; the summary is queued after it (services/after_commit.py).
    session.commit()
    return screening


__all__ = [
    "ScreeningError",
    "current_kiosk_session",
    "draft_answers",
    "end_kiosk_session",
    "save_answer",
    "submit_from_tablet",
    "tablet_answers",
]
