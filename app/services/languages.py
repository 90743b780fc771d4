"""The language of a sitting: chosen at check-in, remembered on the patient, switchable on
the tablet's welcome screen.

An instrument is given in the sitting's language only where a verified translation is
installed; any other one would be shown in English. The front desk is told which before the
code is issued, and decides: leave those out this time, or give them in English.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.instruments.loader import LoadedInstrument
from app.instruments.registry import InstrumentRegistry
from app.instruments.translations import ENGLISH, LANGUAGE_NAMES, LoadedTranslation
from app.models import Clinic, DraftAnswer, Packet, Patient, Screening
from app.services.audit import record_screening_event
from app.services.screenings import ScreeningError, create_screening
from app.services.sections import section


LEAVE_OUT = "leave_out"
GIVE_IN_ENGLISH = "english"
GAP_CHOICES = (LEAVE_OUT, GIVE_IN_ENGLISH)


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # in the language itself
    english_name: str

    @property
    def staff_label(self) -> str:
        return self.name if self.name == self.english_name else f"{self.english_name} ({self.name})"


class LanguageGapError(ScreeningError):
    """The packet holds instruments not available in the chosen language; the front desk
    must say whether to leave them out or give them in English."""

    def __init__(self, language: str, instrument_ids: list[str]):
        self.language = language
        self.language_name = LANGUAGE_NAMES[language][1]
        self.instrument_ids = instrument_ids
        super().__init__(f"{len(instrument_ids)} questionnaire(s) of this packet are not available in that language.")


def installed_languages(registry: InstrumentRegistry) -> list[Language]:
    """English, then every language some installed instrument has a verified translation in."""
    codes = {translation.language for translation in registry.translations()} & set(LANGUAGE_NAMES)
    return [Language(code, *LANGUAGE_NAMES[code]) for code in [ENGLISH, *sorted(codes - {ENGLISH})]]


def offered_languages(registry: InstrumentRegistry, clinic: Clinic) -> list[Language]:
    """The installed languages this clinic offers: English always; another one only where the
    clinic chose to and wrote its support message in it, so a patient at risk reads it."""
    return [
        language
        for language in installed_languages(registry)
        if language.code == ENGLISH
        or (language.code in clinic.offered_languages and (clinic.crisis_texts or {}).get(language.code))
    ]


def is_offered(registry: InstrumentRegistry, clinic: Clinic, language: str) -> bool:
    return any(offered.code == language for offered in offered_languages(registry, clinic))


def not_available_in(registry: InstrumentRegistry, instrument_ids: list[str], language: str) -> list[str]:
    """The packet's instruments (and the clinic's own questions, written in English) that a
    patient sitting in `language` would see in English."""
    if language == ENGLISH:
        return []
    return [
        instrument_id for instrument_id in instrument_ids if not section(instrument_id).is_worded_in(registry, language)
    ]


def wording(
    registry: InstrumentRegistry, screening: Screening, instrument_id: str
) -> LoadedInstrument | LoadedTranslation:
    """What the patient of this sitting sees for an instrument."""
    return registry.wording(instrument_id, screening.language)


def wording_language(registry: InstrumentRegistry, screening: Screening, instrument_id: str) -> str:
    """The language of the wording shown (English where no verified translation exists)."""
    return section(instrument_id).wording_language(registry, screening.language)


def start_screening(
    session: Session,
    registry: InstrumentRegistry,
    patient: Patient,
    packet: Packet,
    *,
    language: str,
    gap_choice: str | None,
    created_by_id: int | None,
) -> Screening:
    """Start a screening in the patient's language and remember that language for them.
    Raises LanguageGapError, storing nothing, while instruments of the packet are not
    available in that language and the front desk has not chosen what to do with them."""
    if not is_offered(registry, packet.clinic, language):
        raise ScreeningError("That language is not offered.")
    gaps = not_available_in(registry, packet.instrument_ids, language)
    if gaps and gap_choice not in GAP_CHOICES:
        raise LanguageGapError(language, gaps)
    patient.language = language
    # create_screening commits, with the patient's language, as one action.
    return create_screening(
        session,
        patient,
        packet,
        created_by_id=created_by_id,
        registry=registry,
        language=language,
        leave_out=gaps if gap_choice == LEAVE_OUT else (),
    )


def switch_sitting_language(
    session: Session, registry: InstrumentRegistry, screening: Screening, language: str
) -> None:
    """The patient's own choice on the welcome screen, before their first answer: for this
    sitting, and remembered for their next check-in."""
    if not is_offered(registry, session.get(Clinic, screening.clinic_id), language):
        raise ScreeningError("That language is not offered.")
    if screening.status not in ("pending", "in_progress"):
        raise ScreeningError("This questionnaire can no longer be changed.")
    if screening.language == language:
        return
    # Each response records one language for all its answers, so the switch closes at the first answer.
    if session.scalar(
        sa.select(sa.func.count()).select_from(DraftAnswer).where(DraftAnswer.screening_id == screening.id)
    ):
        raise ScreeningError("The language can be changed only before the first answer.")
    screening.language = language
    screening.patient.language = language
    record_screening_event(session, "screening.language", screening, actor_kind="kiosk", details={"language": language})
    session.commit()
