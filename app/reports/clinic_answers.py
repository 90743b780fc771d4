"""A screening's answers to the clinic's own questions as staff read them (history, screening
page, referral PDF): worded as the question-set version the patient saw, never scored."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import ClinicQuestionResponse, ClinicQuestionSet
from app.models.clinic_question import CLINIC_QUESTION_LABEL


def clinic_answer_summary(session: Session, screening_id: int) -> dict | None:
    """What staff see of a completed screening's clinic questions: each question as worded
    in the version the patient saw, with the answer. None when none were asked."""
    stored = session.scalar(
        sa.select(ClinicQuestionResponse).where(ClinicQuestionResponse.screening_id == screening_id)
    )
    if stored is None:
        return None
    question_set = session.get(ClinicQuestionSet, stored.question_set_id)
    return {
        "label": CLINIC_QUESTION_LABEL,
        "version": question_set.version,
        "rows": [
            {"number": number, "text": item["text"], "answer": stored.answers.get(item["id"])}
            for number, item in enumerate(question_set.items, start=1)
        ],
    }
