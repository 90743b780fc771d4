"""Scoring: plain answers in, a plain Score out. No Flask, no database.

The rules are the instrument's own (its YAML); this module only knows rule types.
Missing answers are never prorated: a response with a scored item unanswered has
no total, no band and no syndrome, because a partial sum would be read as a
complete low score. A safety flag on an answered item is raised all the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from app.instruments.definition import Band, Flag, Instrument, Item


class AnswerError(ValueError):
    """An answer that does not fit the instrument: unknown item, or a value not on its scale."""


@dataclass(frozen=True)
class RaisedFlag:
    key: str
    label: str
    is_urgent: bool


@dataclass(frozen=True)
class Score:
    instrument_id: str
    version: str
    total: int | None
    total_min: int
    total_max: int
    band: str | None
    band_label: str | None
    flags: tuple[RaisedFlag, ...]
    syndrome: str | None
    syndrome_label: str | None
    is_complete: bool
    unanswered: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def is_urgent(self) -> bool:
        return any(flag.is_urgent for flag in self.flags)

    def to_dict(self) -> dict:
        return {
            "instrument": self.instrument_id,
            "version": self.version,
            "total": self.total,
            "total_range": [self.total_min, self.total_max],
            "band": self.band,
            "band_label": self.band_label,
            "flags": [flag.key for flag in self.flags],
            "flag_labels": {flag.key: flag.label for flag in self.flags},
            "urgent": self.is_urgent,
            "syndrome": self.syndrome,
            "syndrome_label": self.syndrome_label,
            "complete": self.is_complete,
            "unanswered": list(self.unanswered),
            "notes": list(self.notes),
        }


def check_answers(instrument: Instrument, answers: Mapping[str, int | None]) -> dict[str, int]:
    """Return the answered items, refusing any item or value the instrument does not have."""
    checked: dict[str, int] = {}
    for item_id, value in answers.items():
        try:
            item = instrument.item(item_id)
        except KeyError:
            raise AnswerError(f"{instrument.short_title} has no item {item_id!r}") from None
        if value is None:
            continue
        allowed = [option.value for option in instrument.options_for(item)]
        if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
            raise AnswerError(f"{instrument.short_title} item {item_id}: {value!r} is not one of {allowed}")
        checked[item_id] = value
    return checked


def _check_clinician_inputs(instrument: Instrument, inputs: Mapping[str, str]) -> None:
    wanted = instrument.scoring.clinician_input
    for key, value in inputs.items():
        if wanted is None or key != wanted.key:
            raise AnswerError(f"{instrument.short_title} takes no clinician input {key!r}")
        if value not in wanted.values:
            raise AnswerError(f"{wanted.label}: {value!r} is not one of {list(wanted.values)}")


def score(
    instrument: Instrument,
    version: str,
    answers: Mapping[str, int | None],
    clinician_inputs: Mapping[str, str] | None = None,
) -> Score:
    """Score one response. `answers` maps item id to the chosen option's value (None or
    absent = unanswered); `clinician_inputs` carries facts staff give (e.g. ACE-associated
    health condition: "yes" / "no" / "unknown")."""
    given = check_answers(instrument, answers)
    _check_clinician_inputs(instrument, clinician_inputs or {})
    rules = instrument.scoring
    total_min, total_max = instrument.total_range
    missing_scored = [item.id for item in instrument.scored_items if item.id not in given]

    total = None if missing_scored else _total(instrument, given)
    unanswered = list(missing_scored)
    for item in instrument.items:
        threshold = item.required_when_total_above
        if threshold is not None and total is not None and total > threshold and item.id not in given:
            unanswered.append(item.id)

    band, band_label, notes = None, None, []
    if total is not None:
        band, band_label, note = _band(instrument, total, clinician_inputs or {})
        if note:
            notes.append(note)

    syndrome = syndrome_label = None
    if total is not None and rules.algorithm:
        rule = _syndrome(instrument, given)
        if rule:
            syndrome, syndrome_label = rule.key, f"{rule.label} ({rules.algorithm.label})"

    flags = tuple(
        RaisedFlag(flag.key, flag.label, flag.urgent) for flag in rules.flags if _is_raised(flag, given, total)
    )
    if total is None:
        notes.append("Incomplete: no total, because unanswered items are never estimated.")
    return Score(
        instrument_id=instrument.id,
        version=version,
        total=total,
        total_min=total_min,
        total_max=total_max,
        band=band,
        band_label=band_label,
        flags=flags,
        syndrome=syndrome,
        syndrome_label=syndrome_label,
        is_complete=not unanswered,
        unanswered=tuple(unanswered),
        notes=tuple(notes),
    )


def _is_raised(flag: Flag, given: Mapping[str, int], total: int | None) -> bool:
    if flag.total_at_least is not None:
        return total is not None and total >= flag.total_at_least
    if total is None and not flag.applies_when_incomplete:
        return False
    return flag.item in given and given[flag.item] >= flag.item_at_least


def item_contribution(instrument: Instrument, item: Item, value: int) -> int | None:
    """What one answer adds to the total under the instrument's rule: reversed where the
    item is reversed, 1 or 0 for a counted item, None for an item that is never scored.
    The total is the sum of these, and the FHIR scoring hints (ordinalValue) are these,
    so a form filler that sums them gets our total."""
    if not item.scored:
        return None
    rule = instrument.scoring.total
    if rule.method == "count_at_least":
        return 1 if value >= rule.count_value else 0
    if item.id in rule.reverse_items:
        return rule.reverse_from - value
    return value


def _total(instrument: Instrument, given: Mapping[str, int]) -> int:
    return sum(item_contribution(instrument, item, given[item.id]) for item in instrument.scored_items)


def band_for_total(instrument: Instrument, total: int) -> Band | None:
    for band in instrument.scoring.bands:
        if band.min <= total <= band.max:
            return band
    return None


def _band(
    instrument: Instrument, total: int, clinician_inputs: Mapping[str, str]
) -> tuple[str | None, str | None, str | None]:
    band = band_for_total(instrument, total)
    if band is None:
        return None, None, None
    if band.by_input is None:
        return band.key, band.label, None
    wanted = instrument.scoring.clinician_input
    key = band.by_input.get(clinician_inputs.get(wanted.key, "unknown"))
    if key is None:
        return None, None, wanted.pending_note
    return key, instrument.scoring.band_labels[key], None


def _syndrome(instrument: Instrument, given: Mapping[str, int]):
    algorithm = instrument.scoring.algorithm

    def present(item_id: str) -> bool:
        threshold = algorithm.present_at_least_for.get(item_id, algorithm.present_at_least)
        return given[item_id] >= threshold

    core = sum(1 for item_id in algorithm.core_items if present(item_id))
    count = sum(1 for item_id in algorithm.symptom_items if present(item_id))
    for rule in algorithm.rules:
        if (
            core >= rule.min_core
            and count >= rule.min_present
            and (rule.max_present is None or count <= rule.max_present)
        ):
            return rule
    return None
