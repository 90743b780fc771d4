"""The instruments installed in this deployment, loaded once at start-up."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from app.instruments.loader import LoadedInstrument, load_instruments


class UnknownInstrumentError(KeyError):
    pass


class InstrumentRegistry(Mapping[str, LoadedInstrument]):
    def __init__(self, instruments: dict[str, LoadedInstrument]):
        self._instruments = instruments

    @classmethod
    def from_directory(cls, directory: Path) -> InstrumentRegistry:
        return cls(load_instruments(directory))

    def __getitem__(self, instrument_id: str) -> LoadedInstrument:
        try:
            return self._instruments[instrument_id]
        except KeyError:
            raise UnknownInstrumentError(instrument_id) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._instruments)

    def __len__(self) -> int:
        return len(self._instruments)
