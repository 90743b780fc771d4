"""A packet's sections, looked up in one place.

A packet (and a screening's copy of it) lists its sections by id, in order. A section is a
validated instrument (scored, its wording from the registry, in the sitting's language where a
verified translation exists) or the clinic's own questions (the reserved id
CLINIC_QUESTIONS_ID: never scored, written in English, asked after every instrument). The
tablet flow, saving, scoring and display ask `section(id)` what a section is and does, so a
new kind of section is one more class here, not one more branch in each of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.instruments.definition import Instrument
from app.instruments.loader import LoadedInstrument
from app.instruments.registry import InstrumentRegistry
from app.instruments.scoring import check_answers
from app.instruments.translations import ENGLISH
from app.models import ClinicQuestionSet, Screening
from app.services.clinic_answers import (
    CLINIC_QUESTIONS_ID,
    CLINIC_QUESTIONS_TITLE,
    add_clinic_answers,
    checked_clinic_answer,
    pinned_question_set,
)


@dataclass(frozen=True)
class CheckedAnswer:
    """An answer as a draft keeps it. `flags`: the instrument to re-score at once, when this
    item can raise an urgent flag; None when it cannot (or the section is never scored)."""

    value: int | str | None
    text: str | None
    version: str
    flags: LoadedInstrument | None = None


@dataclass(frozen=True)
class InstrumentSection:
    """A validated instrument from the registry: scored when the screening completes."""

    id: str
    is_instrument = True

    def title(self, registry: InstrumentRegistry) -> str:
        return registry[self.id].definition.short_title if self.id in registry else self.id

    def wording_language(self, registry: InstrumentRegistry, language: str) -> str:
        """The language of the wording shown (English where no verified translation exists)."""
        translation = registry.translation(self.id, language)
        return translation.language if translation else ENGLISH

    def is_worded_in(self, registry: InstrumentRegistry, language: str) -> bool:
        return language in registry.languages(self.id)

    def checked_answer(
        self, session: Session, registry: InstrumentRegistry, screening: Screening, item_id: str, value
    ) -> CheckedAnswer:
        loaded = registry[self.id]
        check_answers(loaded.definition, {item_id: value})
        flags = loaded if loaded.definition.may_raise_urgent_flag(item_id) else None
        return CheckedAnswer(value, None, loaded.version, flags)

    def store_unscored(self, session, screening, answers, submitted_at, question_set) -> None:
        """Instruments are scored and stored with their responses, not here."""


@dataclass(frozen=True)
class ClinicQuestionsSection:
    """The clinic's own questions: unscored, stored against the question-set version seen."""

    id: str = CLINIC_QUESTIONS_ID
    is_instrument = False

    def title(self, registry: InstrumentRegistry) -> str:
        return CLINIC_QUESTIONS_TITLE

    def wording_language(self, registry: InstrumentRegistry, language: str) -> str:
        return ENGLISH  # the clinic writes them in English

    def is_worded_in(self, registry: InstrumentRegistry, language: str) -> bool:
        return language == ENGLISH

    def checked_answer(
        self, session: Session, registry: InstrumentRegistry, screening: Screening, item_id: str, value
    ) -> CheckedAnswer:
        # Unscored: nothing to flag, and the "version" is the question set's id.
        return CheckedAnswer(*checked_clinic_answer(session, screening, item_id, value))

    def store_unscored(
        self,
        session: Session,
        screening: Screening,
        answers: Mapping[str, Mapping[str, int | str | None]],
        submitted_at: datetime,
        question_set: ClinicQuestionSet | None,
    ) -> None:
        """Add (the caller commits) the answers, as the wording of `question_set` (default:
        the version pinned so far)."""
        question_set = question_set or pinned_question_set(session, screening)
        add_clinic_answers(session, screening, question_set, answers.get(self.id) or {}, submitted_at)


Section = InstrumentSection | ClinicQuestionsSection

CLINIC_QUESTIONS = ClinicQuestionsSection()
#: the sections never scored, for a query that leaves their saved answers out
UNSCORED_IDS = (CLINIC_QUESTIONS.id,)


def section(section_id: str) -> Section:
    """What the packet entry `section_id` is."""
    return CLINIC_QUESTIONS if section_id == CLINIC_QUESTIONS.id else InstrumentSection(section_id)


def of(section_ids: Iterable[str]) -> list[Section]:
    return [section(section_id) for section_id in section_ids]


def instrument_ids(section_ids: Iterable[str]) -> list[str]:
    """The validated instruments among a packet's sections, in packet order."""
    return [entry.id for entry in of(section_ids) if entry.is_instrument]


def instrument_definitions(registry: InstrumentRegistry, section_ids: Iterable[str]) -> dict[str, Instrument]:
    return {instrument_id: registry[instrument_id].definition for instrument_id in instrument_ids(section_ids)}


def asked_after_instruments(section_ids: Iterable[str]) -> list[Section]:
    """The sections asked once every validated instrument is done, so that they never sit
    between items whose wording and order were validated together."""
    return [entry for entry in of(section_ids) if not entry.is_instrument]
