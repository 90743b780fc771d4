"""Load the demo clinic from seeds/. Idempotent: what exists already is left alone."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa
import yaml
from sqlalchemy.orm import Session

from app.instruments.registry import InstrumentRegistry
from app.models import Clinic, Packet, Screening, User
from app.services import clinics, packets, patients, screenings, staff
from app.services.clinic_settings import referral_thresholds
from app.services.urgency import worklist_priority, worklist_review


def load_demo_clinic(session: Session, registry: InstrumentRegistry, path: Path) -> Clinic:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    clinic = session.scalar(sa.select(Clinic).where(Clinic.slug == data["clinic"]["slug"]))
    if clinic is None:
        clinic = clinics.create_clinic(session, **data["clinic"])
    for person in data["staff"]:
        if not session.scalar(sa.select(User.id).where(User.email == person["email"])):
            staff.create_user(session, clinic, **person)
    # one list: the referral form offers the clinic's destinations, and the seeded referrals use them
    destinations = list(data["clinic"].get("referral_destinations") or [])
    if not clinic.referral_destinations and destinations:
        clinic.referral_destinations = destinations
        session.commit()
    for packet in data["packets"]:
        if not session.scalar(sa.select(Packet.id).where(Packet.clinic_id == clinic.id, Packet.name == packet["name"])):
            packets.save_packet(
                session, registry, clinic, packet["name"], packet["instruments"], packet.get("rescreen_weeks")
            )
    for record in data["patients"]:
        _load_patient(session, registry, clinic, record)
    if "generated_history" in data:
        spec = {"referral_destinations": clinic.referral_destinations, **data["generated_history"]}
        for record in generated_patients(registry, spec):
            _load_patient(session, registry, clinic, record)
    session.commit()  # the last patient's review; every screening before it was committed with its submit
    return clinic


def _load_patient(session: Session, registry: InstrumentRegistry, clinic: Clinic, record: dict) -> None:
    patient = patients.find_patient(session, clinic.id, record["mrn"])
    if patient is None:
        patient = patients.add_patient(
            session, clinic.id, mrn=record["mrn"], name=record["name"], date_of_birth=record["date_of_birth"]
        )
    if session.scalar(sa.select(Screening.id).where(Screening.patient_id == patient.id).limit(1)):
        return  # this patient's history was loaded before
    for past in record["screenings"]:
        at = past["at"] if isinstance(past["at"], datetime) else datetime.fromisoformat(past["at"])
        packet = session.scalar(sa.select(Packet).where(Packet.clinic_id == clinic.id, Packet.name == past["packet"]))
        screening = screenings.create_screening(
            session, patient, packet, created_by_id=None, created_at=at, registry=registry
        )
        if past.get("abandoned"):
            continue
        answers = {
            instrument_id: {
                item.id: value for item, value in zip(registry[instrument_id].definition.items, values, strict=True)
            }
            for instrument_id, values in past["answers"].items()
        }
        screenings.complete_screening(
            session,
            registry,
            screening,
            answers,
            clinician_inputs=past.get("clinician_inputs"),
            submitted_at=at,
            actor_kind="cli",
            queue_referral=False,
        )
        if past.get("review"):
            _load_review(session, registry, clinic, screening, past["review"])


def _load_review(
    session: Session, registry: InstrumentRegistry, clinic: Clinic, screening: Screening, review: dict
) -> None:
    """A past clinician's review, with its own past times: the live services stamp the
    present time, which would make a year of history look acknowledged today."""
    clinician = session.scalar(sa.select(User).where(User.clinic_id == clinic.id, User.role == "clinician"))
    thresholds = referral_thresholds(session, registry, clinic.id)
    row = worklist_review(session, screening)  # added when the screening reached the worklist
    row.status = review.get("status", "needs_review")
    if "acknowledged_minutes" in review:
        row.urgent_acknowledged_by_id = clinician.id
        row.urgent_acknowledged_at = screening.completed_at + timedelta(minutes=review["acknowledged_minutes"])
        with session.no_autoflush:  # the review is half-filled until the end of this function
            screening.worklist_priority = worklist_priority(screening, thresholds, is_acknowledged=True)
    if row.status != "needs_review":
        row.status_by_id, row.status_at = clinician.id, screening.completed_at + timedelta(hours=4)
    if review.get("destination"):
        row.referral_destination, row.referral_reason = review["destination"], "Ongoing symptoms at follow-up."
        row.referral_by_id, row.referral_at = clinician.id, screening.completed_at + timedelta(hours=3)
    session.add(row)
    session.flush()


def _answers(rng: random.Random, level: float, count: int, top: int = 3) -> list[int]:
    """Item values around `level` (0 = none, 1 = the most), each 0..top."""
    return [max(0, min(top, round(rng.gauss(level * top, 0.7)))) for _ in range(count)]


def generated_patients(registry: InstrumentRegistry, spec: dict) -> list[dict]:
    """Fictional patients with a year of screenings, the same on every call for one seed:
    each starts at a random severity and mostly improves over follow-ups 3-8 weeks apart."""
    rng = random.Random(spec["seed"])  # noqa: S311  # nosec B311 - reproducible demo data, not a secret
    first_day, last_day = spec["first_day"], spec["last_day"]
    destinations = spec.get("referral_destinations") or []
    records = []
    for index in range(spec["patients"]):
        given, family = rng.choice(spec["given_names"]), rng.choice(spec["family_names"])
        level, improvement = rng.uniform(0.15, 0.85), rng.choice([0.55, 0.7, 0.85, 1.0, 1.05])
        day = first_day + timedelta(days=rng.randrange((last_day - first_day).days - 60))
        sittings = []
        while day <= last_day and len(sittings) < 7:
            at = datetime.combine(day, time(14 + rng.randrange(5), rng.randrange(60)), UTC)
            packet = "New patient" if not sittings else "Follow-up"
            sitting: dict = {"at": at, "packet": packet}
            if rng.random() < 0.08:
                sitting["abandoned"] = True
            else:
                phq9 = _answers(rng, level, 9)
                phq9[8] = 1 if level > 0.6 and rng.random() < 0.25 else 0
                answers = {"phq9": [*phq9, min(3, round(level * 3))], "gad7": _answers(rng, level * 0.9, 7)}
                if packet == "New patient":
                    answers |= {
                        "pss10": _answers(rng, level, 10, 4),
                        "ace": [int(rng.random() < 0.2) for _ in range(10)],
                    }
                    sitting["clinician_inputs"] = {"ace": {"aahc": "no"}}
                sitting["answers"] = answers
                sitting["review"] = _generated_review(rng, phq9, destinations)
                level *= improvement
            sittings.append(sitting)
            day += timedelta(weeks=rng.randint(3, 8))
        records.append(
            {
                "mrn": str(spec["first_mrn"] + index),
                "name": f"{given} {family}",
                "date_of_birth": date(1950 + rng.randrange(55), rng.randint(1, 12), rng.randint(1, 28)),
                "screenings": sittings,
            }
        )
    return records


def _generated_review(rng: random.Random, phq9: list[int], destinations: list[str]) -> dict:
    review: dict = {"status": "reviewed"}
    if phq9[8]:
        review["acknowledged_minutes"] = rng.choice([4, 7, 12, 18, 25, 40, 65, 120])
    if sum(phq9) >= 15 and destinations and rng.random() < 0.7:
        review |= {"status": "referred", "destination": rng.choice(destinations)}
    elif rng.random() < 0.2:
        review["status"] = "needs_review"
    return review
