"""The plain data a screening's FHIR resources are built from (a service fills them in)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from app.instruments.definition import Instrument


@dataclass(frozen=True)
class PatientRecord:
    id: int
    mrn: str
    mrn_system: str
    name: str
    date_of_birth: date


@dataclass(frozen=True)
class ResponseRecord:
    id: int
    #: the definition the patient saw (the pinned instrument version), not today's file
    instrument: Instrument
    version: str
    answers: dict[str, int]
    clinician_inputs: dict[str, str]
    #: the score as stored at submission (Score.to_dict)
    score: dict
    submitted_at: datetime
    #: the language answered in, and the translated wording seen where it was not English
    language: str = "en"
    seen: Instrument | None = None
    seen_version: str | None = None


@dataclass(frozen=True)
class ScreeningRecord:
    id: int
    status: str
    created_at: datetime
    completed_at: datetime | None
    patient: PatientRecord
    responses: tuple[ResponseRecord, ...]
