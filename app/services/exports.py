"""CSV exports of responses for quality improvement. Each export is audited when it starts;
its lines are then produced while the rows are read, never held whole in memory."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.exports.csv_rows import ResponseRow, csv_lines
from app.instruments.definition import Instrument
from app.instruments.labels import score_label
from app.instruments.registry import InstrumentRegistry
from app.models import Clinic, Patient, Response, Screening
from app.reports.context import pinned_definitions
from app.services.audit import record_event

#: rows fetched from the database at a time
BATCH_SIZE = 500


def export_item_ids(registry: InstrumentRegistry) -> list[str]:
    """One column per item id any installed instrument has, in the order first seen."""
    seen: dict[str, None] = {}
    for loaded in registry.values():
        for item in loaded.definition.items:
            seen.setdefault(item.id, None)
    return list(seen)


def _responses_since(since: datetime, clinic_id: int | None):
    query = (
        sa.select(Response, Screening, Patient)
        .join(Screening, Screening.id == Response.screening_id)
        .join(Patient, Patient.id == Screening.patient_id)
        .where(Response.submitted_at >= since)
    )
    if clinic_id is not None:
        query = query.where(Screening.clinic_id == clinic_id)
    return query


def count_responses(session: Session, since: datetime, clinic_id: int | None = None) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(_responses_since(since, clinic_id).subquery()))


def response_rows(session: Session, since: datetime, clinic_id: int | None = None) -> Iterator[ResponseRow]:
    """Rows read in batches through a session of their own, closed when the rows run out or
    the reader stops: a streamed download outlives the request that started it."""
    query = _responses_since(since, clinic_id).order_by(Response.submitted_at, Response.id)
    with Session(session.get_bind()) as reader:
        yield from _rows(reader, reader.execute(query.execution_options(yield_per=BATCH_SIZE)))


def _rows(reader: Session, result) -> Iterator[ResponseRow]:
    # each response is labelled under the version it was scored with; there are few versions
    definitions: dict[str, Instrument] = {}
    for response, screening, patient in result:
        if response.instrument_version not in definitions:
            definitions |= pinned_definitions(reader, {response.instrument_version})
        label = score_label(definitions[response.instrument_version], response.score)
        yield ResponseRow(
            clinic_id=screening.clinic_id,
            screening_id=screening.id,
            response_id=response.id,
            mrn=patient.mrn,
            patient_name=patient.name,
            date_of_birth=patient.date_of_birth,
            packet=screening.packet_name,
            instrument=response.instrument_id,
            instrument_version=response.instrument_version,
            answers=response.answers,
            total=response.total,
            band=response.band,
            band_label=label.band_text,
            caveats=label.remarks,
            is_complete=response.is_complete,
            flags=response.score.get("flags", []),
            screening_created_at=screening.created_at,
            submitted_at=response.submitted_at,
        )


def start_csv_export(
    session: Session,
    registry: InstrumentRegistry,
    *,
    since: datetime,
    deidentify: bool,
    secret_key: str,
    clinic_id: int | None,
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
            details={"since": since.isoformat(), "deidentified": deidentify},
        )
    session.commit()
    return csv_lines(
        response_rows(session, since, clinic_id),
        export_item_ids(registry),
        deidentify=deidentify,
        secret_key=secret_key,
    )
