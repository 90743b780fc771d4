"""The database fails in the middle of a sitting (a dropped connection, a full disk): the
patient is not left at a staff page. They are told to hand the tablet back, so a member of
staff learns of it, since the answer just given (an urgent one too) may not be saved."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.services import kiosk
from tests.patient.test_tablet_flow import steps_of


def first_question(registry) -> int:
    return next(index for index, step in enumerate(steps_of(registry, ["phq9", "gad7"])) if step.kind == "item")


@pytest.fixture
def failing_save(app, monkeypatch):
    def database_gone(*_args, **_kwargs):
        raise sa.exc.OperationalError("INSERT INTO draft_answer", {}, Exception("server closed the connection"))

    monkeypatch.setattr(kiosk, "save_answer", database_gone)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answered as a real server would, not raised


def test_a_patient_whose_answer_cannot_be_saved_is_asked_to_hand_the_tablet_back(
    start_screening, tablet, registry, failing_save
):
    _screening_id, code = start_screening(packet="Follow-up")
    tablet.enter_code(code)

    response = tablet.answer(first_question(registry), 1)

    assert response.status_code == 500
    assert "hand the tablet back to the front desk" in response.text
    assert "clinic admin" not in response.text  # the staff wording is not for a patient
    assert 'href="/kiosk/"' in response.text  # back to the code screen, not a staff sign-in
    assert "Patient questionnaire" in response.text
    # Left alone, it clears the tablet as every screen of a sitting does: the next patient
    # cannot "try again" into this one's answers.
    assert response.headers["Refresh"].endswith("/kiosk/timeout")


def test_the_page_is_in_the_sittings_language(start_in, tablet, registry, failing_save):
    _screening_id, code = start_in("es")
    tablet.enter_code(code)

    response = tablet.answer(first_question(registry), 1)

    assert response.status_code == 500
    assert "devuelva la tableta en la recepción" in response.text
