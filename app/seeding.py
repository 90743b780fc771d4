"""Load the demo clinic from seeds/. Idempotent: what exists already is left alone."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
import yaml
from sqlalchemy.orm import Session

from app.instruments.registry import InstrumentRegistry
from app.models import Clinic, Packet, Screening, User
from app.services import clinics, patients, screenings, staff


def load_demo_clinic(session: Session, registry: InstrumentRegistry, path: Path) -> Clinic:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    clinic = session.scalar(sa.select(Clinic).where(Clinic.slug == data["clinic"]["slug"]))
    if clinic is None:
        clinic = clinics.create_clinic(session, **data["clinic"])
    for person in data["staff"]:
        if not session.scalar(sa.select(User.id).where(User.email == person["email"])):
            staff.create_user(session, clinic, **person)
    for packet in data["packets"]:
        if not session.scalar(sa.select(Packet.id).where(Packet.clinic_id == clinic.id, Packet.name == packet["name"])):
            clinics.save_packet(session, registry, clinic, packet["name"], packet["instruments"])
    for record in data["patients"]:
        _load_patient(session, registry, clinic, record)
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
