"""A screening as the JSON API shows it."""

from __future__ import annotations

from datetime import datetime

from flask import url_for

from app.models import Screening


def _time(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


def screening_json(screening: Screening) -> dict:
    patient = screening.patient
    return {
        "id": screening.id,
        "status": screening.status,
        "packet": screening.packet_name,
        "is_urgent": screening.is_urgent,
        "created_at": _time(screening.created_at),
        "completed_at": _time(screening.completed_at),
        "patient": {"mrn": patient.mrn, "name": patient.name, "date_of_birth": patient.date_of_birth.isoformat()},
        "responses": [
            {
                "instrument": response.instrument_id,
                "instrument_version": response.instrument_version,
                "submitted_at": _time(response.submitted_at),
                "is_complete": response.is_complete,
                "answers": response.answers,
                "total": response.total,
                "band": response.band,
                "band_label": response.score.get("band_label"),
                "flags": [{"key": key, "label": response.score["flag_labels"][key]} for key in response.score["flags"]],
            }
            for response in screening.responses
        ],
        "fhir": url_for("api.screening_bundle", screening_id=screening.id),
    }
