"""A patient's answers to the clinic's own questions: asked on the tablet after the
validated instruments, saved as the patient goes, stored against the question-set version
the patient saw, never scored.

A packet holds them as the reserved entry CLINIC_QUESTIONS_ID. The version is pinned by
the first answer saved (the draft keeps the set's id): until then the patient has seen
none of the questions, so an admin's edit before that point changes nothing they saw.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import ClinicQuestionResponse, ClinicQuestionSet, DraftAnswer, Screening
from app.reports.clinic_answers import clinic_answer_summary
from app.services.clinic_questions import MAX_ANSWER, current_question_set
from app.services.errors import ServiceError

#: the packet entry that stands for the clinic's own questions (never an instrument id)
CLINIC_QUESTIONS_ID = "clinic_questions"
CLINIC_QUESTIONS_TITLE = "Clinic questions"


class ClinicAnswerError(ServiceError):
    """An answer the question cannot take, worded for the patient."""


def pinned_question_set(session: Session, screening: Screening) -> ClinicQuestionSet | None:
    """The version this screening's patient answers (or answered): the one a saved answer
    points at, else the clinic's current one. None when the packet has no clinic questions."""
    if CLINIC_QUESTIONS_ID not in screening.instrument_ids:
        return None
    stored = session.scalar(
        sa.select(ClinicQuestionResponse).where(ClinicQuestionResponse.screening_id == screening.id)
    )
    if stored is not None:
        return session.get(ClinicQuestionSet, stored.question_set_id)
    pinned = session.scalar(
        sa.select(DraftAnswer.instrument_version)
        .where(DraftAnswer.screening_id == screening.id, DraftAnswer.instrument_id == CLINIC_QUESTIONS_ID)
        .limit(1)
    )
    if pinned is not None:
        return session.get(ClinicQuestionSet, int(pinned))
    return current_question_set(session, screening.clinic_id)


def question_items(question_set: ClinicQuestionSet | None) -> list[dict]:
    return [dict(item) for item in question_set.items] if question_set else []


def find_item(question_set: ClinicQuestionSet | None, item_id: str) -> dict | None:
    return next((item for item in question_items(question_set) if item["id"] == item_id), None)


def answer_text(item: dict, value: int | str | None) -> str | None:
    """The answer as the patient gave it: the chosen option's wording or the typed text."""
    if value is None or value == "":
        return None
    if item["type"] == "short_text":
        return str(value)
    return item["options"][value] if isinstance(value, int) and 0 <= value < len(item["options"]) else None


def checked_clinic_answer(
    session: Session, screening: Screening, item_id: str, value: int | str | None
) -> tuple[int | None, str | None, str]:
    """An answer as a draft keeps it: (option position, typed text, question-set id), or
    ClinicAnswerError. None: moved on without answering."""
    question_set = pinned_question_set(session, screening)
    item = find_item(question_set, item_id)
    if item is None:
        raise ClinicAnswerError("That question is not part of this questionnaire.")
    if item["type"] == "short_text":
        text = str(value).strip() if value is not None else ""
        if len(text) > MAX_ANSWER:
            raise ClinicAnswerError(f"Keep your answer under {MAX_ANSWER} characters.")
        return None, text or None, str(question_set.id)
    if value is not None and answer_text(item, value) is None:
        raise ClinicAnswerError("Choose one of the answers shown.")
    return value, None, str(question_set.id)


def add_clinic_answers(
    session: Session,
    screening: Screening,
    question_set: ClinicQuestionSet | None,
    answers: Mapping[str, int | str | None],
    submitted_at: datetime,
) -> ClinicQuestionResponse | None:
    """Add (not commit: the caller stores it with the responses) the screening's answers,
    as the wording of the version seen."""
    if question_set is None or not question_set.items:
        return None
    given = {}
    for item in question_set.items:
        text = answer_text(item, answers.get(item["id"]))
        if text is not None:
            given[item["id"]] = text
    stored = ClinicQuestionResponse(
        screening_id=screening.id, question_set_id=question_set.id, answers=given, submitted_at=submitted_at
    )
    session.add(stored)
    return stored


def patient_clinic_answers(session: Session, patient_id: int) -> list[dict]:
    """Every completed screening of the patient that asked clinic questions, newest first,
    each as `clinic_answer_summary` with the screening's id and completion time."""
    rows = session.execute(
        sa.select(Screening.id, Screening.completed_at)
        .join(ClinicQuestionResponse, ClinicQuestionResponse.screening_id == Screening.id)
        .where(Screening.patient_id == patient_id, Screening.status == "completed")
        .order_by(Screening.completed_at.desc())
    )
    return [
        {"screening_id": screening_id, "completed_at": completed_at, **clinic_answer_summary(session, screening_id)}
        for screening_id, completed_at in rows
    ]
