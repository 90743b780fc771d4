"""A clinic's own short questionnaire ("Do you currently see a therapist or counsellor?").

Not a validated instrument and never scored: its items are yes/no, single choice or short
text, and it is always shown with CLINIC_QUESTION_LABEL. Each edit saves a new version;
`clinic_questions_definition` gives the current one to whatever shows or prints it.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import ClinicQuestionSet, User
from app.models.clinic_question import CLINIC_QUESTION_LABEL, CLINIC_QUESTION_TYPES
from app.services.audit import record_event
from app.services.clinics import ClinicError
from app.services.ordering import moved

TYPE_LABELS = {"yes_no": "Yes / no", "single_choice": "Single choice", "short_text": "Short text"}
YES_NO_OPTIONS = ["Yes", "No"]
MAX_QUESTIONS = 10
MAX_TEXT = 300
MAX_OPTIONS = 8
MAX_OPTION_TEXT = 80
#: the longest answer a short-text question accepts
MAX_ANSWER = 200


@dataclass(frozen=True)
class QuestionDraft:
    type: str
    text: str
    options: tuple[str, ...] = ()


def current_question_set(session: Session, clinic_id: int) -> ClinicQuestionSet | None:
    return session.scalar(
        sa.select(ClinicQuestionSet)
        .where(ClinicQuestionSet.clinic_id == clinic_id)
        .order_by(ClinicQuestionSet.version.desc())
        .limit(1)
    )


def clinic_questions_definition(session: Session, clinic_id: int) -> dict | None:
    """The current version as plain data for the tablet and the PDF, or None when the
    clinic asks no questions of its own. `set_id` is what an answer should store."""
    current = current_question_set(session, clinic_id)
    if current is None or not current.items:
        return None
    return {
        "set_id": current.id,
        "version": current.version,
        "label": CLINIC_QUESTION_LABEL,
        "scored": False,
        "items": [dict(item) for item in current.items],
    }


def question_problem(draft: QuestionDraft) -> str | None:
    """Why this question cannot be added, in words for the admin; None when it can."""
    if draft.type not in CLINIC_QUESTION_TYPES:
        return "Choose the kind of answer: yes / no, single choice or short text."
    if not draft.text.strip():
        return "Write the question as the patient will read it."
    if len(draft.text) > MAX_TEXT:
        return f"Keep the question under {MAX_TEXT} characters."
    if draft.type == "single_choice":
        if not 2 <= len(draft.options) <= MAX_OPTIONS:
            return f"A single-choice question needs 2 to {MAX_OPTIONS} answers, one per line."
        if len({option.casefold() for option in draft.options}) != len(draft.options):
            return "Each answer may be listed only once."
        if any(len(option) > MAX_OPTION_TEXT for option in draft.options):
            return f"Keep each answer under {MAX_OPTION_TEXT} characters."
    return None


def _item(draft: QuestionDraft, item_id: str) -> dict:
    options = {"yes_no": YES_NO_OPTIONS, "single_choice": list(draft.options), "short_text": []}[draft.type]
    return {"id": item_id, "type": draft.type, "text": " ".join(draft.text.split()), "options": options}


def _save_version(session: Session, actor: User, items: list[dict], change: str) -> ClinicQuestionSet:
    current = current_question_set(session, actor.clinic_id)
    question_set = ClinicQuestionSet(
        clinic_id=actor.clinic_id,
        version=(current.version if current else 0) + 1,
        items=items,
        created_by_id=actor.id,
    )
    session.add(question_set)
    session.flush()
    record_event(
        session,
        "clinic_questions.save",
        clinic_id=actor.clinic_id,
        actor_user_id=actor.id,
        target_type="clinic_question_set",
        target_id=question_set.id,
        details={"version": question_set.version, "change": change, "questions": len(items)},
    )
    return question_set


def _current_items(session: Session, clinic_id: int) -> list[dict]:
    current = current_question_set(session, clinic_id)
    return [dict(item) for item in current.items] if current else []


def add_clinic_question(session: Session, actor: User, draft: QuestionDraft) -> ClinicQuestionSet:
    problem = question_problem(draft)
    if problem:
        raise ClinicError(problem)
    items = _current_items(session, actor.clinic_id)
    if len(items) >= MAX_QUESTIONS:
        raise ClinicError(f"Keep the clinic's own questions to {MAX_QUESTIONS} or fewer: patients tire.")
    # Ids are never reused, so an answer to an old "q2" can never be read as the new one.
    used = [int(item["id"][1:]) for item in _all_items_ever(session, actor.clinic_id)]
    items.append(_item(draft, f"q{max(used, default=0) + 1}"))
    question_set = _save_version(session, actor, items, "add")
    session.commit()
    return question_set


def _all_items_ever(session: Session, clinic_id: int) -> list[dict]:
    sets = session.scalars(sa.select(ClinicQuestionSet.items).where(ClinicQuestionSet.clinic_id == clinic_id))
    return [item for items in sets for item in items]


def remove_clinic_question(session: Session, actor: User, item_id: str) -> ClinicQuestionSet:
    items = _current_items(session, actor.clinic_id)
    remaining = [item for item in items if item["id"] != item_id]
    if len(remaining) == len(items):
        raise ClinicError("That question is not in the current version.")
    question_set = _save_version(session, actor, remaining, "remove")
    session.commit()
    return question_set


def move_clinic_question(session: Session, actor: User, item_id: str, step: int) -> ClinicQuestionSet | None:
    items = _current_items(session, actor.clinic_id)
    ids = [item["id"] for item in items]
    if item_id not in ids:
        raise ClinicError("That question is not in the current version.")
    items = moved(items, ids.index(item_id), step)
    if items is None:
        return None
    question_set = _save_version(session, actor, items, "reorder")
    session.commit()
    return question_set


def question_set_history(session: Session, clinic_id: int) -> list[ClinicQuestionSet]:
    return list(
        session.scalars(
            sa.select(ClinicQuestionSet)
            .where(ClinicQuestionSet.clinic_id == clinic_id)
            .order_by(ClinicQuestionSet.version.desc())
        )
    )
