"""What the read-only FHIR server finds for an API token: every record scoped to the token's
clinic, every read and search audited with the token. Resources are built by app/fhir from
the same records the screening Bundle uses, so a resource read alone and one inside the
Bundle are the same."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from app.fhir.codes import FhirUrls, resource_id, split_questionnaire_id
from app.fhir.questionnaire import build_questionnaire
from app.fhir.records import ResponseRecord
from app.fhir.resources import build_observations, build_patient, build_questionnaire_response
from app.fhir.server import (
    Found,
    SearchQuery,
    code_system,
    document_reference,
    matches,
    score_operation_definition,
    token_values,
)
from app.instruments.definition import Instrument
from app.instruments.loader import LoadedInstrument
from app.instruments.registry import InstrumentRegistry
from app.models import ApiToken, Clinic, InstrumentVersion, Patient, ReferralDocument, Response, Screening
from app.services.api_tokens import record_api_call
from app.services.interchange import (
    MAX_ID,
    PinnedDefinitions,
    installed_questionnaire,
    patient_record,
    screening_record,
    translated_versions,
)
from app.services.referrals import ReferralIntegrityError

PATIENT_ID = re.compile(r"^patient-(\d{1,10})$")
RESPONSE_ID = re.compile(r"^response-(\d{1,10})$")
OBSERVATION_ID = re.compile(r"^response-(\d{1,10})-(total|flag-[a-z0-9-]+)$")
DOCUMENT_ID = re.compile(r"^referral-summary-(\d{1,10})$")


def _number(pattern: re.Pattern, value: str) -> int | None:
    match = pattern.match(value)
    return int(match.group(1)) if match and 0 < int(match.group(1)) <= MAX_ID else None


def _patient_reference(patient_id: int) -> str:
    return f"Patient/{resource_id('patient', patient_id)}"


class ClinicRecords:
    """The token's clinic's records as FHIR resources."""

    def __init__(self, session: Session, registry: InstrumentRegistry, urls: FhirUrls, api_token: ApiToken):
        self.session = session
        self.registry = registry
        self.urls = urls
        self.clinic = session.get(Clinic, api_token.clinic_id)
        self.definitions = PinnedDefinitions(session)

    # Patients -----------------------------------------------------------------------------
    def patients(self, ids: set[int] | None = None) -> Iterator[Found]:
        query = sa.select(Patient).where(Patient.clinic_id == self.clinic.id).order_by(Patient.id)
        if ids is not None:
            query = query.where(Patient.id.in_(ids))
        for patient in self.session.scalars(query):
            yield self._patient(patient)

    def _patient(self, patient: Patient) -> Found:
        record = patient_record(patient, self.clinic, self.urls)
        resource = build_patient(record)
        identifier = resource["identifier"][0]
        return Found(
            resource,
            patient.created_at,
            "1",
            patient_id=resource["id"],
            tokens={"identifier": frozenset({identifier["value"], f"{identifier['system']}|{identifier['value']}"})},
        )

    # Responses and their Observations ---------------------------------------------------------
    def _screenings(
        self, query: SearchQuery | None, *, screening_id: int | None = None, response_id: int | None = None
    ):
        select = (
            sa.select(Screening)
            .where(Screening.clinic_id == self.clinic.id)
            .options(selectinload(Screening.patient), selectinload(Screening.responses))
            .order_by(Screening.id)
        )
        if screening_id is not None:
            select = select.where(Screening.id == screening_id)
        if response_id is not None:
            select = select.where(Screening.responses.any(Response.id == response_id))
        for wanted in query.patients if query else ():
            select = select.where(Screening.patient_id.in_(_patient_numbers(wanted)))
        return self.session.scalars(select)

    def _response_records(self, query: SearchQuery | None, response_id: int | None):
        """(patient id, response record) for each response, read as the screening Bundle reads it."""
        for screening in self._screenings(query, response_id=response_id):
            record = screening_record(screening, self.clinic, self.definitions, self.urls)
            for response in record.responses:
                if response_id is None or response.id == response_id:
                    yield screening.patient_id, response

    def responses(self, query: SearchQuery | None = None, *, response_id: int | None = None) -> Iterator[Found]:
        for patient_id, response in self._response_records(query, response_id):
            resource = build_questionnaire_response(response, self.urls, subject=_patient_reference(patient_id))
            canonical = resource["questionnaire"]
            yield _of_response(
                resource, patient_id, response, questionnaire=frozenset({canonical, canonical.partition("|")[0]})
            )

    def observations(self, query: SearchQuery | None = None, *, response_id: int | None = None) -> Iterator[Found]:
        for patient_id, response in self._response_records(query, response_id):
            observations = build_observations(
                response.instrument,
                response.score,
                self.urls,
                id_prefix=resource_id("response", response.id),
                subject=_patient_reference(patient_id),
                derived_from=f"QuestionnaireResponse/{resource_id('response', response.id)}",
                effective=response.submitted_at.isoformat(timespec="seconds"),
            )
            for observation in observations:
                yield _of_response(observation, patient_id, response, code=token_values(*observation["code"]["coding"]))

    # Referral summaries ------------------------------------------------------------------------
    def documents(self, query: SearchQuery | None = None, *, screening_id: int | None = None) -> Iterator[Found]:
        select = (
            sa.select(ReferralDocument, Screening.patient_id)
            .join(Screening, Screening.id == ReferralDocument.screening_id)
            .where(ReferralDocument.clinic_id == self.clinic.id, ReferralDocument.status == "ready")
            .order_by(ReferralDocument.screening_id)
        )
        if screening_id is not None:
            select = select.where(ReferralDocument.screening_id == screening_id)
        for wanted in query.patients if query else ():
            select = select.where(Screening.patient_id.in_(_patient_numbers(wanted)))
        for document, patient_id in self.session.execute(select):
            pdf = self.session.scalar(sa.select(ReferralDocument.pdf).where(ReferralDocument.id == document.id))
            if hashlib.sha256(pdf).hexdigest() != document.sha256:
                raise ReferralIntegrityError(f"stored referral summary {document.id} does not match its SHA-256")
            resource = document_reference(
                screening_id=document.screening_id,
                patient_reference=_patient_reference(patient_id),
                pdf=pdf,
                rendered_at=document.rendered_at,
            )
            yield Found(
                resource,
                document.rendered_at,
                str(document.generation),
                patient_id=resource_id("patient", patient_id),
                at=document.rendered_at,
                tokens={"status": frozenset({"current"})},
            )

    # Definitions: the same for every clinic ---------------------------------------------------------
    def questionnaire_versions(self, instrument_id: str | None = None) -> list[Found]:
        """Every version of each instrument a response pinned, and the installed one, oldest
        first; a translation is a Questionnaire of its own ("phq9-es"), `instrument_id` one of them."""
        select = sa.select(InstrumentVersion).order_by(InstrumentVersion.recorded_at, InstrumentVersion.version)
        if instrument_id is not None:
            select = select.where(InstrumentVersion.instrument_id == split_questionnaire_id(instrument_id)[0])
        translated = translated_versions(self.session, self.registry)
        versions: dict[str, Found] = {}
        for row in self.session.scalars(select):
            definition = self.definitions.get(row.version)
            versions[row.version] = self._questionnaire(definition, row.version, row.recorded_at, translated)
        for loaded in [*self.registry.values(), *self.registry.translations()]:
            if loaded.version not in versions:
                versions[loaded.version] = self._questionnaire(
                    loaded.definition, loaded.version, _installed_at(loaded), translated
                )
        return [v for v in versions.values() if instrument_id is None or v.resource["id"] == instrument_id]

    def _questionnaire(self, definition: Instrument, version: str, at: datetime, translated: dict) -> Found:
        language, translates = translated.get(version, ("en", None))
        resource = build_questionnaire(definition, version, self.urls, language=language, translates=translates)
        installed = installed_questionnaire(self.registry, resource["id"])
        current = installed is not None and installed.version == version
        return Found(
            resource,
            at,
            version,
            tokens={
                "url": frozenset({resource["url"], f"{resource['url']}|{version}"}),
                "version": frozenset({version}),
                "status": frozenset({resource["status"]}),
                "current": frozenset({"yes" if current else "no"}),
            },
        )

    def code_system(self) -> Found:
        definitions = [loaded.definition for loaded in self.registry.values()]
        recorded = list(self.session.execute(sa.select(InstrumentVersion.version, InstrumentVersion.recorded_at)))
        definitions += [self.definitions.get(version) for version, _at in recorded]
        versions = sorted({*(v for v, _at in recorded), *(loaded.version for loaded in self.registry.values())})
        version = hashlib.sha256("|".join(versions).encode()).hexdigest()[:16]
        published = max([definitions_published(self.registry), *(at for _v, at in recorded)])
        resource = code_system(definitions, version=version, published=published)
        return Found(resource, published, version, tokens={"url": frozenset({resource["url"]})})

    def operation_definition(self) -> Found:
        resource = score_operation_definition()
        published = definitions_published(self.registry)
        return Found(resource, published, "1", tokens={"url": frozenset({resource["url"]})})


def _natural(value: str) -> tuple:
    """response-9 before response-10."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", value))


def _of_response(resource: dict, patient_id: int, response: ResponseRecord, **tokens: frozenset[str]) -> Found:
    """A resource made from a stored response: dated when it was submitted, never changed."""
    return Found(
        resource,
        response.submitted_at,
        "1",
        patient_id=resource_id("patient", patient_id),
        at=response.submitted_at,
        tokens={"status": frozenset({resource["status"]}), **tokens},
    )


def _patient_numbers(values) -> set[int]:
    return {n for n in (_number(PATIENT_ID, value) for value in values) if n}


def definitions_published(registry: InstrumentRegistry) -> datetime:
    """When the newest installed definition changed: the date of what this server publishes."""
    return max(_installed_at(loaded) for loaded in registry.values())


def _installed_at(loaded: LoadedInstrument) -> datetime:
    """When the installed definition file last changed: the best date a version not yet
    answered by anyone has."""
    return datetime.fromtimestamp(int(loaded.path.stat().st_mtime), tz=UTC)


def _candidates(records: ClinicRecords, resource_type: str, query: SearchQuery) -> Iterator[Found]:
    if resource_type == "Patient":
        yield from records.patients()
    elif resource_type == "QuestionnaireResponse":
        yield from records.responses(query)
    elif resource_type == "Observation":
        yield from records.observations(query)
    elif resource_type == "DocumentReference":
        yield from records.documents(query)
    elif resource_type == "Questionnaire":
        versions = records.questionnaire_versions()
        # Without url|version or version, a search lists each instrument's installed version;
        # earlier versions are found by asking for them.
        asks_version = "version" in query.tokens or any(
            "|" in value for values in query.tokens.get("url", ()) for value in values
        )
        yield from (v for v in versions if asks_version or "yes" in v.tokens["current"])
    elif resource_type == "CodeSystem":
        yield records.code_system()
    elif resource_type == "OperationDefinition":
        yield records.operation_definition()


def search_resources(
    session: Session,
    registry: InstrumentRegistry,
    urls: FhirUrls,
    api_token: ApiToken,
    query: SearchQuery,
) -> tuple[list[Found], dict[str, Found]]:
    """Every match of a search, in a stable order, and the Patients they are about (for _include)."""
    records = ClinicRecords(session, registry, urls, api_token)
    found = sorted(
        (item for item in _candidates(records, query.resource_type, query) if matches(item, query)),
        key=lambda item: (item.last_updated, _natural(item.resource["id"])),
    )
    subjects = {}
    if query.include_subject:
        numbers = _patient_numbers(item.patient_id for item in found if item.patient_id)
        subjects = {item.resource["id"]: item for item in records.patients(numbers)}
    record_api_call(session, api_token, "api.fhir_search", details={"type": query.resource_type, "count": len(found)})
    return found, subjects


def read_resource(
    session: Session,
    registry: InstrumentRegistry,
    urls: FhirUrls,
    api_token: ApiToken,
    resource_type: str,
    resource_id_: str,
    *,
    version_id: str | None = None,
) -> Found | None:
    """One resource of the token's clinic (another clinic's is as absent as a missing one),
    or one version of a Questionnaire."""
    records = ClinicRecords(session, registry, urls, api_token)
    found = _read(records, resource_type, resource_id_)
    if version_id is not None:
        found = (
            next((v for v in records.questionnaire_versions(resource_id_) if v.version_id == version_id), None)
            if resource_type == "Questionnaire"
            else None
        )
    record_api_call(
        session,
        api_token,
        "api.fhir_read",
        target_type=resource_type,
        target_id=resource_id_[:64],
        details={"found": found is not None, **({"version": version_id[:64]} if version_id else {})},
    )
    return found


def questionnaire_history(
    session: Session, registry: InstrumentRegistry, urls: FhirUrls, api_token: ApiToken, instrument_id: str
) -> list[Found] | None:
    records = ClinicRecords(session, registry, urls, api_token)
    versions = records.questionnaire_versions(instrument_id)
    record_api_call(
        session,
        api_token,
        "api.fhir_history",
        target_type="Questionnaire",
        target_id=instrument_id[:64],
        details={"found": bool(versions)},
    )
    return list(reversed(versions)) or None


def _read(records: ClinicRecords, resource_type: str, value: str) -> Found | None:
    if resource_type == "Patient":
        number = _number(PATIENT_ID, value)
        return next(records.patients({number}), None) if number else None
    if resource_type == "QuestionnaireResponse":
        number = _number(RESPONSE_ID, value)
        return next(records.responses(response_id=number), None) if number else None
    if resource_type == "Observation":
        number = _number(OBSERVATION_ID, value)
        if not number:
            return None
        return next((o for o in records.observations(response_id=number) if o.resource["id"] == value), None)
    if resource_type == "DocumentReference":
        number = _number(DOCUMENT_ID, value)
        return next(records.documents(screening_id=number), None) if number else None
    if resource_type == "Questionnaire":
        loaded = installed_questionnaire(records.registry, value)
        if loaded is None:
            return None
        return next(v for v in records.questionnaire_versions(value) if v.version_id == loaded.version)
    if resource_type == "CodeSystem":
        return records.code_system() if value == "tallyform" else None
    if resource_type == "OperationDefinition":
        found = records.operation_definition()
        return found if value == found.resource["id"] else None
    return None
