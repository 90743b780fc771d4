"""Scoring: plain answers in, a plain Score out. No Flask, no database.

The rules are the instrument's own (its YAML); this module only knows rule types.
Missing answers are never prorated: a response with a scored item unanswered has
no total, no band and no syndrome, because a partial sum would be read as a
complete low score. A safety flag on an answered item is raised all the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from app.instruments.definition import Band, ClusterCountAlgorithm, CutOffBand, Flag, Instrument, Item


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
    #: subscale key -> sum, for instruments that report subscales (complete responses only)
    subscales: dict[str, int] = field(default_factory=dict)
    #: the cut-off the band was read against, for instruments whose cut-off the clinic chooses
    cut_off: int | None = None
    #: the gate question's answer stopped the instrument (its other items were not asked)
    is_stopped_at_gate: bool = False

    @property
    def is_urgent(self) -> bool:
        return any(flag.is_urgent for flag in self.flags)

    def to_dict(self) -> dict:
        # Keys of rule types an instrument may not use appear only when it uses them, so a
        # stored score of an instrument without them keeps its old shape.
        extra = {"subscales": dict(self.subscales)} if self.subscales else {}
        if self.cut_off is not None:
            extra["cut_off"] = self.cut_off
        if self.is_stopped_at_gate:
            extra["stopped_at_gate"] = True
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
        } | extra


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


def _checked_cut_off(instrument: Instrument, cut_off: int | None) -> int | None:
    rule = instrument.scoring.cut_off
    if rule is None:
        if cut_off is not None:
            raise AnswerError(f"{instrument.short_title} has no cut-off to choose")
        return None
    if cut_off is None:
        return rule.default
    if cut_off not in rule.values:
        choices = "; ".join(f"{choice.value} ({choice.label})" for choice in rule.choices)
        raise AnswerError(f"{instrument.short_title} cut-off {cut_off!r} is not a published choice: {choices}")
    return cut_off


def stops_at_gate(instrument: Instrument, given: Mapping[str, int | None]) -> bool:
    """True when the gate question was answered with its stopping answer."""
    gate = instrument.scoring.gate
    return gate is not None and given.get(gate.item) == gate.stop_value


def asked_items(instrument: Instrument, given: Mapping[str, int | None]) -> list[str]:
    """The items the patient is asked, given the answers so far: a stopping gate answer
    leaves its gated items out."""
    skipped = set(instrument.scoring.gate.gated_items) if stops_at_gate(instrument, given) else set()
    return [item.id for item in instrument.items if item.id not in skipped]


def score(
    instrument: Instrument,
    version: str,
    answers: Mapping[str, int | None],
    clinician_inputs: Mapping[str, str] | None = None,
    cut_off: int | None = None,
) -> Score:
    """Score one response. `answers` maps item id to the chosen option's value (None or
    absent = unanswered); `clinician_inputs` carries facts staff give (e.g. ACE-associated
    health condition: "yes" / "no" / "unknown"); `cut_off` is the clinic's choice among an
    instrument's published cut-offs (default: the instrument's)."""
    given = check_answers(instrument, answers)
    _check_clinician_inputs(instrument, clinician_inputs or {})
    cut_off = _checked_cut_off(instrument, cut_off)
    rules = instrument.scoring
    total_min, total_max = instrument.total_range
    stopped = stops_at_gate(instrument, given)
    if stopped:
        answered_gated = [item_id for item_id in rules.gate.gated_items if item_id in given]
        if answered_gated:
            which = (
                f"items {', '.join(answered_gated)} are" if len(answered_gated) > 1 else f"item {answered_gated[0]} is"
            )
            raise AnswerError(
                f"{instrument.short_title} {which} not asked when question {rules.gate.item} is answered "
                f"{_label(instrument, rules.gate.item, rules.gate.stop_value)!r}: leave them empty"
            )
        missing_scored, total = [], rules.gate.stopped_total
    else:
        # An unanswered gate question leaves the response incomplete like any scored item.
        missing_scored = [item_id for item_id in _gate_ids(instrument) if item_id not in given]
        missing_scored += [item.id for item in instrument.scored_items if item.id not in given]
        total = None if missing_scored else _total(instrument, given)
    unanswered = list(missing_scored)
    for item in instrument.items:
        threshold = item.required_when_total_above
        if threshold is not None and total is not None and total > threshold and item.id not in given:
            unanswered.append(item.id)

    band, band_label, notes = None, None, []
    if total is not None:
        band, band_label, note = _band(instrument, total, clinician_inputs or {}, cut_off)
        if note:
            notes.append(note)
    if stopped:
        notes.append(rules.gate.note)

    subscales = {}
    if total is not None and not stopped:
        subscales = {sub.key: sum(given[item_id] for item_id in sub.items) for sub in rules.subscales}

    syndrome = syndrome_label = None
    if total is not None and rules.algorithm and not stopped:
        found = _syndrome(instrument, given)
        if found:
            syndrome, syndrome_label = found[0], f"{found[1]} ({rules.algorithm.label})"

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
        subscales=subscales,
        cut_off=cut_off,
        is_stopped_at_gate=stopped,
    )


def _gate_ids(instrument: Instrument) -> list[str]:
    gate = instrument.scoring.gate
    return [gate.item] if gate else []


def _label(instrument: Instrument, item_id: str, value: int) -> str:
    options = instrument.options_for(instrument.item(item_id))
    return next((option.label for option in options if option.value == value), str(value))


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


def band_for_total(instrument: Instrument, total: int, cut_off: int | None = None) -> Band | CutOffBand | None:
    rule = instrument.scoring.cut_off
    if rule is not None:
        return rule.at_or_above if total >= (rule.default if cut_off is None else cut_off) else rule.below
    for band in instrument.scoring.bands:
        if band.min <= total <= band.max:
            return band
    return None


def _band(
    instrument: Instrument, total: int, clinician_inputs: Mapping[str, str], cut_off: int | None = None
) -> tuple[str | None, str | None, str | None]:
    band = band_for_total(instrument, total, cut_off)
    if band is None:
        return None, None, None
    if getattr(band, "by_input", None) is None:
        return band.key, band.label, None
    wanted = instrument.scoring.clinician_input
    key = band.by_input.get(clinician_inputs.get(wanted.key, "unknown"))
    if key is None:
        return None, None, wanted.pending_note
    return key, instrument.scoring.band_labels[key], None


def _syndrome(instrument: Instrument, given: Mapping[str, int]):
    """The provisional result's (key, label), or None."""
    algorithm = instrument.scoring.algorithm
    if isinstance(algorithm, ClusterCountAlgorithm):
        items_of = {sub.key: sub.items for sub in instrument.scoring.subscales}
        met = all(
            sum(1 for item_id in items_of[need.subscale] if given[item_id] >= algorithm.present_at_least)
            >= need.min_present
            for need in algorithm.clusters
        )
        return (algorithm.key, algorithm.result_label) if met else None

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
            return rule.key, rule.label
    return None
