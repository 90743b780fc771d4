"""The order of screens a patient goes through for a packet. Plain data, no request."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from app.instruments.registry import InstrumentRegistry
from app.services.clinic_answers import CLINIC_QUESTIONS_ID


@dataclass(frozen=True)
class Step:
    """One screen: an instrument's instructions ("intro") or one of its items ("item")."""

    kind: str
    instrument_id: str
    item_id: str | None = None
    #: 1-based question number across the whole packet (items only)
    number: int | None = None


def build_steps(registry: InstrumentRegistry, instrument_ids: list[str], clinic_items: list[dict] = ()) -> list[Step]:
    """The clinic's own questions (`clinic_items`, when the packet has them) come after every
    validated instrument wherever the packet puts them, so they never sit between items
    whose wording and order were validated together."""
    steps: list[Step] = []
    number = 0
    for instrument_id in instrument_ids:
        if instrument_id == CLINIC_QUESTIONS_ID:
            continue
        definition = registry[instrument_id].definition
        if definition.instructions:
            steps.append(Step("intro", instrument_id))
        for item in definition.items:
            number += 1
            steps.append(Step("item", instrument_id, item.id, number))
    if CLINIC_QUESTIONS_ID in instrument_ids:
        for item in clinic_items:
            number += 1
            steps.append(Step("item", CLINIC_QUESTIONS_ID, item["id"], number))
    return steps


def question_count(steps: list[Step]) -> int:
    return sum(1 for step in steps if step.kind == "item")


def estimated_minutes(questions: int, seconds_per_question: int) -> int:
    """Whole minutes a packet takes at this pace, rounded up, and at least one."""
    return max(1, -(-questions * seconds_per_question // 60))


def first_unanswered(steps: list[Step], reached: Collection[tuple[str, str]]) -> int:
    """Where to resume: the first item never reached (an item skipped on purpose counts as
    reached). `reached` holds (instrument id, item id) pairs."""
    for index, step in enumerate(steps):
        if step.kind == "item" and (step.instrument_id, step.item_id) not in reached:
            return index
    return len(steps)
