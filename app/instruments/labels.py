"""How a score is labelled wherever it is shown: the worklist, the screening page, the history,
the referral PDF and the exports all ask here, so no view can drop a qualifier.

Three rules, each read from the instrument's definition:
- bands that are not the authors' validated cut-offs (the definition gives a `bands_note`) are
  marked "not validated" beside the band itself, with the note available in full;
- an instrument's caveats travel with every result of it;
- a syndrome from a diagnostic algorithm carries the algorithm's label ("provisional") and note.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.instruments.definition import Instrument

NOT_VALIDATED = "not validated"


def band_text(definition: Instrument, band_label: str | None) -> str | None:
    """A band label as it must be printed: "Moderate (not validated)" where the bands are a
    convention rather than validated cut-offs."""
    if band_label is None:
        return None
    return f"{band_label} ({NOT_VALIDATED})" if definition.scoring.bands_note else band_label


@dataclass(frozen=True)
class ScoreLabel:
    band: str | None  # the band's own label, as scored
    band_text: str | None  # the band as it must be printed wherever it appears
    bands_note: str | None  # why the bands are qualified, in full
    caveats: tuple[str, ...]  # the instrument's caveats, printed with every result
    syndrome: str | None  # e.g. "Major depressive syndrome (provisional)"
    syndrome_note: str | None

    @property
    def remarks(self) -> tuple[str, ...]:
        """What must accompany this result wherever only a line of it is shown."""
        return tuple(note for note in (self.bands_note if self.band else None, *self.caveats) if note)


def score_label(definition: Instrument, score: Mapping) -> ScoreLabel:
    """The labels of one stored score (Score.to_dict()) under the definition it was scored with."""
    band = score.get("band_label")
    algorithm = definition.scoring.algorithm
    syndrome = score.get("syndrome_label")
    return ScoreLabel(
        band=band,
        band_text=band_text(definition, band),
        bands_note=definition.scoring.bands_note,
        caveats=tuple(definition.caveats),
        syndrome=syndrome,
        syndrome_note=algorithm.note if algorithm and syndrome else None,
    )
