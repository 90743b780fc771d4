"""CSV exports of responses for quality improvement. Each export is audited when it starts;
its lines are then produced while the rows are read, never held whole in memory."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.exports.csv_rows import ResponseRow, csv_lines
from app.instruments.definition import Instrument
from app.instruments.labels import score_label
from app.instruments.registry import InstrumentRegistry
from app.instruments.scoring import score
from app.models import Clinic, ClinicianInput, Patient, Response, Screening
from app.reports.context import pinned_definitions
from app.services.audit import record_event
from app.services.interchange import PinnedDefinitions

#: rows fetched from the database at a time
BATCH_SIZE = 500


def export_item_ids(registry: InstrumentRegistry) -> list[str]:
    """One column per item id any installed instrument has, in the order first seen."""
    seen: dict[str, None] = {}
    for loaded in registry.values():
        for item in loaded.definition.items:
            seen.setdefault(item.id, None)
    return list(seen)


# Just the parts of the score a line shows, taken out by the database: decoding each row's
# whole score as JSON just to read them was a third of an export's time. Each part read out
# of the score parses it again, so the flags come as the JSON list they are (most often "[]",
# which needs no decoding), and the cut-off only for a row with a later clinician input, the
# only row scored again.
_BAND_LABEL = {
    "sqlite": "json_extract(response.score, '$.band_label')",
    "postgresql": "(response.score ->> 'band_label')",
}
_CUT_OFF = {
    "sqlite": "json_extract(response.score, '$.cut_off')",
    "postgresql": "(response.score ->> 'cut_off')::integer",
}
_FLAGS = {
    "sqlite": "json_extract(response.score, '$.flags')",
    "postgresql": "(response.score -> 'flags')::text",
}


# Dates as the file prints them, written by the database: parsing each row's timestamps and
# printing them again took a fifth of an export's time. SQLite holds a timestamp as UTC text,
# "2026-03-09 10:15:30.123456" (cut, not rounded, to the second as isoformat() cuts it);
# PostgreSQL prints it in UTC.
_ISO_SECONDS = {
    "sqlite": "substr({0}, 1, 10) || 'T' || substr({0}, 12, 8) || '+00:00'",
    "postgresql": """to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"')""",
}
_ISO_DATE = {"sqlite": "{0}", "postgresql": "to_char({0}, 'YYYY-MM-DD')"}


def _printed(template: dict[str, str], dialect: str, column: str, label: str):
    return sa.literal_column(template[dialect].format(column), sa.String).label(label)


def _responses_since(since: datetime, clinic_id: int | None, dialect: str):
    """One row per response with just the columns a CSV line needs (ResponseRow's fields, in
    its order, the flags as one string): a single Core query whose rows stream straight into
    lines, with no ORM object built per row."""
    query = (
        sa.select(
            Screening.clinic_id,
            Screening.id.label("screening_id"),
            Response.id.label("response_id"),
            Patient.mrn,
            Patient.name.label("patient_name"),
            _printed(_ISO_DATE, dialect, "patient.date_of_birth", "date_of_birth"),
            Screening.packet_name.label("packet"),
            Response.instrument_id.label("instrument"),
            Response.instrument_version,
            # as text, decoded here (see _json_from_text)
            sa.cast(Response.answers, sa.Text).label("answers"),
            Response.total,
            Response.band,
            Response.is_complete,
            sa.literal_column(_FLAGS[dialect], sa.String).label("flags"),
            _printed(_ISO_SECONDS, dialect, "screening.created_at", "screening_created_at"),
            _printed(_ISO_SECONDS, dialect, "response.submitted_at", "submitted_at"),
            sa.cast(Response.clinician_inputs, sa.Text).label("clinician_inputs"),
            sa.literal_column(_BAND_LABEL[dialect], sa.String).label("band_label"),
            sa.case(
                (_given_inputs().exists(), sa.literal_column(_CUT_OFF[dialect], sa.Integer)), else_=sa.null()
            ).label("cut_off"),
            _latest_given_input().label("given_input"),
        )
        .join(Screening, Screening.id == Response.screening_id)
        .join(Patient, Patient.id == Screening.patient_id)
        .where(Response.submitted_at >= since)
    )
    if clinic_id is not None:
        query = query.where(Screening.clinic_id == clinic_id)
    return query


def _given_inputs():
    return sa.select(ClinicianInput.value).where(ClinicianInput.response_id == Response.id)


def _latest_given_input():
    """The clinician input recorded after submission, latest first (a response's instrument
    takes one input at most): it settles a band that waited for it."""
    return (
        _given_inputs().order_by(ClinicianInput.recorded_at.desc(), ClinicianInput.id.desc()).limit(1).scalar_subquery()
    )


def _settled(definition: Instrument, row: ResponseRow, given: str | None, cut_off: int | None) -> ResponseRow:
    """The row with a clinician input given after submission and the band it settles, so the
    file shows what the clinician sees and each band is reproduced from the row's own
    answers and inputs (docs/csv-codebook.md)."""
    wanted = definition.scoring.clinician_input
    if given is None or wanted is None:
        return row
    inputs = {**row.clinician_inputs, wanted.key: given}
    result = score(definition, row.instrument_version, row.answers, inputs, cut_off).to_dict()
    label = score_label(definition, result)
    return row._replace(
        total=result["total"],
        band=result["band"],
        clinician_inputs=inputs,
        band_label=label.band_text,
        caveats=label.remarks,
    )


def count_responses(session: Session, since: datetime, clinic_id: int | None = None) -> int:
    query = _responses_since(since, clinic_id, session.get_bind().dialect.name)
    return session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))


_decode = json.JSONDecoder().raw_decode


def _json_from_text(text: str | None, empty):
    """JSON read as text and decoded here, not by the driver or SQLAlchemy: the common empty
    value ("{}": most rows carry no clinician input; "[]": most have no flag) needs no call,
    and the decoder is called directly (json.loads first sniffs the text's encoding and
    scans for white space, on every row)."""
    if not text or text == empty:
        return {} if empty == "{}" else ()
    try:
        return _decode(text)[0]
    except ValueError:  # white space before the value, written by hand
        return json.loads(text)


def response_rows(session: Session, since: datetime, clinic_id: int | None = None) -> Iterator[ResponseRow]:
    """Rows read in batches through a connection of their own, closed when the rows run out or
    the reader stops: a streamed download outlives the request that started it."""
    bind = session.get_bind()
    query = _responses_since(since, clinic_id, bind.dialect.name).order_by(Response.submitted_at, Response.id)
    # Each response is labelled under the version it was scored with: few versions and few
    # bands, so each (version, band) is labelled once, not once a row.
    definitions: dict[str, Instrument] = {}
    labels: dict[tuple[str, str | None], tuple[str | None, tuple[str, ...]]] = {}
    with bind.connect() as reader:
        result = reader.execution_options(yield_per=BATCH_SIZE).execute(query)
        # batch by batch: a row at a time through the result costs more than the row's own work
        for row in itertools.chain.from_iterable(result.partitions()):
            # the query's columns are ResponseRow's fields, then the band's label as scored
            *fields, flags, created_at, submitted_at, inputs, band, cut_off, given = row
            fields[9] = _json_from_text(fields[9], "{}")  # the answers
            version = fields[8]  # instrument_version
            label = labels.get((version, band))
            if label is None:
                if version not in definitions:
                    definitions |= pinned_definitions(session, {version})
                scored = score_label(definitions[version], {"band_label": band})
                label = labels[version, band] = (scored.band_text, scored.remarks)
            stored = ResponseRow(
                *fields,
                _json_from_text(flags, "[]") or (),
                created_at,
                submitted_at,
                _json_from_text(inputs, "{}") or {},
                *label,
            )
            # few rows have a later input: the others need no call to settle them
            yield stored if given is None else _settled(definitions[version], stored, given, cut_off)


def start_csv_export(
    session: Session,
    registry: InstrumentRegistry,
    *,
    since: datetime,
    deidentify: bool,
    secret_key: str,
    clinic_id: int | None,
    layout: str = "wide",
    actor_user_id: int | None = None,
    actor_kind: str = "user",
) -> Iterator[str]:
    """Record the export, then return its lines as a generator (for one clinic, or for every
    clinic when run by the operator on the command line)."""
    clinic_ids = [clinic_id] if clinic_id is not None else list(session.scalars(sa.select(Clinic.id)))
    for audited_clinic in clinic_ids:
        record_event(
            session,
            "responses.export_csv",
            clinic_id=audited_clinic,
            actor_user_id=actor_user_id,
            actor_kind=actor_kind,
            details={"since": since.isoformat(), "deidentified": deidentify, "layout": layout},
        )
    session.commit()
    return csv_lines(
        response_rows(session, since, clinic_id),
        export_item_ids(registry),
        deidentify=deidentify,
        secret_key=secret_key,
        layout=layout,
        definitions=PinnedDefinitions(session).get,
    )
