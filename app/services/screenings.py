"""Screenings and their responses.

A response is scored when it is stored, pins the exact instrument version the patient
saw, and is never changed afterwards.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.db import utcnow
from app.instruments.follow_ups import Decision, decide, with_carried_answers
from app.instruments.loader import LoadedInstrument
from app.instruments.registry import InstrumentRegistry
from app.instruments.scoring import asked_items, score
from app.instruments.translations import ENGLISH, LoadedTranslation, wording_of
from app.models import (
    AccessCode,
    ClinicQuestionSet,
    InstrumentVersion,
    KioskSession,
    Packet,
    Patient,
    Response,
    Screening,
    User,
)
from app.services.audit import record_screening_event
from app.services.clinic_settings import referral_thresholds
from app.services.follow_ups import sitting_follow_ups
from app.services.patient_totals import refresh_patient_totals
from app.services.referral_pdf import request_referral_document
from app.services.sections import asked_after_instruments, instrument_definitions
from app.services.sections import instrument_ids as instruments_among
from app.services.urgency import PINNED, worklist_priority, worklist_review
from app.services.errors import ServiceError


class ScreeningError(ServiceError):
    """Bad input for a screening operation, worded for the person who gave it."""


def create_screening(
    session: Session,
    patient: Patient,
    packet: Packet,
    *,
    created_by_id: int | None,
    created_at: datetime | None = None,
    registry: InstrumentRegistry | None = None,
    language: str = ENGLISH,
    leave_out: Collection[str] = (),
) -> Screening:
    """`registry` is needed only by a packet with follow-ups, whose thresholds come from it.
    `leave_out`: instruments of the packet not to give this time (not available in `language`)."""
    if packet.clinic_id != patient.clinic_id:
        raise ScreeningError("That packet belongs to another clinic.")
    instrument_ids = [instrument_id for instrument_id in packet.instrument_ids if instrument_id not in leave_out]
    if not instrument_ids:
        raise ScreeningError("Nothing would be left to give from that packet.")
    screening = Screening(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        packet_id=packet.id,
        packet_name=packet.name,
        instrument_ids=instrument_ids,
        follow_ups=sitting_follow_ups(session, registry, packet),
        language=language,
        created_by_id=created_by_id,
        created_at=created_at or utcnow(),
    )
    session.add(screening)
    session.flush()
    record_screening_event(session, "screening.create", screening, actor_user_id=created_by_id)
    session.commit()
    return screening


def pin_instrument_version(session: Session, loaded: LoadedInstrument | LoadedTranslation) -> str:
    """Keep the full definition of the version a patient is answering, once."""
    # The key only: loading the stored definition to learn that it exists would decode it.
    # (The select's autoflush makes one pinned earlier in this transaction visible to it.)
    if session.scalar(sa.select(InstrumentVersion.version).where(InstrumentVersion.version == loaded.version)) is None:
        language, translates = wording_of(loaded)
        session.add(
            InstrumentVersion(
                version=loaded.version,
                instrument_id=loaded.id,
                definition=loaded.definition.model_dump(mode="json"),
                language=language,
                translates=translates,
            )
        )
        session.flush()
    return loaded.version


def complete_screening(
    session: Session,
    registry: InstrumentRegistry,
    screening: Screening,
    answers: Mapping[str, Mapping[str, int | str | None]],
    **options,
) -> list[Response]:
    """Store one scored response per instrument of the screening and mark it completed,
    in one transaction (`add_completion`, then the one commit); the summary is queued after it
    (services/after_commit.py)."""
    responses = add_completion(session, registry, screening, answers, **options)
    session.commit()
    return responses


def add_completion(
    session: Session,
    registry: InstrumentRegistry,
    screening: Screening,
    answers: Mapping[str, Mapping[str, int | str | None]],
    *,
    clinic_question_set: ClinicQuestionSet | None = None,
    clinician_inputs: Mapping[str, Mapping[str, str]] | None = None,
    submitted_at: datetime | None = None,
    actor_kind: str = "kiosk",
    queue_referral: bool = True,
) -> list[Response]:
    """Add a completion to the caller's transaction (the caller commits): one scored response
    per instrument, the screening marked completed. A completed screening is refused, so a
    repeated submit never creates a second response. The clinic's own questions, if the packet
    has them, are stored unscored against `clinic_question_set` (default: the version pinned
    so far).

    What it reads comes first, what it writes after: the writes then reach the database
    together at the end, and the write lock they take (SQLite's, and the audit chain's on
    PostgreSQL) is held for as short a time as the transaction allows."""
    if screening.status == "completed":
        raise ScreeningError("This screening has already been submitted.")
    submitted_at = submitted_at or utcnow()
    responses = []
    # An instrument whose cut-off the clinic chooses is read against the clinic's choice; a
    # screener of a follow-up against the threshold its sitting started with, so its band and
    # whether the follow-up was asked always agree.
    clinic_thresholds = referral_thresholds(session, registry, screening.clinic_id)
    thresholds = clinic_thresholds | {rule["after"]: rule["at_least"] for rule in (screening.follow_ups or {}).values()}
    review = worklist_review(session, screening)
    for section in asked_after_instruments(screening.instrument_ids):
        section.store_unscored(session, screening, answers, submitted_at, clinic_question_set)
    decisions = decide_follow_ups(registry, screening, answers)
    for instrument_id in instruments_among(screening.instrument_ids):
        loaded = registry[instrument_id]
        own = with_carried_answers(decisions[instrument_id], answers) if instrument_id in decisions else None
        given = {key: value for key, value in (own or answers.get(instrument_id) or {}).items() if value is not None}
        # Answers kept from before a gate question was changed to its stopping answer belong to
        # items the patient is no longer asked; they are not part of the response.
        asked = asked_items(loaded.definition, given)
        given = {key: value for key, value in given.items() if key in asked}
        inputs = dict((clinician_inputs or {}).get(instrument_id) or {})
        cut_off = thresholds.get(instrument_id) if loaded.definition.scoring.cut_off else None
        result = score(loaded.definition, loaded.version, given, inputs, cut_off)
        if instrument_id in decisions and not decisions[instrument_id].is_asked:
            # A follow-up the earlier result no longer leads on to is left out, unless the patient
            # answered it before changing the screener and an answer raised an urgent flag: that
            # answer is what a clinician must read, so it is kept, with no total (never prorated).
            if not result.is_urgent:
                continue
            given = {key: value for key, value in given.items() if key in (answers.get(instrument_id) or {})}
            result = score(loaded.definition, loaded.version, given, inputs, cut_off)
        version = pin_instrument_version(session, loaded)
        # The wording seen: the sitting's language where a verified translation exists.
        translation = registry.translation(instrument_id, screening.language)
        response = Response(
            screening=screening,
            instrument_id=instrument_id,
            instrument_version=version,
            language=translation.language if translation else ENGLISH,
            translation_version=pin_instrument_version(session, translation) if translation else None,
            answers=given,
            clinician_inputs=inputs,
            score=result.to_dict(),
            total=result.total,
            band=result.band,
            is_complete=result.is_complete,
            is_urgent=result.is_urgent,
            submitted_at=submitted_at,
        )
        session.add(response)
        responses.append(response)
    screening.status = "completed"
    screening.started_at = screening.started_at or submitted_at
    screening.completed_at = submitted_at
    # Once raised, a flag stays: an answer changed before sending does not take back what
    # the front desk was already told; a clinician closes it by acknowledging.
    if not screening.is_urgent and any(response.is_urgent for response in responses):
        screening.is_urgent, screening.urgent_at = True, submitted_at
    screening.worklist_priority = worklist_priority(
        screening,
        clinic_thresholds,
        is_acknowledged=review.urgent_acknowledged_at is not None,
        responses=responses,  # every response it has: a screening gets its responses only here
    )
    refresh_patient_totals(session, screening, responses)
    session.flush()
    record_screening_event(
        session, "screening.complete", screening, actor_kind=actor_kind, details={"urgent": screening.is_urgent}
    )
    if queue_referral:  # bulk loads (seeds) leave the summary to be rendered when first opened
        request_referral_document(session, screening)
    return responses


def raise_safety_flag(session: Session, screening: Screening, loaded: LoadedInstrument, at: datetime) -> None:
    """The patient has just given an answer that raises an urgent flag: from now on the
    screening is first on the worklist and the front desk is told, however the sitting ends.
    The version on screen is kept, so a clinician reads the answers so far in its wording."""
    pin_instrument_version(session, loaded)
    worklist_review(session, screening)
    screening.is_urgent, screening.urgent_at, screening.worklist_priority = True, at, PINNED
    session.flush()
    record_screening_event(session, "screening.safety_flag", screening, actor_kind="kiosk")


def cancel_screening(session: Session, user: User, screening: Screening, now: datetime | None = None) -> None:
    """The front desk stops a sitting that will not be finished: the tablet's session and any
    unused code stop working. Answers given so far and a raised flag stay for the clinician."""
    if screening.status not in ("pending", "in_progress"):
        raise ScreeningError("This screening is already finished, so there is nothing to cancel.")
    now = now or utcnow()
    session.execute(
        sa.update(KioskSession)
        .where(KioskSession.screening_id == screening.id, KioskSession.ended_at.is_(None))
        .values(ended_at=now, end_reason="cancelled")
    )
    session.execute(
        sa.update(AccessCode)
        .where(AccessCode.screening_id == screening.id, AccessCode.used_at.is_(None), AccessCode.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    screening.status = "cancelled"
    session.flush()
    record_screening_event(session, "screening.cancel", screening, actor_user_id=user.id)
    session.commit()


def decide_follow_ups(registry: InstrumentRegistry, screening: Screening, answers: Mapping) -> dict[str, Decision]:
    """Which of the sitting's follow-up instruments the answers lead on to."""
    if not screening.follow_ups:
        return {}
    return decide(instrument_definitions(registry, screening.instrument_ids), screening.follow_ups, answers)


def get_screening(session: Session, clinic_id: int, screening_id: int) -> Screening | None:
    """The screening, only if it belongs to this clinic."""
    return session.scalar(sa.select(Screening).where(Screening.id == screening_id, Screening.clinic_id == clinic_id))


def patient_screenings(session: Session, patient: Patient) -> list[Screening]:
    return list(
        session.scalars(
            sa.select(Screening).where(Screening.patient_id == patient.id).order_by(Screening.created_at.desc())
        )
    )


def active_packets(session: Session, clinic_id: int) -> list[Packet]:
    return list(
        session.scalars(
            sa.select(Packet)
            .where(Packet.clinic_id == clinic_id, Packet.is_active.is_(True))
            .options(selectinload(Packet.entries))
            .order_by(Packet.name)
        )
    )
