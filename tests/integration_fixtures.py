"""Fixtures for the FHIR, API and export tests: tokens, a second clinic, incomplete and
flagged screenings, all made through the real services."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from fhir.resources.R4B import get_fhir_model_class

from app.models import Clinic, Packet, Patient, Screening, User
from app.services import api_tokens, clinics, packets, patients, screenings


def parse_fhir(resource: dict):
    """The resource read by the fhir.resources R4B model of its type (raises if invalid)."""
    return get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def make_token(session, clinic_id: int, name: str = "EHR interface") -> str:
    creator = session.scalar(sa.select(User).where(User.clinic_id == clinic_id))
    _, secret = api_tokens.create_api_token(session, clinic_id, name, created_by_id=creator.id if creator else None)
    return secret


def complete_new_screening(session, registry, patient: Patient, packet: Packet, answers: dict, **kwargs) -> Screening:
    screening = screenings.create_screening(session, patient, packet, created_by_id=None)
    screenings.complete_screening(session, registry, screening, answers, actor_kind="cli", **kwargs)
    return screening


def complete_follow_up(session, registry, patient: Patient, phq9: list, gad7: list, **kwargs) -> Screening:
    """A completed "Follow-up" packet (PHQ-9 with item 10, GAD-7) of the patient's clinic."""
    packet = session.scalar(sa.select(Packet).where(Packet.clinic_id == patient.clinic_id, Packet.name == "Follow-up"))
    answers = {"phq9": by_position(registry, "phq9", phq9), "gad7": by_position(registry, "gad7", gad7)}
    return complete_new_screening(session, registry, patient, packet, answers, **kwargs)


def by_position(registry, instrument_id: str, values: list) -> dict:
    """Answers given in published item order (None = unanswered), keyed by item id."""
    return dict(zip((item.id for item in registry[instrument_id].definition.items), values, strict=False))


@pytest.fixture
def token(app, demo, session) -> str:
    return make_token(session, demo)


@pytest.fixture
def demo_patient(demo, session) -> Patient:
    return session.scalar(sa.select(Patient).where(Patient.clinic_id == demo, Patient.mrn == "100234"))


@pytest.fixture
def new_patient_packet(demo, session) -> Packet:
    return session.scalar(sa.select(Packet).where(Packet.clinic_id == demo, Packet.name == "New patient"))


@pytest.fixture
def incomplete_screening(registry, session, demo_patient, new_patient_packet) -> Screening:
    """Every instrument answered in part; PHQ-9 item 9 endorsed, so the safety flag is raised
    although the PHQ-9 has no total."""
    return complete_new_screening(
        session,
        registry,
        demo_patient,
        new_patient_packet,
        {
            "phq9": by_position(registry, "phq9", [1, 1, None, 1, 0, 0, 0, 0, 2]),
            "gad7": by_position(registry, "gad7", [1, 1, 1]),
            "pss10": by_position(registry, "pss10", [2, 2]),
            "aceaware": by_position(registry, "aceaware", [1, 0, 1]),
        },
    )


@pytest.fixture
def other_clinic(app, registry, session, demo) -> dict:
    """A second clinic whose patient has the same MRN as a demo patient, with one screening."""
    clinic = clinics.create_clinic(session, slug="hillside", name="Hillside Family Practice")
    patient = patients.add_patient(
        session, clinic.id, mrn="100234", name="Robin Hillside", date_of_birth=date(1980, 1, 2)
    )
    packets.save_packet(session, registry, clinic, "Follow-up", ["phq9", "gad7"])
    screening = complete_follow_up(
        session, registry, patient, [0] * 10, [0] * 7, submitted_at=datetime(2026, 11, 20, 12, tzinfo=UTC)
    )
    return {"clinic_id": clinic.id, "screening_id": screening.id, "token": make_token(session, clinic.id)}


def completed_screenings(session, clinic_id: int) -> list[Screening]:
    return list(
        session.scalars(
            sa.select(Screening)
            .where(Screening.clinic_id == clinic_id, Screening.status == "completed")
            .order_by(Screening.id)
        )
    )


def clinic_slug(session, clinic_id: int) -> str:
    return session.get(Clinic, clinic_id).slug
