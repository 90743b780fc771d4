"""Template filters and globals shared by every page."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask

from app.extensions import instruments
from app.services.clinic_answers import CLINIC_QUESTIONS_ID, CLINIC_QUESTIONS_TITLE


def clinic_time(value: datetime | None, clinic, fmt: str = "%d %b %Y, %H:%M") -> str:
    """A stored UTC time shown in the clinic's own time zone."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(clinic.timezone)).strftime(fmt)


def instrument_title(instrument_id: str) -> str:
    if instrument_id == CLINIC_QUESTIONS_ID:
        return CLINIC_QUESTIONS_TITLE
    registry = instruments()
    return registry[instrument_id].definition.short_title if instrument_id in registry else instrument_id


def init_app(app: Flask) -> None:
    app.add_template_filter(clinic_time, "clinic_time")
    app.add_template_global(instrument_title, "instrument_title")
