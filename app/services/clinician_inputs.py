"""Recording the facts a clinician gives that a scoring rule needs (ACE-associated health
condition). Each value is a new record: the response is never rewritten and earlier values stay."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.instruments.definition import ClinicianInput as WantedInput
from app.instruments.definition import Instrument
from app.models import ClinicianInput, InstrumentVersion, Response, Screening, User
from app.services.audit import record_staff_event
from app.services.referral_pdf import request_referral_document
from app.services.reviews import ReviewError


def input_definition(session: Session, response: Response) -> Instrument:
    """The version the patient answered, whose rule the input feeds."""
    return Instrument.model_validate(session.get(InstrumentVersion, response.instrument_version).definition)


def _response(screening: Screening, instrument_id: str) -> Response | None:
    return next((r for r in screening.responses if r.instrument_id == instrument_id), None)


def wanted_input(session: Session, screening: Screening, instrument_id: str) -> WantedInput | None:
    """The input the screening's response to `instrument_id` takes, or None."""
    response = _response(screening, instrument_id)
    return None if response is None else input_definition(session, response).scoring.clinician_input


def record_clinician_input(
    session: Session, user: User, screening: Screening, instrument_id: str, value: str
) -> ClinicianInput:
    """Keep one clinician input for the screening's response to `instrument_id`, and queue a
    new referral summary that shows it."""
    response = _response(screening, instrument_id)
    if response is None or screening.clinic_id != user.clinic_id:
        raise ReviewError("This screening has no response to that instrument.")
    wanted = input_definition(session, response).scoring.clinician_input
    if wanted is None:
        raise ReviewError("That instrument's result needs no clinician input.")
    if value not in wanted.values:
        raise ReviewError(f"Choose one of: {', '.join(wanted.values)}.")
    entry = ClinicianInput(
        clinic_id=screening.clinic_id, response_id=response.id, key=wanted.key, value=value, recorded_by_id=user.id
    )
    session.add(entry)
    session.flush()
    # The value is health information: the trail says what was recorded where, not the value.
    record_staff_event(
        session,
        "clinician_input.record",
        user,
        "screening",
        screening.id,
        {"instrument": instrument_id, "key": wanted.key},
    )
    request_referral_document(session, screening)
    session.commit()
    return entry
