"""Two-step packets: an instrument asked only when an earlier result in the same sitting
reaches a threshold (a screener leading on to a longer instrument).

Plain data in, plain data out. An item the follow-up shares with the screener word for word,
with the same options, is not asked twice: its answer is carried over, so the follow-up's
response stays complete and pins its own version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from app.instruments.definition import Instrument
from app.instruments.scoring import asked_items, score


@dataclass(frozen=True)
class Decision:
    instrument_id: str
    after: str
    at_least: int
    #: the screener's total so far; None while it is incomplete
    screener_total: int | None
    #: follow-up item id -> screener item id whose answer it reuses
    carried: dict[str, str] = field(default_factory=dict)

    @property
    def is_decided(self) -> bool:
        return self.screener_total is not None

    @property
    def is_asked(self) -> bool:
        return self.screener_total is not None and self.screener_total >= self.at_least


def shared_items(follow_up: Instrument, screener: Instrument) -> dict[str, str]:
    """Follow-up items that are screener items word for word, with the same options and codes."""
    shared = {}
    for item in follow_up.items:
        for earlier in screener.items:
            if (
                item.text == earlier.text
                and item.code == earlier.code
                and follow_up.options_for(item) == screener.options_for(earlier)
            ):
                shared[item.id] = earlier.id
                break
    return shared


def decide(
    definitions: Mapping[str, Instrument],
    follow_ups: Mapping[str, Mapping],
    answers: Mapping[str, Mapping[str, int | None]],
) -> dict[str, Decision]:
    """For each follow-up of the sitting ({instrument: {"after": screener, "at_least": n}}),
    whether the answers so far lead on to it."""
    decisions = {}
    for instrument_id, rule in follow_ups.items():
        screener = definitions[rule["after"]]
        given = {key: value for key, value in (answers.get(rule["after"]) or {}).items() if value is not None}
        asked = asked_items(screener, given)
        total = score(screener, "", {key: value for key, value in given.items() if key in asked}).total
        decisions[instrument_id] = Decision(
            instrument_id,
            rule["after"],
            rule["at_least"],
            total,
            shared_items(definitions[instrument_id], screener),
        )
    return decisions


def with_carried_answers(decision: Decision, answers: Mapping[str, Mapping[str, int | None]]) -> dict:
    """The follow-up's answers with the shared items filled in from the screener."""
    own = dict(answers.get(decision.instrument_id) or {})
    screener = answers.get(decision.after) or {}
    for item_id, from_item in decision.carried.items():
        own[item_id] = screener.get(from_item)
    return own


def decisions_from_totals(follow_ups: Mapping[str, Mapping], totals: Mapping[str, int | None]) -> list[Decision]:
    """The decisions of a completed sitting, read back from its stored screener totals."""
    return [
        Decision(instrument_id, rule["after"], rule["at_least"], totals.get(rule["after"]))
        for instrument_id, rule in follow_ups.items()
    ]


def explain(decision: Decision, titles: Mapping[str, str]) -> str:
    """Why a follow-up was or was not asked, for staff."""
    follow_up, screener = titles[decision.instrument_id], titles[decision.after]
    if not decision.is_decided:
        return f"{follow_up} not asked: {screener} was not completed."
    if decision.is_asked:
        return (
            f"{follow_up} asked: {screener} total {decision.screener_total}, "
            f"at or above the threshold of {decision.at_least}."
        )
    return (
        f"{follow_up} not asked: {screener} total {decision.screener_total}, "
        f"below the threshold of {decision.at_least}."
    )
