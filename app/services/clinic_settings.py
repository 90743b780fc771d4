"""A clinic's settings for the installed instruments, with the instruments' defaults
filling what the clinic has not set."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.instruments.registry import InstrumentRegistry
from app.models import ClinicInstrument


def referral_thresholds(session: Session, registry: InstrumentRegistry, clinic_id: int) -> dict[str, int | None]:
    """Instrument id -> the total at or above which a screening is over the clinic's
    referral threshold (None: the instrument has no threshold and the clinic set none)."""
    own = dict(
        session.execute(
            sa.select(ClinicInstrument.instrument_id, ClinicInstrument.referral_threshold).where(
                ClinicInstrument.clinic_id == clinic_id, ClinicInstrument.referral_threshold.is_not(None)
            )
        ).all()
    )
    return {
        instrument_id: own.get(instrument_id, loaded.definition.scoring.default_referral_threshold)
        for instrument_id, loaded in registry.items()
    }
