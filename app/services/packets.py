"""A clinic's packets as its admin edits them: named, ordered sets of enabled instruments.

A packet is never deleted, only deactivated: screenings keep their own copy of its name
and instrument list, so editing a packet never changes what a past screening was.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.instruments.registry import InstrumentRegistry
from app.models import Clinic, Packet, PacketEntry, User
from app.services.audit import record_event, record_staff_event
from app.services.clinic_settings import enabled_instrument_ids, referral_thresholds
from app.services.clinics import ClinicError
from app.services.follow_ups import valid_follow_ups
from app.services.ordering import moved
from app.services.sections import UNSCORED_IDS
from app.services.sections import instrument_ids as instruments_among
from app.services.patient_totals import reschedule

MAX_NAME = 120


def list_packets(session: Session, clinic_id: int) -> list[Packet]:
    return list(
        session.scalars(
            sa.select(Packet).where(Packet.clinic_id == clinic_id).order_by(Packet.is_active.desc(), Packet.name)
        )
    )


def get_packet(session: Session, clinic_id: int, packet_id: int) -> Packet | None:
    """The clinic's packet, or None (another clinic's packet is not found)."""
    return session.scalar(sa.select(Packet).where(Packet.id == packet_id, Packet.clinic_id == clinic_id))


def _checked_name(session: Session, clinic_id: int, name: str, packet_id: int | None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ClinicError("Give the packet a name staff will recognise, such as “New patient”.")
    if len(name) > MAX_NAME:
        raise ClinicError(f"Keep the packet's name under {MAX_NAME} characters.")
    taken = session.scalar(
        sa.select(Packet.id).where(Packet.clinic_id == clinic_id, Packet.name == name, Packet.id != (packet_id or 0))
    )
    if taken:
        raise ClinicError(f"This clinic already has a packet called “{name}”; choose another name.")
    return name


def _set_instruments(
    session: Session,
    registry: InstrumentRegistry,
    packet: Packet,
    instrument_ids: list[str],
    rescreen_weeks: dict[str, int] | None = None,
) -> None:
    """The one place a packet's entries are written. `rescreen_weeks` (instrument id -> weeks)
    sets intervals; an entry not named there keeps its own when the packet is reordered."""
    unknown = [iid for iid in instrument_ids if iid not in registry and iid not in UNSCORED_IDS]
    if unknown:
        raise ClinicError(f"No installed instrument is called {', '.join(unknown)}.")
    if not instruments_among(instrument_ids):
        raise ClinicError("A packet needs at least one instrument.")
    if len(set(instrument_ids)) != len(instrument_ids):
        raise ClinicError("Each instrument can be in a packet only once.")
    enabled = enabled_instrument_ids(session, registry, packet.clinic_id)
    # The clinic's own questions are a packet entry too, though not an instrument.
    refused = [iid for iid in instruments_among(instrument_ids) if iid not in enabled]
    if refused:
        raise ClinicError(f"Enable {', '.join(refused)} for the clinic before adding it to a packet.")
    before = {entry.instrument_id: entry.rescreen_weeks for entry in packet.entries}
    weeks = before | (rescreen_weeks or {})
    if instrument_ids == packet.instrument_ids and all(
        entry.rescreen_weeks == weeks.get(entry.instrument_id) for entry in packet.entries
    ):
        return
    # Old rows go first: positions and instruments are unique within a packet, and a
    # database checks that row by row.
    packet.entries.clear()
    session.flush()
    packet.entries.extend(
        PacketEntry(position=i, instrument_id=iid, rescreen_weeks=weeks.get(iid))
        for i, iid in enumerate(instrument_ids)
    )
    packet.follow_ups = valid_follow_ups(packet, packet.follow_ups or {})
    session.flush()
    # Due dates move with the interval; an instrument taken out of the packet takes its
    # interval with it.
    after = {iid: weeks.get(iid) if iid in instrument_ids else None for iid in before}
    reschedule(session, packet.id, {iid: new for iid, new in after.items() if new != before[iid]})


def _audit(session: Session, actor: User | None, packet: Packet, change: str) -> None:
    """`actor` None: the command line or a seed file."""
    record_event(
        session,
        "packet.save",
        clinic_id=packet.clinic_id,
        actor_user_id=actor.id if actor else None,
        actor_kind="user" if actor else "cli",
        target_type="packet",
        target_id=packet.id,
        details={
            "change": change,
            "instruments": packet.instrument_ids,
            "active": packet.is_active,
            "follow_ups": packet.follow_ups or {},
        },
    )


def create_packet(
    session: Session, registry: InstrumentRegistry, actor: User, name: str, instrument_ids: list[str]
) -> Packet:
    packet = Packet(clinic_id=actor.clinic_id, name=_checked_name(session, actor.clinic_id, name, None))
    session.add(packet)
    session.flush()
    _set_instruments(session, registry, packet, instrument_ids)
    _audit(session, actor, packet, "create")
    session.commit()
    return packet


def save_packet(
    session: Session,
    registry: InstrumentRegistry,
    clinic: Clinic,
    name: str,
    instrument_ids: list[str],
    rescreen_weeks: dict[str, int] | None = None,
) -> Packet:
    """From the command line or a seed file: create the named packet, or set its instruments,
    their order and any re-screening intervals (instrument id -> weeks)."""
    packet = session.scalar(sa.select(Packet).where(Packet.clinic_id == clinic.id, Packet.name == name))
    change = "set"
    if packet is None:
        packet, change = Packet(clinic_id=clinic.id, name=name), "create"
        session.add(packet)
        session.flush()
    _set_instruments(session, registry, packet, instrument_ids, rescreen_weeks)
    _audit(session, None, packet, change)
    session.commit()
    return packet


def rename_packet(session: Session, actor: User, packet: Packet, name: str) -> None:
    packet.name = _checked_name(session, actor.clinic_id, name, packet.id)
    _audit(session, actor, packet, "rename")
    session.commit()


def add_to_packet(session: Session, registry: InstrumentRegistry, actor: User, packet: Packet, instrument_id: str):
    _set_instruments(session, registry, packet, [*packet.instrument_ids, instrument_id])
    _audit(session, actor, packet, "add")
    session.commit()


def remove_from_packet(session: Session, registry: InstrumentRegistry, actor: User, packet: Packet, instrument_id: str):
    if instrument_id not in packet.instrument_ids:
        raise ClinicError("That instrument is not in this packet.")
    ids = [iid for iid in packet.instrument_ids if iid != instrument_id]
    if not ids:
        raise ClinicError("A packet needs at least one instrument; deactivate the packet instead.")
    _set_instruments(session, registry, packet, ids)
    _audit(session, actor, packet, "remove")
    session.commit()


def move_in_packet(
    session: Session, registry: InstrumentRegistry, actor: User, packet: Packet, instrument_id: str, step: int
) -> None:
    """Move an instrument one place earlier (step -1) or later (+1); the order is the
    order a patient meets the instruments on the tablet."""
    ids = packet.instrument_ids
    if instrument_id not in ids:
        raise ClinicError("That instrument is not in this packet.")
    ids = moved(ids, ids.index(instrument_id), step)
    if ids is None:
        return
    _set_instruments(session, registry, packet, ids)
    _audit(session, actor, packet, "reorder")
    session.commit()


def set_packet_active(
    session: Session, registry: InstrumentRegistry, actor: User, packet: Packet, is_active: bool
) -> None:
    if packet.is_active == is_active:
        return
    if is_active:
        _set_instruments(session, registry, packet, packet.instrument_ids)
    packet.is_active = is_active
    _audit(session, actor, packet, "activate" if is_active else "deactivate")
    session.commit()


MAX_RESCREEN_WEEKS = 104


def set_rescreen_interval(session: Session, actor: User, packet: Packet, instrument_id: str, weeks: int | None) -> None:
    """Offer the instrument again `weeks` after a total at or over the clinic's referral
    threshold (None: no reminder). The clinic dashboard lists who is due."""
    entry = next((entry for entry in packet.entries if entry.instrument_id == instrument_id), None)
    if entry is None:
        raise ClinicError("That instrument is not in this packet.")
    if weeks is not None and not 1 <= weeks <= MAX_RESCREEN_WEEKS:
        raise ClinicError(f"Give a whole number of weeks from 1 to {MAX_RESCREEN_WEEKS}, or leave it empty for none.")
    if entry.rescreen_weeks == weeks:
        return
    old, entry.rescreen_weeks = entry.rescreen_weeks, weeks
    session.flush()
    reschedule(session, packet.id, {instrument_id: weeks})
    record_staff_event(
        session,
        "packet.rescreen_interval",
        actor,
        "packet",
        packet.id,
        {"instrument": instrument_id, "old": old, "new": weeks},
    )
    session.commit()


def screener_choices(session: Session, registry: InstrumentRegistry, packet: Packet, instrument_id: str) -> list[str]:
    """The instruments before `instrument_id` in the packet that have a threshold to reach."""
    thresholds = referral_thresholds(session, registry, packet.clinic_id)
    order = [iid for iid in packet.instrument_ids if iid in registry]
    if instrument_id not in order:
        return []
    return [
        iid
        for iid in order[: order.index(instrument_id)]
        if thresholds.get(iid) is not None and iid not in packet.follow_ups
    ]


def set_follow_up(
    session: Session,
    registry: InstrumentRegistry,
    actor: User,
    packet: Packet,
    instrument_id: str,
    after: str | None,
) -> None:
    """Ask `instrument_id` only when `after`'s result reaches the clinic's threshold for it, or
    always (after=None)."""
    follow_ups = dict(packet.follow_ups or {})
    if after:
        if instrument_id in follow_ups.values():
            raise ClinicError("That instrument already leads on to another; it cannot wait for one itself.")
        if after not in screener_choices(session, registry, packet, instrument_id):
            raise ClinicError(
                "Choose an instrument that comes earlier in the packet and has a threshold "
                "(set under Instruments); it decides whether this one is asked."
            )
        follow_ups[instrument_id] = after
    else:
        follow_ups.pop(instrument_id, None)
    packet.follow_ups = follow_ups
    session.flush()
    _audit(session, actor, packet, "follow_up")
    session.commit()
