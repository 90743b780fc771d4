"""The change in each total since the patient's previous screening, for a page of the worklist."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.instruments.registry import InstrumentRegistry
from app.models import Response, Screening
from app.reports.context import change_between


def changes_since_last_screening(
    session: Session, registry: InstrumentRegistry, screenings: list[Screening]
) -> dict[int, dict[str, dict]]:
    """screening id -> instrument id -> the change since the patient's previous complete
    total of that instrument (as the history shows it), in one query for the whole page.
    The previous total is read with LAG over the page's patients' complete responses."""
    if not screenings:
        return {}
    patient_ids = {screening.patient_id for screening in screenings}
    clinic_ids = {screening.clinic_id for screening in screenings}
    partition = (Screening.patient_id, Response.instrument_id)
    ordered = (
        sa.select(
            Response.screening_id,
            Response.instrument_id,
            Response.total,
            sa.func.lag(Response.total)
            .over(partition_by=partition, order_by=(Screening.completed_at, Response.id))
            .label("previous"),
        )
        .join(Screening, Screening.id == Response.screening_id)
        .where(Screening.patient_id.in_(patient_ids), Screening.clinic_id.in_(clinic_ids))
        .where(Screening.status == "completed", Response.total.is_not(None))
        .subquery()
    )
    rows = session.execute(
        sa.select(ordered).where(
            ordered.c.screening_id.in_([screening.id for screening in screenings]), ordered.c.previous.is_not(None)
        )
    ).all()
    changes: dict[int, dict[str, dict]] = {}
    for screening_id, instrument_id, total, previous in rows:
        if instrument_id in registry and registry[instrument_id].definition.scoring.is_trended:
            # today's definition: the worklist marks change as the clinic reads it now
            change = change_between(registry[instrument_id].definition, previous, total)
            changes.setdefault(screening_id, {})[instrument_id] = change
    return changes
