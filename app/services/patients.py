"""Patients, always within one clinic."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import Patient
from app.services.audit import record_event
from app.services.errors import ServiceError


class PatientError(ServiceError):
    """Bad input for a patient, worded for the person who gave it."""


def add_patient(
    session: Session, clinic_id: int, *, mrn: str, name: str, date_of_birth: date, actor_user_id: int | None = None
) -> Patient:
    mrn, name = mrn.strip(), name.strip()
    if not mrn or not name:
        raise PatientError("Give the patient's medical record number and name.")
    if date_of_birth > utcnow().date():
        raise PatientError("The date of birth is in the future; check the year.")
    if find_patient(session, clinic_id, mrn) is not None:
        raise PatientError(f"A patient with MRN {mrn} is already registered at this clinic.")
    patient = Patient(clinic_id=clinic_id, mrn=mrn, name=name, date_of_birth=date_of_birth)
    session.add(patient)
    session.flush()
    record_event(
        session,
        "patient.create",
        clinic_id=clinic_id,
        actor_user_id=actor_user_id,
        actor_kind="user" if actor_user_id else "cli",
        target_type="patient",
        target_id=patient.id,
    )
    session.commit()
    return patient


def find_patient(session: Session, clinic_id: int, mrn: str) -> Patient | None:
    return session.scalar(sa.select(Patient).where(Patient.clinic_id == clinic_id, Patient.mrn == mrn.strip()))


def get_patient(session: Session, clinic_id: int, patient_id: int) -> Patient | None:
    """The patient, only if they belong to this clinic."""
    return session.scalar(sa.select(Patient).where(Patient.id == patient_id, Patient.clinic_id == clinic_id))


def search_patients(session: Session, clinic_id: int, query: str, *, limit: int = 25) -> list[Patient]:
    """Patients of this clinic whose MRN is the query or whose name contains it."""
    query = query.strip()
    if not query:
        return []
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return list(
        session.scalars(
            sa.select(Patient)
            .where(
                Patient.clinic_id == clinic_id, sa.or_(Patient.mrn == query, Patient.name.ilike(pattern, escape="\\"))
            )
            .order_by(Patient.name)
            .limit(limit)
        )
    )
