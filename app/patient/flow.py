"""The order of screens a patient goes through for a packet. Plain data, no request."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from app.instruments.follow_ups import decide
from app.instruments.registry import InstrumentRegistry
from app.instruments.scoring import asked_items
from app.services import sections


@dataclass(frozen=True)
class Step:
    """One screen: the clinic's introduction to a section about painful experiences ("care"),
    an instrument's instructions ("intro"), or one of its items ("item")."""

    kind: str
    instrument_id: str
    item_id: str | None = None
    #: 1-based question number across the whole packet (items only)
    number: int | None = None


def build_steps(
    registry: InstrumentRegistry,
    instrument_ids: list[str],
    clinic_items: list[dict] = (),
    answers: dict[str, dict[str, int | None]] | None = None,
    follow_ups: dict[str, dict] | None = None,
) -> list[Step]:
    """The screens the answers so far lead to: a follow-up instrument appears once the earlier
    result reaches its threshold (less the items it shares with that instrument, already
    answered), and a gate question's stopping answer leaves its items out. The clinic's own
    questions (`clinic_items`, when the packet has them) come after every validated
    instrument wherever the packet puts them, so they never sit between items whose wording
    and order were validated together."""
    answers = answers or {}
    definitions = sections.instrument_definitions(registry, instrument_ids)
    decisions = decide(definitions, follow_ups, answers) if follow_ups else {}
    steps: list[Step] = []
    number = 0
    previous = None
    for instrument_id, definition in definitions.items():
        decision = decisions.get(instrument_id)
        if decision is not None and not decision.is_asked:
            continue
        # Introduced once before a run of such sections (PC-PTSD-5 leading on to PCL-5), not twice.
        if definition.asked_with_care and not (previous and previous.asked_with_care):
            steps.append(Step("care", instrument_id))
        previous = definition
        carried = decision.carried if decision else {}
        asked = [
            item_id for item_id in asked_items(definition, answers.get(instrument_id) or {}) if item_id not in carried
        ]
        if definition.instructions:
            steps.append(Step("intro", instrument_id))
        for item_id in asked:
            number += 1
            steps.append(Step("item", instrument_id, item_id, number))
    for entry in sections.asked_after_instruments(instrument_ids):  # the clinic's questions
        for item in clinic_items:
            number += 1
            steps.append(Step("item", entry.id, item["id"], number))
    return steps


def question_count(steps: list[Step]) -> int:
    return sum(1 for step in steps if step.kind == "item")


def estimated_minutes(questions: int, seconds_per_question: int) -> int:
    """Whole minutes a packet takes at this pace, rounded up, and at least one."""
    return max(1, -(-questions * seconds_per_question // 60))


def first_unanswered(steps: list[Step], reached: Collection[tuple[str, str]]) -> int:
    """Where to resume: the first item never reached (an item skipped on purpose counts as
    reached). `reached` holds (instrument id, item id) pairs."""
    if not reached:
        return 0  # the very start, with its introductions, when nothing was answered yet
    for index, step in enumerate(steps):
        if step.kind == "item" and (step.instrument_id, step.item_id) not in reached:
            return index
    return len(steps)


def follow_ups_pending(
    registry: InstrumentRegistry, instrument_ids: list[str], answers: dict, follow_ups: dict | None
) -> bool:
    """True while a follow-up instrument may still be added by answers not yet given."""
    if not follow_ups:
        return False
    definitions = sections.instrument_definitions(registry, instrument_ids)
    return any(not decision.is_decided for decision in decide(definitions, follow_ups, answers).values())
