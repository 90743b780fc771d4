"""A clinic's history in bulk, for the benchmarks: completed screenings with their PHQ-9 and
GAD-7 responses (scored by the real scorer), most of them reviewed, a few urgent. Core
inserts in batches: 100,000 screenings load in well under two minutes."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.instruments.registry import InstrumentRegistry
from app.instruments.scoring import score
from app.models import Clinic, Patient, Response, Screening, ScreeningReview
from app.services.clinics import create_clinic
from app.services.packets import save_packet
from app.services.clinic_settings import referral_thresholds
from app.services.screenings import pin_instrument_version
from app.services.urgency import PINNED, ROUTINE, recompute_clinic_priorities

BATCH = 5_000
INSTRUMENTS = ("phq9", "gad7")
PACKET = "Follow-up"
SCREENINGS_PER_PATIENT = 4


def _scored_patterns(session: Session, registry: InstrumentRegistry, count: int = 40) -> dict[str, list[dict]]:
    """`count` scored answer sets per instrument, reused across the history."""
    picker = random.Random(12)  # noqa: S311 - reproducible data, not secrets
    patterns: dict[str, list[dict]] = {}
    for instrument_id in INSTRUMENTS:
        loaded = registry[instrument_id]
        version = pin_instrument_version(session, loaded)
        definition = loaded.definition
        rows = []
        for _ in range(count):
            # Mostly low answers, as in a clinic's real history: few urgent, some over threshold.
            answers = {
                item.id: min(picker.choice(values), picker.choice(values))
                for item in definition.items
                for values in [[option.value for option in definition.options_for(item)]]
            }
            result = score(definition, version, answers)
            rows.append(
                {
                    "instrument_id": instrument_id,
                    "instrument_version": version,
                    "answers": answers,
                    "clinician_inputs": {},
                    "score": result.to_dict(),
                    "total": result.total,
                    "band": result.band,
                    "is_complete": result.is_complete,
                    "is_urgent": result.is_urgent,
                }
            )
        patterns[instrument_id] = rows
    session.commit()
    return patterns


def _new_ids(connection, table: str, count: int) -> list[int]:
    """Ids for rows inserted with plain executemany (no RETURNING): taken from the table's
    sequence on PostgreSQL, so later inserts carry on after them; after the last on SQLite."""
    if connection.dialect.name == "postgresql":
        return list(
            connection.scalars(
                sa.text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
                {"table": table, "n": count},
            )
        )
    start = connection.scalar(sa.select(sa.func.coalesce(sa.func.max(sa.column("id")), 0)).select_from(sa.table(table)))
    return list(range(start + 1, start + 1 + count))


def seed_clinic_history(
    session: Session, registry: InstrumentRegistry, slug: str, screenings: int, reviewer_id: int | None = None
) -> int:
    """A new clinic `slug` holding `screenings` completed screenings over the last two years;
    returns its id."""
    clinic = create_clinic(session, slug=slug, name=f"Bench clinic {slug}")
    packet = save_packet(session, registry, clinic, PACKET, list(INSTRUMENTS))
    patterns = _scored_patterns(session, registry)
    # Plain executemany (psycopg pipelines it): SQLAlchemy's multi-row VALUES statements cost
    # more to build and parse than the rows cost to store.
    engine = sa.create_engine(session.get_bind().url, use_insertmanyvalues=False)
    connection = engine.connect()
    now = datetime.now(UTC).replace(microsecond=0)
    step = timedelta(days=730) / max(screenings, 1)
    numbers = iter(range(screenings))
    while True:
        chunk = list(itertools.islice(numbers, BATCH))
        if not chunk:
            break
        patient_rows = [
            {
                "clinic_id": clinic.id,
                "mrn": f"{slug}-{n:07d}",
                "name": f"Bench Patient {n}",
                "date_of_birth": date(1950 + n % 50, 1 + n % 12, 1 + n % 28),
                "created_at": now,
            }
            for n in chunk[::SCREENINGS_PER_PATIENT]
        ]
        patient_ids = _new_ids(connection, "patient", len(patient_rows))
        for row, patient_id in zip(patient_rows, patient_ids, strict=True):
            row["id"] = patient_id
        connection.execute(sa.insert(Patient), patient_rows)
        screening_rows = []
        responses_for = []
        for offset, n in enumerate(chunk):
            taken = now - step * (screenings - n)
            chosen = {
                instrument_id: patterns[instrument_id][n % len(patterns[instrument_id])]
                for instrument_id in INSTRUMENTS
            }
            is_urgent = any(pattern["is_urgent"] for pattern in chosen.values())
            is_reviewed = n < screenings - 300 and reviewer_id is not None
            screening_rows.append(
                {
                    "clinic_id": clinic.id,
                    "patient_id": patient_ids[offset // SCREENINGS_PER_PATIENT],
                    "packet_id": packet.id,
                    "packet_name": PACKET,
                    "instrument_ids": list(INSTRUMENTS),
                    "status": "completed",
                    "is_urgent": is_urgent,
                    "urgent_at": taken if is_urgent else None,
                    # as the app keeps it: over-threshold rows are sorted once, after the load
                    "worklist_priority": PINNED if is_urgent and not is_reviewed else ROUTINE,
                    "created_at": taken,
                    "started_at": taken,
                    "completed_at": taken + timedelta(minutes=6),
                }
            )
            responses_for.append((chosen, taken + timedelta(minutes=6)))
        screening_ids = _new_ids(connection, "screening", len(screening_rows))
        for row, screening_id in zip(screening_rows, screening_ids, strict=True):
            row["id"] = screening_id
        connection.execute(sa.insert(Screening), screening_rows)
        connection.execute(
            sa.insert(Response),
            [
                {**pattern, "screening_id": screening_id, "submitted_at": submitted}
                for screening_id, (chosen, submitted) in zip(screening_ids, responses_for, strict=True)
                for pattern in chosen.values()
            ],
        )
        # Reviewed, except the newest few hundred: a clinic keeps up with its worklist. Every
        # listed screening has its review row, as the app keeps it.
        reviews = []
        for screening_id, row, n in zip(screening_ids, screening_rows, chunk, strict=True):
            is_reviewed = n < screenings - 300 and reviewer_id is not None
            acknowledged = is_reviewed and row["is_urgent"]
            reviews.append(
                {
                    "screening_id": screening_id,
                    "clinic_id": clinic.id,
                    "status": "reviewed" if is_reviewed else "needs_review",
                    "status_by_id": reviewer_id if is_reviewed else None,
                    "status_at": now if is_reviewed else None,
                    "urgent_acknowledged_by_id": reviewer_id if acknowledged else None,
                    "urgent_acknowledged_at": now if acknowledged else None,
                }
            )
        connection.execute(sa.insert(ScreeningReview), reviews)
        connection.commit()
    connection.close()
    engine.dispose()
    recompute_clinic_priorities(session, clinic.id, referral_thresholds(session, registry, clinic.id))
    session.commit()
    return clinic.id


def clinic_by_slug(session: Session, slug: str) -> Clinic:
    return session.scalar(sa.select(Clinic).where(Clinic.slug == slug))
