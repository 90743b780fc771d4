"""The clinic's own questions: yes/no, single choice or short text; every edit a new
version; labelled as not a validated instrument; never scored."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import ClinicQuestionSet
from app.models.screening import ImmutableRecordError
from app.services.clinic_questions import CLINIC_QUESTION_LABEL, clinic_questions_definition
from tests.fixtures import post_form

PAGE = "/admin/clinic-questions"
THERAPIST = "Do you currently see a therapist or counsellor?"


def _add(admin, text=THERAPIST, kind="yes_no", options=""):
    return post_form(admin, PAGE, {"type": kind, "text": text, "options": options})


def _change(admin, action):
    return post_form(admin, PAGE, {"action": action}, url=f"{PAGE}/change")


def _definition(app, clinic_id):
    with app.app_context():
        return clinic_questions_definition(db.session, clinic_id)


def test_no_questions_means_no_definition(admin, app, demo):
    assert _definition(app, demo) is None
    assert "No questions yet" in admin.get(PAGE).text


def test_questions_of_each_kind_are_saved_as_new_versions_and_given_unscored(admin, app, demo):
    assert _add(admin).status_code == 302
    _add(admin, "How did you get here today?", "single_choice", "Car\n\nBus\n Walked ")
    _add(admin, "Who is your pharmacy?", "short_text")
    definition = _definition(app, demo)
    assert definition["version"] == 3
    assert definition["label"] == CLINIC_QUESTION_LABEL
    assert definition["scored"] is False
    assert definition["items"] == [
        {"id": "q1", "type": "yes_no", "text": THERAPIST, "options": ["Yes", "No"]},
        {
            "id": "q2",
            "type": "single_choice",
            "text": "How did you get here today?",
            "options": ["Car", "Bus", "Walked"],
        },
        {"id": "q3", "type": "short_text", "text": "Who is your pharmacy?", "options": []},
    ]
    page = admin.get(PAGE).text
    assert "clinic question — not a validated instrument" in page
    assert "Current questions (version 3)" in page


def test_an_edit_never_changes_an_earlier_version(admin, app, demo, session):
    _add(admin)
    _add(admin, "Who is your pharmacy?", "short_text")
    first_two = session.scalars(sa.select(ClinicQuestionSet).order_by(ClinicQuestionSet.version)).all()
    before = [list(version.items) for version in first_two]
    _change(admin, "up:q2")
    _change(admin, "remove:q1")
    session.expire_all()
    versions = session.scalars(sa.select(ClinicQuestionSet).order_by(ClinicQuestionSet.version)).all()
    assert [version.version for version in versions] == [1, 2, 3, 4]
    assert [list(version.items) for version in versions[:2]] == before
    assert [item["id"] for item in versions[2].items] == ["q2", "q1"]
    assert [item["id"] for item in versions[3].items] == ["q2"]


def test_a_removed_questions_id_is_never_reused(admin, app, demo):
    _add(admin)
    _change(admin, "remove:q1")
    _add(admin, "Who is your pharmacy?", "short_text")
    assert [item["id"] for item in _definition(app, demo)["items"]] == ["q2"]


def test_a_version_cannot_be_edited_in_place(admin, app, demo, session):
    _add(admin)
    version = session.scalars(sa.select(ClinicQuestionSet)).one()
    version.items = []
    with pytest.raises(ImmutableRecordError):
        session.commit()
    session.rollback()


@pytest.mark.parametrize(
    ("kind", "text", "options", "message"),
    [
        ("yes_no", "  ", "", "Write the question as the patient will read it."),
        ("single_choice", "Pick one", "Only one", "A single-choice question needs 2 to 8 answers, one per line."),
        ("single_choice", "Pick one", "Yes\nyes", "Each answer may be listed only once."),
        ("long_essay", "Tell us everything", "", "Not a valid choice"),
        ("yes_no", "x" * 301, "", "Keep the question under 300 characters."),
    ],
)
def test_a_bad_question_is_refused_and_no_version_saved(admin, app, demo, session, kind, text, options, message):
    response = _add(admin, text, kind, options)
    assert response.status_code == 200
    assert message in response.text
    assert session.scalar(sa.select(sa.func.count()).select_from(ClinicQuestionSet)) == 0


def test_another_clinics_questions_are_their_own(other_clinic_admin, app, demo):
    _add(other_clinic_admin)
    assert _definition(app, demo) is None
