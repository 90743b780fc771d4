"""The patient pages speak the sitting's language: <html lang>, and every interface string
from the catalogue, with no English left on a Spanish page."""

import html
import re

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from app.config import PROJECT_ROOT
from app.models import Clinic, Screening
from tests.conftest import csrf_token_from
from tests.patient.test_tablet_flow import answers_for, steps_of

SPANISH_PO = PROJECT_ROOT / "app" / "translations" / "es" / "LC_MESSAGES" / "messages.po"
FOLLOW_UP = {"phq9": [0, 0, 0, 0, 0, 0, 0, 0, 1, 0], "gad7": [0, 0, 0, 0, 0, 0, 0]}


def _catalogue():
    with SPANISH_PO.open("rb") as file:
        return read_po(file, locale="es")


def _english_strings():
    """Every English interface string of the catalogue as it would appear on a page (the
    part before any placeholder or markup), where the Spanish differs."""
    strings = set()
    for message in _catalogue():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        for english in ids:
            fixed = re.split(r"%\(|<", english)[0].strip()
            if len(fixed) > 3 and fixed not in texts:
                strings.add(fixed)
    return strings


def _no_english_left(page: str) -> list[str]:
    visible = html.unescape(re.sub(r"<[^>]+>", " ", page))
    visible = re.sub(r"\s+", " ", visible)
    return sorted(english for english in _english_strings() if re.search(rf"(?<!\w){re.escape(english)}", visible))


def test_every_interface_string_has_a_reviewed_spanish_translation():
    catalogue = _catalogue()

    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), message.id
        assert not message.fuzzy, message.id


def test_catalogue_holds_every_string_the_code_and_templates_mark(tmp_path):
    """An interface string added without its translation is caught here."""
    extracted = tmp_path / "messages.pot"
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", str(PROJECT_ROOT / "babel.cfg"), "-o", str(extracted), str(PROJECT_ROOT)]
    )
    with extracted.open("rb") as file:
        marked = {message.id for message in read_po(file) if message.id}

    assert marked == {message.id for message in _catalogue() if message.id}


def test_spanish_sitting_pages_are_spanish_throughout(start_in, tablet, registry):  # noqa: F811
    _screening_id, code = start_in("es")
    tablet.enter_code(code)

    welcome = tablet.client.get("/kiosk/welcome").text
    step = tablet.step(0).text
    review = tablet.client.get("/kiosk/review").text

    for page in (welcome, step, review):
        assert '<html lang="es">' in page
        assert _no_english_left(page) == []
    assert "Le damos la bienvenida a Riverside Integrated Care" in html.unescape(welcome)
    assert "Hay <strong>17 preguntas</strong>, una en cada pantalla." in html.unescape(welcome)
    assert "Pregunta 1 de 17" in step
    assert "¿Sigue ahí?" in html.unescape(step)
    assert "Enviar mis respuestas" in review


def test_spanish_thank_you_page_after_sending(start_in, tablet, registry, session):  # noqa: F811
    screening_id, code = start_in("es")
    tablet.enter_code(code)
    tablet.complete(answers_for(registry, FOLLOW_UP), len(steps_of(registry, list(FOLLOW_UP))))

    done = tablet.client.get("/kiosk/done").text

    assert '<html lang="es">' in done
    assert "Gracias. Por favor, devuelva la tableta" in done
    assert "Estamos aquí para ayudarle" in html.unescape(done)
    assert _no_english_left(done) == []


def test_thank_you_page_shows_the_clinics_own_spanish_support_text(start_in, tablet, registry, session):  # noqa: F811
    screening_id, code = start_in("es")
    clinic = session.get(Clinic, session.get(Screening, screening_id).clinic_id)
    spanish = "Por favor, avise ahora a la recepción. Puede llamar o enviar un mensaje de texto al 988."
    clinic.crisis_texts = {"es": spanish}
    session.commit()
    tablet.enter_code(code)
    tablet.complete(answers_for(registry, FOLLOW_UP), len(steps_of(registry, list(FOLLOW_UP))))

    done = html.unescape(tablet.client.get("/kiosk/done").text)

    assert f"<p>{spanish}</p>" in done  # in the page's own language, so no lang="en"
    assert clinic.crisis_text not in done


def test_thank_you_page_falls_back_to_english_support_text_marked_as_english(start_in, tablet, registry, session):  # noqa: F811
    """A sitting begun in Spanish before the clinic stopped offering it and removed its message."""
    screening_id, code = start_in("es")
    clinic = session.get(Clinic, session.get(Screening, screening_id).clinic_id)
    clinic.crisis_texts, clinic.offered_languages = {}, []
    session.commit()
    tablet.enter_code(code)
    tablet.complete(answers_for(registry, FOLLOW_UP), len(steps_of(registry, list(FOLLOW_UP))))

    done = html.unescape(tablet.client.get("/kiosk/done").text)

    assert f'<p lang="en">{clinic.crisis_text}</p>' in done


def test_switching_on_the_welcome_screen_switches_the_interface(start_in, tablet):  # noqa: F811
    _screening_id, code = start_in("en")
    tablet.enter_code(code)
    welcome = tablet.client.get("/kiosk/welcome").text
    assert '<html lang="en">' in welcome
    assert "Welcome to Riverside Integrated Care" in welcome

    tablet.client.post("/kiosk/language", data={"language": "es", "csrf_token": csrf_token_from(welcome)})

    assert '<html lang="es">' in tablet.client.get("/kiosk/welcome").text


@pytest.mark.parametrize("path", ["/kiosk/", "/check-in/"])
def test_pages_outside_a_spanish_sitting_stay_english(client, demo, path):
    page = client.get(path, follow_redirects=True).text

    assert '<html lang="en">' in page


def test_error_page_inside_a_spanish_sitting_is_spanish(start_in, tablet):  # noqa: F811
    _screening_id, code = start_in("es")
    tablet.enter_code(code)

    page = tablet.client.get("/kiosk/step/999")

    assert page.status_code == 404
    assert '<html lang="es">' in page.text
    assert "No se encontró la página" in html.unescape(page.text)
    assert _no_english_left(page.text) == []


def test_every_instruments_section_title_is_in_the_catalogue(registry):
    """Section titles are interface wording: the Spanish heading comes from the catalogue."""
    from app.i18n import SECTION_TITLES

    titles = {loaded.definition.section_title for loaded in registry.values() if loaded.definition.section_title}
    translated = {message.id: message.string for message in _catalogue() if message.id}

    assert titles <= set(SECTION_TITLES)
    assert all(translated[title] for title in titles)
