"""The clinic's own questions on the tablet: after the validated instruments, one per
screen under their label, saved as the patient goes, stored unscored against the version seen."""

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError

from app.models import ClinicQuestionResponse, ClinicQuestionSet, DraftAnswer, Response
from app.models.screening import ImmutableRecordError
from tests.conftest import csrf_token_from
from tests.fixtures import Tablet, page_text
from tests.patient.clinic_sitting import (
    LABEL,
    PACKET,
    PHARMACY,
    THERAPIST,
    TRAVEL,
    add_clinic_questions,
    clinic_steps,
    complete_check_in,
    make_check_in_packet,
)


@pytest.fixture
def check_in(login_as, client, app, start_screening):
    """The admin's questions in a packet, and a fresh tablet with a code for it."""
    login_as("admin")
    add_clinic_questions(client)
    make_check_in_packet(client)
    _screening_id, code = start_screening(packet=PACKET)
    return _screening_id, code, Tablet(app.test_client())


def test_clinic_questions_come_after_the_instruments_wherever_the_packet_puts_them(
    check_in, app, registry, demo, session
):
    _screening_id, code, tablet = check_in
    steps = clinic_steps(app, registry, demo)
    assert [step.instrument_id for step in steps if step.kind == "item"] == [
        "phq2",
        "phq2",
        "clinic_questions",
        "clinic_questions",
        "clinic_questions",
    ]
    tablet.enter_code(code)
    first_clinic = next(i for i, step in enumerate(steps) if step.instrument_id == "clinic_questions")
    page = tablet.step(first_clinic).text
    assert LABEL in page
    assert THERAPIST in page
    assert 'class="option"' in page
    assert ">Yes<" in page
    assert ">No<" in page
    text_page = tablet.step(len(steps) - 1).text
    assert f'<label for="item_q3">{PHARMACY}</label>' in text_page
    assert 'maxlength="200"' in text_page


def test_answers_are_saved_as_the_patient_goes_shown_for_review_and_stored_against_the_version_seen(
    check_in, app, registry, demo, session
):
    screening_id, code, tablet = check_in
    steps = complete_check_in(app, tablet, code, registry, demo, {"q1": 0, "q2": 1, "q3": "Corner Pharmacy"})
    drafts = {
        d.item_id: (d.value, d.text_value)
        for d in session.scalars(sa.select(DraftAnswer).where(DraftAnswer.instrument_id == "clinic_questions"))
    }
    assert drafts == {"q1": (0, None), "q2": (1, None), "q3": (None, "Corner Pharmacy")}
    assert tablet.chosen(len(steps) - 2) == 1  # the choice is shown again on its screen

    review = page_text(tablet.client.get("/kiosk/review").text)
    assert LABEL in review
    for shown in (f"{THERAPIST} Yes", f"{TRAVEL} Bus", f"{PHARMACY} Corner Pharmacy"):
        assert shown in review
    assert "not answered" not in review

    assert tablet.submit().headers["Location"] == "/kiosk/done"
    version_seen = session.scalar(sa.select(ClinicQuestionSet).where(ClinicQuestionSet.version == 3))
    stored = session.scalar(
        sa.select(ClinicQuestionResponse).where(ClinicQuestionResponse.screening_id == screening_id)
    )
    assert stored.question_set_id == version_seen.id
    assert stored.answers == {"q1": "Yes", "q2": "Bus", "q3": "Corner Pharmacy"}
    responses = session.scalars(sa.select(Response).where(Response.screening_id == screening_id)).all()
    assert [(r.instrument_id, r.total) for r in responses] == [("phq2", 2)]  # the clinic questions are not scored
    assert session.scalar(sa.select(sa.func.count()).select_from(DraftAnswer)) == 0


def test_an_edit_after_the_first_clinic_answer_does_not_change_the_questions_the_patient_is_answering(
    check_in, app, registry, demo, session, client
):
    screening_id, code, tablet = check_in
    steps = clinic_steps(app, registry, demo)
    tablet.enter_code(code)
    tablet.answer(len(steps) - 3, 1)  # "No" to the first clinic question
    client.post(
        "/admin/clinic-questions/change",
        data={"action": "remove:q1", "csrf_token": csrf_token_from(client.get("/admin/clinic-questions").text)},
    )
    assert THERAPIST in tablet.step(len(steps) - 3).text
    for index in range(len(steps)):
        if index != len(steps) - 3:
            tablet.answer(index, None)
    tablet.submit()
    stored = session.scalar(
        sa.select(ClinicQuestionResponse).where(ClinicQuestionResponse.screening_id == screening_id)
    )
    assert session.get(ClinicQuestionSet, stored.question_set_id).version == 3
    assert stored.answers == {"q1": "No"}


def test_a_short_text_answer_over_the_limit_is_refused_with_a_message_and_not_saved(
    check_in, app, registry, demo, session
):
    _screening_id, code, tablet = check_in
    steps = clinic_steps(app, registry, demo)
    tablet.enter_code(code)
    refused = tablet.answer(len(steps) - 1, "x" * 201)
    assert refused.status_code == 200
    assert "Keep your answer under 200 characters" in refused.text
    assert 'aria-invalid="true"' in refused.text
    assert session.scalar(sa.select(sa.func.count()).select_from(DraftAnswer)) == 0


def test_stored_clinic_answers_cannot_be_changed(check_in, app, registry, demo, session):
    screening_id, code, tablet = check_in
    complete_check_in(app, tablet, code, registry, demo, {"q1": 0})
    tablet.submit()
    stored = session.scalar(
        sa.select(ClinicQuestionResponse).where(ClinicQuestionResponse.screening_id == screening_id)
    )
    stored.answers = {"q1": "No"}
    with pytest.raises(ImmutableRecordError):
        session.flush()
    session.rollback()
    for statement in (
        sa.update(ClinicQuestionResponse).values(answers={"q1": "No"}),
        sa.delete(ClinicQuestionResponse),
    ):
        with pytest.raises(DatabaseError, match="clinic question answers are immutable"):
            session.execute(statement)
        session.rollback()
