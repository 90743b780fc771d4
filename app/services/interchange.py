"""What is exchanged with other systems: screenings read through the API and exported as
FHIR, and scoring of responses other systems captured. Every API read is audited with the token that made it."""

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload
from werkzeug.exceptions import NotFound

from app.fhir.codes import FhirUrls, questionnaire_id, split_questionnaire_id
from app.fhir.records import PatientRecord, ResponseRecord, ScreeningRecord
from app.fhir.resources import build_observations, build_screening_bundle
from app.fhir.outcome import outcome_of
from app.fhir.score_input import (
    ScoreInputError,
    match_instrument,
    questionnaire_reference,
    read_answers,
    score_warnings,
    unwrap_response,
)
from app.instruments.definition import Instrument
from app.instruments.loader import LoadedInstrument
from app.instruments.registry import InstrumentRegistry
from app.instruments.translations import LoadedTranslation
from app.instruments.scoring import AnswerError, score
from app.models import ApiToken, Clinic, InstrumentVersion, Patient, Response, Screening
from app.reports.clinician_inputs import GivenInput, current_score, given_inputs
from app.services.api_tokens import record_api_call
from app.services.audit import record_event
from app.services.errors import ServiceError

MAX_PAGE_SIZE = 100
#: the largest id an integer column holds on every database we run on
MAX_ID = 2**31 - 1


class CursorError(ServiceError):
    pass


@dataclass(frozen=True)
class ScreeningPage:
    screenings: list[Screening]
    #: give this back to get the screenings completed after the last one here
    cursor: str | None
    has_more: bool


def encode_cursor(screening: Screening) -> str:
    raw = f"{screening.completed_at.astimezone(UTC).isoformat()}|{screening.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, screening_id = raw.partition("|")
        parsed = datetime.fromisoformat(at)
        if parsed.tzinfo is None or not 0 < int(screening_id) <= MAX_ID:
            raise ValueError
        return parsed.astimezone(UTC), int(screening_id)
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise CursorError("cursor is not one this API gave out; start again with since") from None


def _screenings_query(clinic_id: int):
    return (
        sa.select(Screening)
        .where(Screening.clinic_id == clinic_id)
        .options(selectinload(Screening.patient), selectinload(Screening.responses))
    )


def list_completed_screenings(
    session: Session, api_token: ApiToken, *, since: datetime | None, cursor: str | None, limit: int
) -> ScreeningPage:
    """Completed screenings of the token's clinic in the order they were completed, oldest
    first, so an EHR can poll: keep the cursor of the last page and ask again with it."""
    query = _screenings_query(api_token.clinic_id).where(Screening.status == "completed")
    if cursor:
        at, last_id = decode_cursor(cursor)
        query = query.where(
            sa.or_(Screening.completed_at > at, sa.and_(Screening.completed_at == at, Screening.id > last_id))
        )
    if since:
        query = query.where(Screening.completed_at >= since)
    rows = list(session.scalars(query.order_by(Screening.completed_at, Screening.id).limit(limit + 1)))
    page = rows[:limit]
    record_api_call(session, api_token, "api.screening_list", details={"count": len(page)})
    next_cursor = encode_cursor(page[-1]) if page else cursor
    return ScreeningPage(page, next_cursor, has_more=len(rows) > limit)


def read_screening(session: Session, api_token: ApiToken, screening_id: int, *, action: str) -> Screening:
    """One screening of the token's clinic; another clinic's is as absent as a missing one."""
    screening = None
    if 0 < screening_id <= MAX_ID:
        screening = session.scalar(_screenings_query(api_token.clinic_id).where(Screening.id == screening_id))
    record_api_call(
        session,
        api_token,
        action,
        target_type="screening",
        target_id=screening_id,
        details={"found": screening is not None},
    )
    if screening is None:
        raise NotFound()
    return screening


class PinnedDefinitions:
    """The instrument definitions responses pinned, each read and validated once."""

    def __init__(self, session: Session):
        self.session = session
        self._cache: dict[str, Instrument] = {}

    def get(self, version: str) -> Instrument | None:
        if version not in self._cache:
            row = self.session.get(InstrumentVersion, version)
            if row is None:
                return None
            self._cache[version] = Instrument.model_validate(row.definition)
        return self._cache[version]


def patient_record(patient: Patient, clinic: Clinic, urls: FhirUrls) -> PatientRecord:
    return PatientRecord(
        id=patient.id,
        mrn=patient.mrn,
        mrn_system=urls.mrn_system(clinic.slug),
        name=patient.name,
        date_of_birth=patient.date_of_birth,
    )


def screening_record(
    screening: Screening,
    clinic: Clinic,
    definitions: PinnedDefinitions,
    urls: FhirUrls,
    given: dict[int, list[GivenInput]] | None = None,
):
    """`given`: clinician inputs recorded after submission, which settle a tier that waited for one."""
    given = given or {}
    return ScreeningRecord(
        id=screening.id,
        status=screening.status,
        created_at=screening.created_at,
        completed_at=screening.completed_at,
        patient=patient_record(screening.patient, clinic, urls),
        responses=tuple(
            response_record(response, definitions, given.get(response.id, [])) for response in screening.responses
        ),
    )


def response_record(response: Response, definitions: PinnedDefinitions, given: list[GivenInput] = ()) -> ResponseRecord:
    """`given`: clinician inputs recorded after submission; without them, the response as submitted."""
    definition = definitions.get(response.instrument_version)
    return ResponseRecord(
        id=response.id,
        instrument=definition,
        version=response.instrument_version,
        answers=dict(response.answers),
        clinician_inputs=dict(response.clinician_inputs) | {entry.key: entry.value for entry in given},
        score=current_score(definition, response, list(given)),
        submitted_at=response.submitted_at,
        language=response.language,
        seen=definitions.get(response.translation_version) if response.translation_version else None,
        seen_version=response.translation_version,
    )


def screening_bundle(session: Session, screening: Screening, urls: FhirUrls) -> dict:
    clinic = session.get(Clinic, screening.clinic_id)
    given = given_inputs(session, [response.id for response in screening.responses])
    return build_screening_bundle(screening_record(screening, clinic, PinnedDefinitions(session), urls, given), urls)


def screenings_completed_since(session: Session, since: datetime, clinic_slug: str | None = None) -> list[int]:
    query = sa.select(Screening.id).where(Screening.status == "completed", Screening.completed_at >= since)
    if clinic_slug:
        query = query.join(Clinic, Clinic.id == Screening.clinic_id).where(Clinic.slug == clinic_slug)
    return list(session.scalars(query.order_by(Screening.completed_at, Screening.id)))


def export_screening_bundle(session: Session, screening_id: int, urls: FhirUrls) -> dict:
    """A screening's Bundle for the command line (any clinic: the operator runs the server)."""
    screening = session.scalar(
        sa.select(Screening)
        .where(Screening.id == screening_id)
        .options(selectinload(Screening.patient), selectinload(Screening.responses))
    )
    if screening is None:
        raise NotFound()
    record_event(
        session,
        "screening.export_fhir",
        clinic_id=screening.clinic_id,
        actor_kind="cli",
        target_type="screening",
        target_id=screening.id,
    )
    session.commit()
    return screening_bundle(session, screening, urls)


def score_questionnaire_response(
    session: Session,
    registry: InstrumentRegistry,
    body: object,
    urls: FhirUrls,
    *,
    api_token: ApiToken | None = None,
) -> dict:
    """Score a QuestionnaireResponse (the body, or inside a Parameters) for one of our
    instruments and return the Observations as a collection Bundle, followed by an
    OperationOutcome of warnings when there are any (incomplete, a disagreeing total).
    Nothing is stored (but the API call is audited)."""
    instrument_id = None
    try:
        resource = unwrap_response(body)
        reference = questionnaire_reference(resource)
        instrument_id = match_instrument(reference, _questionnaires(registry), urls)
        definition, version = _definition_for(session, registry, instrument_id, reference.version)
        given = read_answers(definition, resource, urls)
        result = score(definition, version, given.answers, given.clinician_inputs).to_dict()
    except (ScoreInputError, AnswerError) as error:
        if api_token is not None:
            record_api_call(session, api_token, "api.score", details={"instrument": instrument_id, "accepted": False})
        if isinstance(error, AnswerError):
            raise ScoreInputError(str(error)) from error
        raise
    warnings = score_warnings(definition, result, given.sender_total)
    if api_token is not None:
        record_api_call(
            session,
            api_token,
            "api.score",
            details={"instrument": instrument_id, "accepted": True, "warnings": len(warnings)},
        )
    subject = resource.get("subject")
    response_id = resource.get("id")
    resources = build_observations(
        definition,
        result,
        urls,
        id_prefix="score",
        subject=subject.get("reference") if isinstance(subject, dict) else None,
        derived_from=f"QuestionnaireResponse/{response_id}" if isinstance(response_id, str) else None,
        effective=_authored(resource),
    )
    if warnings:
        resources.append(outcome_of(warnings))
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"urn:uuid:{uuid.uuid4()}", "resource": resource} for resource in resources],
    }


def _questionnaires(registry: InstrumentRegistry) -> dict[str, Instrument]:
    """Questionnaire id -> definition, for every installed instrument and translation. A
    translation shares its instrument's linkIds, codes and scoring rules, so an answer to it
    is read in its own words (a Spanish valueString) and scored exactly as the English."""
    installed = {key: loaded.definition for key, loaded in registry.items()}
    return installed | {
        questionnaire_id(translation.id, translation.language): translation.definition
        for translation in registry.translations()
    }


def installed_questionnaire(registry: InstrumentRegistry, key: str) -> LoadedInstrument | LoadedTranslation | None:
    """The installed instrument or translation a Questionnaire id names ("phq9", "phq9-es")."""
    if key in registry:
        return registry[key]
    return registry.translation(*split_questionnaire_id(key))


def _definition_for(
    session: Session, registry: InstrumentRegistry, instrument_id: str, version: str | None
) -> tuple[Instrument, str]:
    """The current definition, or the exact earlier version the response names, so that an
    answer is scored with the rules of the wording it answered."""
    loaded = installed_questionnaire(registry, instrument_id)
    if version is None or version == loaded.version:
        return loaded.definition, loaded.version
    pinned = PinnedDefinitions(session).get(version)
    if pinned is None or pinned.id != loaded.id:
        raise ScoreInputError(
            f"Unknown version {version!r} of {loaded.definition.short_title}; "
            f"the current one is {loaded.version}, or leave the version out.",
            "QuestionnaireResponse.questionnaire",
            code="not-found",
        )
    return pinned, version


def _authored(resource: dict) -> str | None:
    """The response's authored time, when it is a FHIR dateTime with a time zone."""
    authored = resource.get("authored")
    try:
        if isinstance(authored, str) and datetime.fromisoformat(authored.replace("Z", "+00:00")).tzinfo:
            return authored
    except ValueError:
        pass
    return None
