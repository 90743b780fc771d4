"""CSV exports of responses for quality improvement. Each export is audited when it starts;
its lines are then produced while the rows are read, never held whole in memory."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import datetime
from typing import NamedTuple

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


# Just the parts of the score a line shows, taken out by the database as one JSON list, for
# one call parses the score once: decoding each row's whole score as JSON just to read them
# was a third of an export's time, and each part taken out on its own parsed it again. Few rows
# differ in these parts, so each distinct list is decoded (and its band labelled) once.
_SCORED_PARTS = {
    "sqlite": "json_extract(response.score, '$.flags', '$.band_label', '$.cut_off')",
    "postgresql": (
        "json_build_array(response.score -> 'flags', response.score -> 'band_label', response.score -> 'cut_off')::text"
    ),
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
    its order, up to is_complete; then the dates, the inputs, the score's parts and a later
    input): a single Core query whose rows stream straight into lines, with no ORM object
    built per row."""
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
            # as text, decoded here (see _object_from_text)
            sa.cast(Response.answers, sa.Text).label("answers"),
            Response.total,
            Response.band,
            Response.is_complete,
            _printed(_ISO_SECONDS, dialect, "screening.created_at", "screening_created_at"),
            _printed(_ISO_SECONDS, dialect, "response.submitted_at", "submitted_at"),
            sa.cast(Response.clinician_inputs, sa.Text).label("clinician_inputs"),
            sa.literal_column(_SCORED_PARTS[dialect], sa.String).label("scored_parts"),
            _latest_given_input().label("given_input"),
        )
        .join(Screening, Screening.id == Response.screening_id)
        .join(Patient, Patient.id == Screening.patient_id)
        .where(Response.submitted_at >= since)
    )
    if clinic_id is not None:
        query = query.where(Screening.clinic_id == clinic_id)
    return query


def _latest_given_input():
    """The clinician input recorded after submission, latest first (a response's instrument
    takes one input at most): it settles a band that waited for it."""
    return (
        sa.select(ClinicianInput.value)
        .where(ClinicianInput.response_id == Response.id)
        .order_by(ClinicianInput.recorded_at.desc(), ClinicianInput.id.desc())
        .limit(1)
        .scalar_subquery()
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


def _object_from_text(text: str | None) -> dict:
    """A JSON object read as text and decoded here, not by the driver or SQLAlchemy: the common
    empty one ("{}": most rows carry no clinician input) needs no call, and the decoder is
    called directly (json.loads first sniffs the text's encoding and scans for white space, on
    every row)."""
    if not text or text == "{}":
        return {}
    try:
        return _decode(text)[0]
    except ValueError:  # white space before the value, written by hand
        return json.loads(text)


class ScoredParts(NamedTuple):
    """The parts of a stored score a line shows, as the line shows them."""

    flags: tuple[str, ...]
    band_label: str | None  # as printed, e.g. "Moderate (not validated)"
    caveats: tuple[str, ...]
    cut_off: int | None  # the clinic's cut-off it was scored with, should the row be scored again


def _scored_parts(definition: Instrument, parts: str | None) -> ScoredParts:
    """The score's parts (the JSON list [flags, band_label, cut_off]) labelled under the
    definition the response was scored with."""
    flags, band_label, cut_off = json.loads(parts) if parts else ([], None, None)
    label = score_label(definition, {"band_label": band_label})
    return ScoredParts(tuple(flags or ()), label.band_text, label.remarks, cut_off)


_new_row = tuple.__new__  # a ResponseRow from a tuple of its fields, with no call of its __new__ per row


def response_rows(session: Session, since: datetime, clinic_id: int | None = None) -> Iterator[ResponseRow]:
    """Rows read in batches through a connection of their own, closed when the rows run out or
    the reader stops: a streamed download outlives the request that started it."""
    bind = session.get_bind()
    query = _responses_since(since, clinic_id, bind.dialect.name).order_by(Response.submitted_at, Response.id)
    # Each response is labelled under the version it was scored with: few versions and few
    # distinct scores' parts, so each (version, parts) is decoded and labelled once, not once a row.
    definitions: dict[str, Instrument] = {}
    scored: dict[tuple[str, str | None], ScoredParts] = {}
    with bind.connect() as reader:
        result = reader.execution_options(yield_per=BATCH_SIZE).execute(query)
        # batch by batch: a row at a time through the result costs more than the row's own work
        for row in itertools.chain.from_iterable(result.partitions()):
            # the query's columns: ResponseRow's fields up to is_complete, then the rest
            *head, version, answers, total, band, complete, created_at, submitted_at, inputs, parts, given = row
            shown = scored.get((version, parts))
            if shown is None:
                if version not in definitions:
                    definitions |= pinned_definitions(session, {version})
                shown = scored[version, parts] = _scored_parts(definitions[version], parts)
            stored = _new_row(
                ResponseRow,
                (
                    *head,  # clinic_id … instrument
                    version,
                    _object_from_text(answers),
                    total,
                    band,
                    complete,
                    shown.flags,
                    created_at,
                    submitted_at,
                    _object_from_text(inputs) or {},
                    shown.band_label,
                    shown.caveats,
                ),
            )
            # few rows have a later input: the others need no call to settle them
            yield stored if given is None else _settled(definitions[version], stored, given, shown.cut_off)


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
