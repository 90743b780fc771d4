"""What the read-only FHIR server finds for an API token: every record scoped to the token's
clinic, every read and search audited with the token. Resources are built by app/fhir from
the same records the screening Bundle uses, so a resource read alone and one inside the
Bundle are the same."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.fhir.codes import FhirUrls, flag_coding, resource_id, split_questionnaire_id, total_coding
from app.fhir.questionnaire import build_questionnaire
from app.fhir.records import ResponseRecord
from app.fhir.resources import build_observations, build_patient, build_questionnaire_response
from app.fhir.server import (
    DateRange,
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
from app.instruments.translations import wording_of
from app.models import (
    ApiToken,
    Clinic,
    ClinicianInput,
    InstrumentVersion,
    Patient,
    ReferralDocument,
    Response,
    Screening,
)
from app.reports.clinician_inputs import given_inputs
from app.services.api_tokens import record_api_call
from app.services.interchange import (
    MAX_ID,
    PinnedDefinitions,
    installed_questionnaire,
    patient_record,
    response_record,
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
    """The token's clinic's records as FHIR resources. A search of records is filtered,
    counted and paged in the database: it reads the rows of the page it returns and the
    count, never the clinic's whole history."""

    def __init__(self, session: Session, registry: InstrumentRegistry, urls: FhirUrls, api_token: ApiToken):
        self.session = session
        self.registry = registry
        self.urls = urls
        self.clinic = session.get(Clinic, api_token.clinic_id)
        self.definitions = PinnedDefinitions(session)

    def matching(self, query: SearchQuery) -> RecordSearch:
        """The rows a search of one of the clinic's record types matches, in result order."""
        return {
            "Patient": self._patient_rows,
            "QuestionnaireResponse": self._response_rows,
            "Observation": self._observation_rows,
            "DocumentReference": self._document_rows,
        }[query.resource_type](query)

    # Patients -----------------------------------------------------------------------------
    def _patient_rows(self, query: SearchQuery) -> RecordSearch:
        select = sa.select(Patient.id).where(Patient.clinic_id == self.clinic.id)
        for ids in query.ids:
            select = select.where(Patient.id.in_(_numbers(PATIENT_ID, ids)))
        select = select.where(*(_within(Patient.created_at, span) for span in query.last_updated))
        # an identifier matches as its value alone or as this clinic's MRN system|value
        system = f"{self.urls.mrn_system(self.clinic.slug)}|"
        select = select.where(
            *_token_conditions(
                query, identifier=lambda values: Patient.mrn.in_({*values, *(v.removeprefix(system) for v in values)})
            )
        )
        return RecordSearch(select, (Patient.created_at, Patient.id), self.patients)

    def patients(self, ids: Iterable[int]) -> list[Found]:
        """The clinic's Patients of these ids, in the order given."""
        query = sa.select(Patient).where(Patient.clinic_id == self.clinic.id, Patient.id.in_(list(ids)))
        found = {patient.id: patient for patient in self.session.scalars(query)}
        return [self._patient(found[number]) for number in ids if number in found]

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
    def _of_clinic_responses(self, select: sa.Select, query: SearchQuery) -> sa.Select:
        """`select` (of Response) narrowed to the clinic and to the query's patient and dates:
        `date` is when it was answered, `_lastUpdated` when it last changed."""
        select = (
            select.join(Screening, Screening.id == Response.screening_id)
            .outerjoin(NEWEST_INPUT, NEWEST_INPUT.c.response_id == Response.id)
            .where(Screening.clinic_id == self.clinic.id)
        )
        for wanted in query.patients:
            select = select.where(Screening.patient_id.in_(_numbers(PATIENT_ID, wanted)))
        select = select.where(*(_within(Response.submitted_at, span) for span in query.dates))
        return select.where(*(_within(RESPONSE_UPDATED, span) for span in query.last_updated))

    def _response_rows(self, query: SearchQuery) -> RecordSearch:
        select = self._of_clinic_responses(sa.select(Response.id), query)
        for ids in query.ids:
            select = select.where(Response.id.in_(_numbers(RESPONSE_ID, ids)))
        select = select.where(
            *_token_conditions(
                query,
                status=lambda values: Response.is_complete.in_(
                    [RESPONSE_STATUS[v] for v in values & set(RESPONSE_STATUS)]
                ),
                questionnaire=lambda values: sa.or_(sa.false(), *map(self._answered, values)),
            )
        )
        return RecordSearch(select, (RESPONSE_UPDATED, Response.id), self.responses)

    def _answered(self, canonical: str):
        """Responses to a Questionnaire given by url (any version) or url|version."""
        url, bar, version = canonical.partition("|")
        prefix = self.urls.questionnaire("")
        if not url.startswith(prefix) or (bar and not version):
            return sa.false()
        condition = Response.instrument_id == url.removeprefix(prefix)
        return sa.and_(condition, Response.instrument_version == version) if bar else condition

    def _stored_responses(self, ids: Iterable[int]) -> list[StoredResponse]:
        """Each of the clinic's responses given, in that order. The record carries the
        clinician inputs recorded after submission and the score they settle, as the screening
        Bundle, the CSV export and the worklist show it; each such input makes a new version
        dated when it was recorded, so a client holding the earlier one reads it again."""
        ids = list(ids)
        select = (
            sa.select(Response, Screening.patient_id)
            .join(Screening, Screening.id == Response.screening_id)
            .where(Screening.clinic_id == self.clinic.id, Response.id.in_(ids))
        )
        found = {response.id: (patient_id, response) for response, patient_id in self.session.execute(select)}
        given = given_inputs(self.session, list(found))
        stored = []
        for number in ids:
            if number in found:
                patient_id, response = found[number]
                later = given.get(number, [])
                stored.append(
                    StoredResponse(
                        patient_id,
                        response_record(response, self.definitions, later),
                        # version 1 as submitted, one more for each input recorded after
                        str(1 + len(later)),
                        max([response.submitted_at, *(entry.at for entry in later)]),
                    )
                )
        return stored

    def responses(self, ids: Iterable[int]) -> list[Found]:
        found = []
        for stored in self._stored_responses(ids):
            resource = build_questionnaire_response(
                stored.record, self.urls, subject=_patient_reference(stored.patient_id)
            )
            canonical = resource["questionnaire"]
            found.append(
                _of_response(resource, stored, questionnaire=frozenset({canonical, canonical.partition("|")[0]}))
            )
        return found

    def _observation_rows(self, query: SearchQuery) -> RecordSearch:
        """One row per Observation: a response's total (when it has one) and each raised flag."""
        columns = (
            Response.id.label("response_id"),
            RESPONSE_UPDATED.label("last_updated"),
            Response.instrument_id,
            Response.instrument_version,
        )
        totals = self._of_clinic_responses(
            sa.select(
                *columns, sa.literal_column("'total'").label("kind"), sa.cast(sa.null(), sa.String).label("flag")
            ),
            query,
        ).where(Response.total.is_not(None))
        flags = _raised_flags(self.session.get_bind().dialect.name)
        raised = self._of_clinic_responses(
            sa.select(*columns, sa.literal_column("'flag'").label("kind"), flags.c.value.label("flag")), query
        ).join(flags, sa.true())
        rows = sa.union_all(totals, raised).subquery()
        kind, key = rows.c.kind, sa.func.replace(rows.c.flag, "_", "-")
        select = sa.select(rows.c.response_id, kind, rows.c.flag)
        for ids in query.ids:
            wanted = [(int(m.group(1)), m.group(2)) for m in map(OBSERVATION_ID.match, ids) if m]
            select = select.where(
                sa.or_(
                    sa.false(),
                    *(
                        sa.and_(
                            rows.c.response_id == number,
                            kind == "total"
                            if tail == "total"
                            else sa.and_(kind == "flag", key == tail[len("flag-") :]),
                        )
                        for number, tail in wanted
                        if number <= MAX_ID
                    ),
                )
            )
        select = select.where(
            *_token_conditions(query, status=lambda values: _is_in("final", values), code=partial(self._coded, rows))
        )
        return RecordSearch(select, (rows.c.last_updated, rows.c.response_id, kind, key), self._observations_of_rows)

    def _coded(self, rows, values: frozenset[str]):
        """Observations whose code is one of `values` (code or system|code), under the
        definition each response pinned."""
        conditions = []
        for version, instrument_id in self.session.execute(
            sa.select(InstrumentVersion.version, InstrumentVersion.instrument_id)
        ):
            definition = self.definitions.get(version)
            if token_values(total_coding(definition, self.urls)) & values:
                conditions.append(sa.and_(rows.c.kind == "total", rows.c.instrument_version == version))
            for flag in definition.scoring.flags:
                if token_values(flag_coding(definition, flag.key, flag.label, self.urls)) & values:
                    conditions.append(
                        sa.and_(rows.c.kind == "flag", rows.c.instrument_id == instrument_id, rows.c.flag == flag.key)
                    )
        return sa.or_(sa.false(), *conditions)

    def _observations_of_rows(self, rows) -> list[Found]:
        wanted = [_observation_id(number, kind, flag) for number, kind, flag in rows]
        built = {found.resource["id"]: found for found in self.observations(dict.fromkeys(n for n, _k, _f in rows))}
        return [built[observation_id] for observation_id in wanted if observation_id in built]

    def observations(self, ids: Iterable[int]) -> list[Found]:
        """Every Observation of each of these responses."""
        found = []
        for stored in self._stored_responses(ids):
            response = stored.record
            observations = build_observations(
                response.instrument,
                response.score,
                self.urls,
                id_prefix=resource_id("response", response.id),
                subject=_patient_reference(stored.patient_id),
                derived_from=f"QuestionnaireResponse/{resource_id('response', response.id)}",
                effective=response.submitted_at.isoformat(timespec="seconds"),
            )
            found += [
                _of_response(observation, stored, code=token_values(*observation["code"]["coding"]))
                for observation in observations
            ]
        return found

    # Referral summaries ------------------------------------------------------------------------
    def _document_rows(self, query: SearchQuery) -> RecordSearch:
        select = (
            sa.select(ReferralDocument.screening_id)
            .join(Screening, Screening.id == ReferralDocument.screening_id)
            .where(ReferralDocument.clinic_id == self.clinic.id, ReferralDocument.status == "ready")
        )
        for ids in query.ids:
            select = select.where(ReferralDocument.screening_id.in_(_numbers(DOCUMENT_ID, ids)))
        for wanted in query.patients:
            select = select.where(Screening.patient_id.in_(_numbers(PATIENT_ID, wanted)))
        spans = (*query.dates, *query.last_updated)
        select = select.where(*(_within(ReferralDocument.rendered_at, span) for span in spans))
        select = select.where(*_token_conditions(query, status=lambda values: _is_in("current", values)))
        return RecordSearch(select, (ReferralDocument.rendered_at, ReferralDocument.screening_id), self.documents)

    def documents(self, screening_ids: Iterable[int]) -> list[Found]:
        """The ready referral summaries of these screenings, in the order given."""
        select = (
            sa.select(ReferralDocument, Screening.patient_id)
            .join(Screening, Screening.id == ReferralDocument.screening_id)
            .where(
                ReferralDocument.clinic_id == self.clinic.id,
                ReferralDocument.status == "ready",
                ReferralDocument.screening_id.in_(list(screening_ids)),
            )
        )
        stored = {
            document.screening_id: (document, patient_id) for document, patient_id in self.session.execute(select)
        }
        return [self._document(*stored[number]) for number in screening_ids if number in stored]

    def _document(self, document: ReferralDocument, patient_id: int) -> Found:
        pdf = self.session.scalar(sa.select(ReferralDocument.pdf).where(ReferralDocument.id == document.id))
        if hashlib.sha256(pdf).hexdigest() != document.sha256:
            raise ReferralIntegrityError(f"stored referral summary {document.id} does not match its SHA-256")
        resource = document_reference(
            screening_id=document.screening_id,
            patient_reference=_patient_reference(patient_id),
            pdf=pdf,
            rendered_at=document.rendered_at,
        )
        return Found(
            resource,
            document.rendered_at,
            str(document.generation),
            patient_id=resource_id("patient", patient_id),
            at=document.rendered_at,
            tokens={"status": frozenset({"current"})},
        )

    # Definitions: the same for every clinic ---------------------------------------------------------
    def questionnaire_versions(
        self, questionnaire_ids: Collection[str] | None = None, versions: Collection[str] | None = None
    ) -> list[Found]:
        """Every version of each instrument a response pinned, and the installed one, oldest
        first; a translation is a Questionnaire of its own ("phq9-es"). Only of these
        Questionnaires and versions when given, so a search reads no other definition."""
        select = sa.select(InstrumentVersion).order_by(InstrumentVersion.recorded_at, InstrumentVersion.version)
        instrument_ids = None
        if questionnaire_ids is not None:
            instrument_ids = {split_questionnaire_id(value)[0] for value in questionnaire_ids}
            select = select.where(InstrumentVersion.instrument_id.in_(instrument_ids))
        if versions is not None:
            select = select.where(InstrumentVersion.version.in_(list(versions)))
        found: dict[str, Found] = {}
        for row in self.session.scalars(select):
            definition = self.definitions.get(row.version)
            found[row.version] = self._questionnaire(
                definition, row.version, row.recorded_at, row.language, row.translates
            )
        for loaded in [*self.registry.values(), *self.registry.translations()]:
            wanted = (instrument_ids is None or loaded.id in instrument_ids) and (
                versions is None or loaded.version in versions
            )
            if wanted and loaded.version not in found:
                found[loaded.version] = self._questionnaire(
                    loaded.definition, loaded.version, _installed_at(loaded), *wording_of(loaded)
                )
        return [v for v in found.values() if questionnaire_ids is None or v.resource["id"] in questionnaire_ids]

    def _questionnaire(
        self, definition: Instrument, version: str, at: datetime, language: str, translates: str | None
    ) -> Found:
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


class StoredResponse(NamedTuple):
    """A response of the clinic as its resources serve it."""

    patient_id: int
    record: ResponseRecord
    version: str
    #: when it last changed: submitted, or the newest clinician input recorded after
    #: (RESPONSE_UPDATED is the same date in SQL)
    last_updated: datetime


def _of_response(resource: dict, stored: StoredResponse, **tokens: frozenset[str]) -> Found:
    """A resource made from a stored response: updated (meta.lastUpdated, Last-Modified,
    `_lastUpdated`) when its newest version was made, and still dated when it was answered
    (`date`): a later clinician input changes what it says, not when the patient answered."""
    return Found(
        resource,
        stored.last_updated,
        stored.version,
        patient_id=resource_id("patient", stored.patient_id),
        at=stored.record.submitted_at,
        tokens={"status": frozenset({resource["status"]}), **tokens},
    )


#: the newest clinician input of each response given one, as a table a search joins: it is
#: aggregated once per statement, where a correlated subquery would be run for every response
#: of the clinic (and on PostgreSQL turns the join of the clinic's responses into a loop)
NEWEST_INPUT = (
    sa.select(ClinicianInput.response_id, sa.func.max(ClinicianInput.recorded_at).label("recorded_at"))
    .group_by(ClinicianInput.response_id)
    .subquery("newest_input")
)
#: when a response last changed, in SQL (with NEWEST_INPUT joined): the later of its submission
#: and its newest clinician input; StoredResponse.last_updated is the same date read back
RESPONSE_UPDATED = sa.case(
    (NEWEST_INPUT.c.recorded_at > Response.submitted_at, NEWEST_INPUT.c.recorded_at), else_=Response.submitted_at
)


@dataclass(frozen=True)
class RecordSearch:
    """A search of the clinic's records as SQL: `rows` selects the key of each match, `order`
    gives the result order (the date a resource was last updated, then its id, as the
    definitions' searches sort), and `build` turns one page of keys into resources."""

    rows: sa.Select
    order: tuple
    build: Callable[[list], list[Found]]

    def count(self, session: Session) -> int:
        return session.scalar(sa.select(sa.func.count()).select_from(self.rows.order_by(None).subquery()))

    def page(self, session: Session, offset: int, count: int) -> list[Found]:
        rows = session.execute(self.rows.order_by(*self.order).offset(offset).limit(count)).all()
        return self.build([row[0] if len(row) == 1 else tuple(row) for row in rows])


#: the QuestionnaireResponse status of a complete response and of an incomplete one
RESPONSE_STATUS = {"completed": True, "in-progress": False}


def _within(column, span: DateRange):
    """The SQL form of DateRange.matches."""
    low, high, outside = span.bounds()
    inside = sa.and_(
        sa.true(), *([column >= low] if low is not None else []), *([column < high] if high is not None else [])
    )
    return sa.not_(inside) if outside else inside


def _is_in(value: str, values: frozenset[str]):
    return sa.true() if value in values else sa.false()


def _token_conditions(query: SearchQuery, **conditions: Callable[[frozenset[str]], sa.ColumnElement]):
    """One condition per token parameter given (repeats ANDed), each made from its set of
    comma-separated values (ORed) by the parameter's own function."""
    for name, alternatives in query.tokens.items():
        for values in alternatives:
            yield conditions[name](values)


def _raised_flags(dialect: str):
    """The flag keys of a response's stored score, one row each, as a table joined to it."""
    if dialect == "postgresql":
        return sa.func.json_array_elements_text(Response.score["flags"]).table_valued("value")
    return sa.func.json_each(Response.score, "$.flags").table_valued("value")


def _observation_id(response_number: int, kind: str, flag: str | None) -> str:
    return resource_id("response", response_number, *(("total",) if kind == "total" else ("flag", flag)))


def _numbers(pattern: re.Pattern, values: Iterable[str]) -> list[int]:
    return sorted({n for n in (_number(pattern, value) for value in values) if n})


def definitions_published(registry: InstrumentRegistry) -> datetime:
    """When the newest installed definition changed: the date of what this server publishes."""
    return max(_installed_at(loaded) for loaded in registry.values())


def _installed_at(loaded: LoadedInstrument) -> datetime:
    """When the installed definition file last changed: the best date a version not yet
    answered by anyone has."""
    return datetime.fromtimestamp(int(loaded.path.stat().st_mtime), tz=UTC)


def _definitions(records: ClinicRecords, query: SearchQuery) -> Iterator[Found]:
    """The definitions a search may match: the same for every clinic, and few."""
    if query.resource_type == "Questionnaire":
        versions = records.questionnaire_versions(*_questionnaires_asked(records.urls, query))
        # Without url|version or version, a search lists each instrument's installed version;
        # earlier versions are found by asking for them.
        asks_version = "version" in query.tokens or any(
            "|" in value for values in query.tokens.get("url", ()) for value in values
        )
        yield from (v for v in versions if asks_version or "yes" in v.tokens["current"])
    elif query.resource_type == "CodeSystem":
        yield records.code_system()
    elif query.resource_type == "OperationDefinition":
        yield records.operation_definition()


def _questionnaires_asked(urls: FhirUrls, query: SearchQuery) -> tuple[set[str] | None, set[str] | None]:
    """The instrument ids and versions a Questionnaire search can match at most (None: any),
    from _id, url (url or url|version) and version, so only those definitions are read."""
    prefix = urls.questionnaire("")
    ids, versions = None, None
    for values in query.tokens.get("url", ()):
        canonicals = [value.partition("|") for value in values]
        asked = {url.removeprefix(prefix) for url, _bar, _version in canonicals if url.startswith(prefix)}
        ids = asked if ids is None else ids & asked
        if all(bar for _url, bar, _version in canonicals):
            pinned = {version for _url, _bar, version in canonicals}
            versions = pinned if versions is None else versions & pinned
    for values in query.ids:
        ids = set(values) if ids is None else ids & values
    for values in query.tokens.get("version", ()):
        versions = set(values) if versions is None else versions & values
    return ids, versions


RECORD_TYPES = ("Patient", "QuestionnaireResponse", "Observation", "DocumentReference")


def search_resources(
    session: Session,
    registry: InstrumentRegistry,
    urls: FhirUrls,
    api_token: ApiToken,
    query: SearchQuery,
) -> tuple[list[Found], int, dict[str, Found]]:
    """One page of a search's matches in a stable order, how many match in all, and the
    Patients the page is about (for _include)."""
    records = ClinicRecords(session, registry, urls, api_token)
    wanted = 0 if query.summary_count else query.count
    if query.resource_type in RECORD_TYPES:
        search = records.matching(query)
        total = search.count(session)
        page = search.page(session, query.offset, wanted) if wanted and query.offset < total else []
    else:
        found = sorted(
            (item for item in _definitions(records, query) if matches(item, query)),
            key=lambda item: (item.last_updated, _natural(item.resource["id"])),
        )
        total, page = len(found), found[query.offset : query.offset + wanted]
    subjects = {}
    if query.include_subject:
        numbers = _numbers(PATIENT_ID, dict.fromkeys(item.patient_id for item in page if item.patient_id))
        subjects = {item.resource["id"]: item for item in records.patients(numbers)}
    record_api_call(session, api_token, "api.fhir_search", details={"type": query.resource_type, "count": total})
    return page, total, subjects


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
            next(iter(records.questionnaire_versions([resource_id_], [version_id])), None)
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
    versions = records.questionnaire_versions([instrument_id])
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
    record_reads = {
        "Patient": (PATIENT_ID, records.patients),
        "QuestionnaireResponse": (RESPONSE_ID, records.responses),
        "Observation": (OBSERVATION_ID, records.observations),
        "DocumentReference": (DOCUMENT_ID, records.documents),
    }
    if resource_type in record_reads:
        pattern, read = record_reads[resource_type]
        number = _number(pattern, value)
        # an Observation is read with the other Observations of its response
        return next((found for found in read([number]) if found.resource["id"] == value), None) if number else None
    if resource_type == "Questionnaire":
        loaded = installed_questionnaire(records.registry, value)
        if loaded is None:
            return None
        return next(iter(records.questionnaire_versions([value], [loaded.version])))
    if resource_type == "CodeSystem":
        return records.code_system() if value == "tallyform" else None
    if resource_type == "OperationDefinition":
        found = records.operation_definition()
        return found if value == found.resource["id"] else None
    return None
