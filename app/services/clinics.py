"""Clinics and their packets."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.instruments.registry import InstrumentRegistry
from app.models import Clinic, Packet, PacketEntry
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
    if not name.strip():
        raise ClinicError("Give the clinic's name as patients know it.")
    if timezone_problem(timezone):
        raise ClinicError(timezone_problem(timezone))
    if paper_size not in PAPER_SIZES:
        raise ClinicError("Paper size must be A4 or Letter.")
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


def save_packet(
    session: Session,
    registry: InstrumentRegistry,
    clinic: Clinic,
    name: str,
    instrument_ids: list[str],
    rescreen_weeks: dict[str, int] | None = None,
) -> Packet:
    """Create the named packet, or set its instruments, their order and any re-screening
    intervals (instrument id -> weeks)."""
    unknown = [instrument_id for instrument_id in instrument_ids if instrument_id not in registry]
    if unknown:
        raise ClinicError(f"No installed instrument is called {', '.join(unknown)}.")
    if not instrument_ids or len(set(instrument_ids)) != len(instrument_ids):
        raise ClinicError("A packet needs at least one instrument, each listed once.")
    packet = session.scalar(sa.select(Packet).where(Packet.clinic_id == clinic.id, Packet.name == name))
    if packet is None:
        packet = Packet(clinic_id=clinic.id, name=name)
        session.add(packet)
    # The old entries go first: positions and instruments are unique within a packet, and
    # the database checks that row by row, so replacing them in one flush would collide.
    packet.entries.clear()
    session.flush()
    weeks = rescreen_weeks or {}
    packet.entries = [
        PacketEntry(position=i, instrument_id=iid, rescreen_weeks=weeks.get(iid))
        for i, iid in enumerate(instrument_ids)
    ]
    session.flush()
    record_event(
        session, "packet.save", clinic_id=clinic.id, actor_kind="cli", target_type="packet", target_id=packet.id
    )
    session.commit()
    return packet
