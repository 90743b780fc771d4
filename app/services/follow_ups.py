"""Two-step packets as an admin sets them: an instrument asked only when an earlier one in the
same packet reaches the clinic's threshold for it (PHQ-2 leading on to PHQ-9, PC-PTSD-5 to PCL-5)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.instruments.registry import InstrumentRegistry
from app.models import Packet
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
