"""Two-step packets as an admin sets them: an instrument asked only when an earlier one in the
same packet reaches the clinic's threshold for it (PHQ-2 leading on to PHQ-9, PC-PTSD-5 to PCL-5)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.instruments.registry import InstrumentRegistry
from app.models import Packet, User
from app.services.audit import record_event
from app.services.clinic_settings import referral_thresholds
from app.services.clinics import ClinicError


def valid_follow_ups(packet: Packet, follow_ups: dict[str, str]) -> dict[str, str]:
    """The follow-ups that still make sense for the packet's order: both instruments in it, the
    screener first. Reordering or removing an instrument drops those that no longer do."""
    order = packet.instrument_ids
    return {
        follow_up: after
        for follow_up, after in follow_ups.items()
        if follow_up in order and after in order and order.index(after) < order.index(follow_up)
    }


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
    record_event(
        session,
        "packet.save",
        clinic_id=actor.clinic_id,
        actor_user_id=actor.id,
        target_type="packet",
        target_id=packet.id,
        details={"change": "follow_up", "instrument": instrument_id, "after": after},
    )
    session.commit()


def sitting_follow_ups(session: Session, registry: InstrumentRegistry | None, packet: Packet) -> dict[str, dict]:
    """The packet's follow-ups with today's thresholds, as a new screening keeps them."""
    follow_ups = valid_follow_ups(packet, packet.follow_ups or {})
    if not follow_ups:
        return {}
    if registry is None:
        raise ClinicError(
            "This packet asks some instruments only after others: start it with the installed instruments."
        )
    thresholds = referral_thresholds(session, registry, packet.clinic_id)
    # Titles are kept too, so the reason can be given even for an instrument never answered.
    return {
        follow_up: {
            "after": after,
            "at_least": thresholds[after],
            "titles": {iid: registry[iid].definition.short_title for iid in (follow_up, after)},
        }
        for follow_up, after in follow_ups.items()
        if thresholds.get(after) is not None
    }
