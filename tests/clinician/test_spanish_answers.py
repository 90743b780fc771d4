"""A response answered in Spanish, read by a clinician: each answer in the words the patient
saw, the English wording of the same item beside it, and the language said."""

from __future__ import annotations

import html

import sqlalchemy as sa

from tests.fixtures import at, page_text

ES_ITEM9 = "Pensamientos de que estaría mejor muerto(a) o de lastimarse de alguna manera"
EN_ITEM9 = "Thoughts that you would be better off dead or of hurting yourself in some way"
ES_STEM = "Durante las últimas 2 semanas, ¿qué tan seguido ha tenido molestias debido a los siguientes problemas?"
EN_STEM = "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
SPANISH_ANSWERS = {"phq9": [2, 2, 2, 2, 1, 0, 0, 0, 1, 1], "gad7": [3, 2, 2, 2, 2, 0, 0]}


def spanish_screening(builder) -> tuple[int, int]:
    """(patient id, screening id) of a completed Spanish Follow-up screening, item 9 positive."""
    patient = builder.patient("Lucía Fernández", "204411")
    return patient, builder.screening(patient, SPANISH_ANSWERS, at(2026, 11, 24), language="es")


def test_history_shows_the_spanish_words_with_the_english_beside_and_the_language(login_as, client, demo_clinic):
    patient, _screening = spanish_screening(demo_clinic)
    login_as("clinician")

    page = html.unescape(client.get(f"/clinician/patients/{patient}").text)
    text = page_text(page)

    assert "Answered in Spanish." in text
    assert f'<span lang="es">{ES_ITEM9}</span><span class="english-wording">English: {EN_ITEM9}</span>' in page
    assert '<span lang="es">Varios días</span><span class="english-wording">English: Several days</span>' in page
    assert f'<span lang="es">{ES_STEM}</span><span class="english-wording">English: {EN_STEM}</span>' in page
    # GAD-7's first item, "Nearly every day" in Spanish
    assert '<span lang="es">Casi todos los días</span><span class="english-wording">English: Nearly every day' in page


def test_screening_page_quotes_the_safety_item_in_both_wordings(login_as, client, demo_clinic):
    _patient, screening = spanish_screening(demo_clinic)
    login_as("clinician")

    page = html.unescape(client.get(f"/clinician/screenings/{screening}").text)
    text = page_text(page)

    assert f"Item 9: “<span lang=\"es\">{ES_ITEM9}</span>”<span class=\"english-wording\">English: “{EN_ITEM9}”" in page
    assert "Answer given: Varios días English: Several days" in text
    assert text.count("Answered in Spanish.") == 2  # PHQ-9 and GAD-7
    assert "Score: 10 (range 0–27)" in text  # scored exactly as the English answers would be


def test_an_english_response_shows_no_second_wording(login_as, client, demo_clinic):
    patient = demo_clinic.patient("Sam Ortiz", "204412")
    demo_clinic.screening(patient, SPANISH_ANSWERS, at(2026, 11, 24))
    login_as("clinician")

    page = html.unescape(client.get(f"/clinician/patients/{patient}").text)

    assert "Answered in" not in page
    assert "english-wording" not in page
    assert EN_ITEM9 in page


def test_in_progress_spanish_answers_are_shown_in_both_wordings(login_as, client, app, demo, session):
    """The screening page of an unfinished Spanish sitting: the answers saved so far."""
    from app.models import Packet, Patient
    from app.services import kiosk, languages

    registry = app.extensions["tallyform.instruments"]
    with app.app_context():
        patient = session.scalar(sa.select(Patient).where(Patient.mrn == "103377"))
        packet = session.scalar(sa.select(Packet).where(Packet.name == "Follow-up"))
        screening = languages.start_screening(
            session, registry, patient, packet, language="es", gap_choice=None, created_by_id=None
        )
        screening.status = "in_progress"
        session.commit()
        kiosk.save_answer(session, registry, screening, "phq9", "1", 1)
        kiosk.save_answer(session, registry, screening, "phq9", "9", 1)  # listed while unfinished: urgent
        screening_id = screening.id
    login_as("clinician")

    text = page_text(client.get(f"/clinician/screenings/{screening_id}").text)

    assert "Answered in Spanish." in text
    assert "1. Poco interés o placer en hacer cosas English: Little interest or pleasure in doing things" in text
    assert "Varios días English: Several days" in text
    assert f"Item 9: “ {ES_ITEM9} ” English: “{EN_ITEM9}”" in text
