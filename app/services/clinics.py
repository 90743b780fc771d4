"""Clinics: created from the command line. Their packets are services/packets.py."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import Clinic
from app.services.audit import record_event
from app.services.errors import ServiceError


class ClinicError(ServiceError):
    """Bad input for a clinic operation, worded for the person who gave it."""


SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
PAPER_SIZES = ("Letter", "A4")


def timezone_problem(timezone: str) -> str | None:
    """Why this is not a time zone we can show times in; None when it is one."""
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return f"{timezone!r} is not a time zone name; use one such as America/Chicago."
    return None


def clinic_fields_problem(name: str, timezone: str, paper_size: str) -> str | None:
    """Why a clinic cannot have this name, time zone or paper size, in words for an admin;
    None when it can."""
    if not name.strip():
        return "Give the clinic's name as patients know it."
    if timezone_problem(timezone):
        return timezone_problem(timezone)
    if paper_size not in PAPER_SIZES:
        return "Paper size must be A4 or Letter."
    return None


def create_clinic(
    session: Session,
    *,
    slug: str,
    name: str,
    timezone: str = "UTC",
    address: str = "",
    paper_size: str = "Letter",
    referral_destinations: list[str] | None = None,
) -> Clinic:
    if not SLUG_PATTERN.match(slug):
        raise ClinicError("The short name may use lower-case letters, digits and hyphens (2–63 characters).")
    problem = clinic_fields_problem(name, timezone, paper_size)
    if problem:
        raise ClinicError(problem)
    if session.scalar(sa.select(Clinic.id).where(Clinic.slug == slug)):
        raise ClinicError(f"A clinic with the short name {slug!r} already exists.")
    clinic = Clinic(
        slug=slug,
        name=name.strip(),
        timezone=timezone,
        address=address,
        paper_size=paper_size,
        referral_destinations=list(referral_destinations or []),
    )
    session.add(clinic)
    session.flush()
    record_event(
        session, "clinic.create", clinic_id=clinic.id, actor_kind="cli", target_type="clinic", target_id=clinic.id
    )
    session.commit()
    return clinic
