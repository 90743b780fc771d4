"""A packet's sections are looked up in one place: app/services/sections.py."""

import re
from pathlib import Path

from app.services import sections
from app.services.clinic_answers import CLINIC_QUESTIONS_ID

APP = Path(__file__).resolve().parent.parent / "app"
# The clinic questions' own module defines and stores its id; the lookup is the one place that branches on it.
MAY_NAME_THE_ID = {APP / "services" / "clinic_answers.py", APP / "services" / "sections.py"}


def test_no_module_branches_on_the_clinic_questions_id():
    naming = [
        path.relative_to(APP).as_posix()
        for path in APP.rglob("*.py")
        if path not in MAY_NAME_THE_ID
        and (re.search(r"\bCLINIC_QUESTIONS_ID\b", text := path.read_text()) or '"clinic_questions"' in text)
    ]
    assert naming == []


def test_the_clinic_questions_are_no_instrument_and_come_after_the_instruments(registry):
    ids = [CLINIC_QUESTIONS_ID, "phq9", "gad7"]
    assert sections.instrument_ids(ids) == ["phq9", "gad7"]
    assert list(sections.instrument_definitions(registry, ids)) == ["phq9", "gad7"]
    assert [entry.id for entry in sections.asked_after_instruments(ids)] == [CLINIC_QUESTIONS_ID]
    assert sections.section(CLINIC_QUESTIONS_ID).title(registry) == "Clinic questions"
    assert sections.section("phq9").title(registry) == registry["phq9"].definition.short_title
    assert sections.section(CLINIC_QUESTIONS_ID).wording_language(registry, "es") == "en"
    assert not sections.section(CLINIC_QUESTIONS_ID).is_worded_in(registry, "es")
