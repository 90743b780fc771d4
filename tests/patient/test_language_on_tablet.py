"""A Spanish sitting: the tablet shows the verified Spanish wording, the patient can switch
language on the welcome screen, and each response keeps the language and wording seen."""

import html
import re

import sqlalchemy as sa

from app.models import InstrumentVersion, Response, Screening
from app.services import languages
from tests.conftest import csrf_token_from
from tests.patient.test_tablet_flow import answers_for, steps_of

ES_STEM = "Durante las últimas 2 semanas, ¿qué tan seguido ha tenido molestias debido a los siguientes problemas?"


def test_spanish_sitting_shows_the_spanish_stem_item_and_options(start_in, tablet):
    _screening_id, code = start_in("es")
    tablet.enter_code(code)

    page = html.unescape(tablet.step(0).text)

    assert ES_STEM in page
    assert "Poco interés o placer en hacer cosas" in page
    for label in ("Ningún día", "Varios días", "Más de la mitad de los días", "Casi todos los días"):
        assert f"<span>{label}</span>" in page
    assert "Little interest" not in page


def test_spanish_responses_keep_language_and_pinned_translation_and_score_as_english(
    start_in, tablet, registry, session
):
    screening_id, code = start_in("es")
    tablet.enter_code(code)
    values = {"phq9": [2, 2, 2, 2, 1, 0, 0, 0, 1, 1], "gad7": [2, 2, 2, 2, 2, 0, 0]}

    tablet.complete(answers_for(registry, values), len(steps_of(registry, list(values))))

    stored = {
        r.instrument_id: r for r in session.scalars(sa.select(Response).where(Response.screening_id == screening_id))
    }
    assert {key: (r.total, r.band, r.language) for key, r in stored.items()} == {
        "phq9": (10, "moderate", "es"),
        "gad7": (10, "moderate", "es"),
    }
    for instrument_id, response in stored.items():
        translation = registry.translation(instrument_id, "es")
        assert response.instrument_version == registry[instrument_id].version
        assert response.translation_version == translation.version
        pinned = session.get(InstrumentVersion, response.translation_version)
        assert pinned.definition == translation.definition.model_dump(mode="json")
    assert stored["phq9"].score["syndrome"] == "major"
    assert session.get(Screening, screening_id).is_urgent


def test_instrument_given_in_english_in_a_spanish_sitting_is_stored_as_english(start_in, tablet, registry, session):
    screening_id, code = start_in("es", packet="New patient", gap_choice="english")
    tablet.enter_code(code)
    steps = steps_of(registry)
    pss_step = next(index for index, step in enumerate(steps) if step.instrument_id == "pss10" and step.kind == "item")

    pss_page = html.unescape(tablet.step(pss_step).text)
    assert "In the last month, how often have you" in pss_page
    assert '<fieldset lang="en">' in pss_page
    assert "<fieldset>" in tablet.step(0).text  # the Spanish wording is in the page's own language

    review = html.unescape(tablet.client.get("/kiosk/review").text)
    assert '<span lang="en">In the last month, how often have you' in review
    assert "<span>Poco interés o placer en hacer cosas</span>" in review

    tablet.submit()
    stored = {
        r.instrument_id: r for r in session.scalars(sa.select(Response).where(Response.screening_id == screening_id))
    }
    assert (stored["pss10"].language, stored["pss10"].translation_version) == ("en", None)
    assert stored["phq9"].language == "es"


def test_patient_switches_to_spanish_on_the_welcome_screen(start_in, tablet, session):
    screening_id, code = start_in("en")
    tablet.enter_code(code)
    welcome = tablet.client.get("/kiosk/welcome")
    assert '<button type="submit" name="language" value="es" lang="es"' in welcome.text

    response = tablet.client.post(
        "/kiosk/language", data={"language": "es", "csrf_token": csrf_token_from(welcome.text)}
    )

    assert response.headers["Location"] == "/kiosk/welcome"
    assert "Poco interés o placer en hacer cosas" in html.unescape(tablet.step(0).text)
    screening = session.get(Screening, screening_id)
    session.refresh(screening)
    assert screening.language == "es"
    assert screening.patient.language == "es"


def test_switch_to_a_language_not_offered_changes_nothing(start_in, tablet, session):
    screening_id, code = start_in("en")
    tablet.enter_code(code)
    welcome = tablet.client.get("/kiosk/welcome")

    tablet.client.post("/kiosk/language", data={"language": "pt", "csrf_token": csrf_token_from(welcome.text)})

    screening = session.get(Screening, screening_id)
    session.refresh(screening)
    assert screening.language == "en"
    assert re.search(r"Little interest or pleasure in doing things", tablet.step(0).text)


def test_language_cannot_be_switched_after_the_first_answer(start_in, tablet, session):
    """A response records one language for all its answers."""
    screening_id, code = start_in("en")
    tablet.enter_code(code)
    tablet.answer(0, 1)
    welcome = tablet.client.get("/kiosk/welcome")
    assert 'name="language"' not in welcome.text

    token = csrf_token_from(tablet.step(0).text)  # the same session's token, as a crafted post would carry

    tablet.client.post("/kiosk/language", data={"language": "es", "csrf_token": token})

    screening = session.get(Screening, screening_id)
    session.refresh(screening)
    assert screening.language == "en"
    assert "Little interest or pleasure in doing things" in tablet.step(0).text


def test_section_headings_of_spanish_questions_are_spanish(start_in, tablet, registry):
    """The plain-words section title is interface wording: it comes from the catalogue."""
    _screening_id, code = start_in("es")
    tablet.enter_code(code)
    first_gad7 = len(steps_of(registry, ["phq9"]))

    phq9_page = html.unescape(tablet.step(0).text)
    gad7_page = html.unescape(tablet.step(first_gad7).text)
    review = html.unescape(tablet.client.get("/kiosk/review").text)

    assert '<span class="section-title">Cómo se ha sentido en las últimas 2 semanas</span>' in phq9_page
    assert '<span class="section-title">Preocupación y nervios en las últimas 2 semanas</span>' in gad7_page
    assert "<h2>Cómo se ha sentido en las últimas 2 semanas</h2>" in review
    for page in (phq9_page, gad7_page, review):
        assert "How you have been feeling" not in page
        assert "Worry and nerves" not in page


def test_section_heading_of_an_instrument_given_in_english_stays_english_and_says_so(start_in, tablet, registry):
    _screening_id, code = start_in("es", packet="New patient", gap_choice=languages.GIVE_IN_ENGLISH)
    tablet.enter_code(code)

    review = html.unescape(tablet.client.get("/kiosk/review").text)

    assert '<h2 lang="en">Stress over the last month</h2>' in review
