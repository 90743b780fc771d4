"""The instruments installed in this deployment, loaded once at start-up.

Iterating the registry gives the instruments themselves (English, the scoring authority);
translations are reached through `translation()` and `languages()` only, so nothing that
lists instruments (packets, admin lists, exports, FHIR) ever sees a translation as an
instrument of its own.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from app.instruments.loader import LoadedInstrument, load_instruments
from app.instruments.translations import ENGLISH, LoadedTranslation, load_translations

#: where translations live, under the questionnaires directory: <language>/<instrument>.yaml
TRANSLATIONS_FOLDER = "translations"


class UnknownInstrumentError(KeyError):
    pass


class InstrumentRegistry(Mapping[str, LoadedInstrument]):
    def __init__(
        self,
        instruments: dict[str, LoadedInstrument],
        translations: dict[tuple[str, str], LoadedTranslation] | None = None,
    ):
        self._instruments = instruments
        self._translations = translations or {}

    @classmethod
    def from_directory(cls, directory: Path) -> InstrumentRegistry:
        instruments = load_instruments(directory)
        return cls(instruments, load_translations(directory / TRANSLATIONS_FOLDER, instruments))

    def __getitem__(self, instrument_id: str) -> LoadedInstrument:
        try:
            return self._instruments[instrument_id]
        except KeyError:
            raise UnknownInstrumentError(instrument_id) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._instruments)

    def __len__(self) -> int:
        return len(self._instruments)

    def translation(self, instrument_id: str, language: str) -> LoadedTranslation | None:
        """The verified translation of an instrument into a language, or None."""
        return self._translations.get((instrument_id, language))

    def translations(self) -> tuple[LoadedTranslation, ...]:
        return tuple(self._translations.values())

    def languages(self, instrument_id: str) -> set[str]:
        """The languages an instrument can be given in: English and its verified translations."""
        return {ENGLISH} | {language for (translated, language) in self._translations if translated == instrument_id}

    def wording(self, instrument_id: str, language: str) -> LoadedInstrument | LoadedTranslation:
        """What a patient sitting in `language` sees: the translation where one exists, else English."""
        return self.translation(instrument_id, language) or self[instrument_id]
