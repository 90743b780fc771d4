"""Template filters and globals shared by every page."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask

from app.extensions import instruments
from app.instruments.labels import ScoreLabel, score_label
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


def response_label(response) -> ScoreLabel | None:
    """The labels of a stored response in a list (the worklist). The installed definition of
    its instrument decides: which bands are conventions and which caveats apply does not
    change between wording versions, and a list must not load each pinned version."""
    registry = instruments()
    if response.instrument_id not in registry:
        return None
    return score_label(registry[response.instrument_id].definition, response.score)


def init_app(app: Flask) -> None:
    app.add_template_filter(clinic_time, "clinic_time")
    app.add_template_global(instrument_title, "instrument_title")
    app.add_template_global(response_label, "response_label")
