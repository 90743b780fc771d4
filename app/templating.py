"""Template filters and globals shared by every page."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask

from app.db import utcnow
from app.extensions import instruments
from app.instruments.labels import ScoreLabel, score_label
from app.services.sections import section


def clinic_time(value: datetime | None, clinic, fmt: str = "%d %b %Y, %H:%M") -> str:
    """A stored UTC time shown in the clinic's own time zone."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(clinic.timezone)).strftime(fmt)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def elapsed(delta: timedelta) -> str:
    """A span of time as a clinician says it: "less than a minute", "7 minutes", "1 hour 5
    minutes", "2 days" (static/js/urgent.js words it the same way as it ages)."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "less than a minute"
    if minutes < 60:
        return _plural(minutes, "minute")
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return _plural(hours, "hour") + (f" {_plural(minutes, 'minute')}" if minutes else "")
    return _plural(hours // 24, "day")


def since(value: datetime) -> str:
    return f"{elapsed(utcnow() - value)} ago"


def instrument_title(instrument_id: str) -> str:
    return section(instrument_id).title(instruments())


def response_label(response, score: dict | None = None) -> ScoreLabel | None:
    """The labels of a stored response in a list (the worklist), of its stored score or of
    `score` (the stored one with a later clinician input applied). The installed definition of
    its instrument decides: which bands are conventions and which caveats apply does not
    change between wording versions, and a list must not load each pinned version."""
    registry = instruments()
    if response.instrument_id not in registry:
        return None
    return score_label(registry[response.instrument_id].definition, score or response.score)


def init_app(app: Flask) -> None:
    app.add_template_filter(clinic_time, "clinic_time")
    app.add_template_filter(elapsed, "elapsed")
    app.add_template_filter(since, "since")
    app.add_template_global(instrument_title, "instrument_title")
    app.add_template_global(response_label, "response_label")
