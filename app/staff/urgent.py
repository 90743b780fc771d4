"""Unacknowledged safety flags on every check-in and clinician page: named for the front
desk (no answer, no score), counted in the page title, and polled by static/js/urgent.js."""

from __future__ import annotations

from flask import g

from app.extensions import db
from app.services.urgency import unacknowledged_urgent


def urgent_alert_context() -> dict:
    """A blueprint context processor: the screenings whose flag nobody has acknowledged."""
    user = g.get("staff_user")
    if user is None:
        return {}
    return {"urgent_alerts": unacknowledged_urgent(db.session, user.clinic_id)}
