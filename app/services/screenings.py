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
from app.instruments.loader import LoadedInstrument
from app.instruments.registry import InstrumentRegistry
from app.instruments.scoring import score
from app.instruments.translations import ENGLISH, LoadedTranslation
from app.models import ClinicQuestionSet, InstrumentVersion, Packet, Patient, Response, Screening
from app.services.audit import record_screening_event
from app.services.clinic_answers import CLINIC_QUESTIONS_ID, add_clinic_answers, pinned_question_set
from app.services.referrals import request_referral_document


class ScreeningError(ValueError):
    """Bad input for a screening operation, worded for the person who gave it."""


def create_screening(
    session: Session,
    patient: Patient,
    packet: Packet,
    *,
    created_by_id: int | None,
    created_at: datetime | None = None,
    language: str = ENGLISH,
    leave_out: Collection[str] = (),
) -> Screening:
    """`leave_out`: instruments of the packet not to give this time (not available in `language`)."""
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
    if session.get(InstrumentVersion, loaded.version) is None:
        session.add(
            InstrumentVersion(
                version=loaded.version,
                instrument_id=loaded.id,
                definition=loaded.definition.model_dump(mode="json"),
            )
        )
        session.flush()
    return loaded.version


def complete_screening(
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
    """Store one scored response per instrument of the screening and mark it completed,
    in one transaction. A completed screening is refused, so a repeated submit never
    creates a second response. The clinic's own questions, if the packet has them, are
    stored unscored against `clinic_question_set` (default: the version pinned so far)."""
    if screening.status == "completed":
        raise ScreeningError("This screening has already been submitted.")
    submitted_at = submitted_at or utcnow()
    responses = []
    if CLINIC_QUESTIONS_ID in screening.instrument_ids:
        question_set = clinic_question_set or pinned_question_set(session, screening)
        add_clinic_answers(session, screening, question_set, answers.get(CLINIC_QUESTIONS_ID) or {}, submitted_at)
    for instrument_id in screening.instrument_ids:
        if instrument_id == CLINIC_QUESTIONS_ID:
            continue
        loaded = registry[instrument_id]
        given = {key: value for key, value in (answers.get(instrument_id) or {}).items() if value is not None}
        inputs = dict((clinician_inputs or {}).get(instrument_id) or {})
        result = score(loaded.definition, loaded.version, given, inputs)
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
    screening.is_urgent = any(response.is_urgent for response in responses)
    session.flush()
    record_screening_event(
        session, "screening.complete", screening, actor_kind=actor_kind, details={"urgent": screening.is_urgent}
    )
    session.commit()
    if queue_referral:  # bulk loads (seeds) leave the summary to be rendered when first opened
        request_referral_document(session, screening)
    return responses


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
