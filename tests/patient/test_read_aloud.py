"""The tablet's "Listen" button: only where the clinic switched reading aloud on, carrying the
stem, the question and its options in the wording's language, for the browser to speak."""

import html
import re

import sqlalchemy as sa

from app.models import Clinic
from tests.patient.test_language_on_tablet import ES_STEM

LISTEN = re.compile(
    r'<button type="button" class="button small listen" hidden data-listen-lang="([a-z]+)" '
    r'data-listen-text="([^"]*)">([^<]*)</button>'
)


def _read_aloud(session, on: bool) -> None:
    for clinic in session.scalars(sa.select(Clinic)):
        clinic.read_aloud = on
    session.commit()


def test_no_listen_button_unless_the_clinic_switched_it_on(start_in, tablet, session):  # noqa: F811
    _screening_id, code = start_in("es")
    tablet.enter_code(code)

    page = tablet.step(0).text

    assert "listen" not in page
    assert "js/listen.js" not in page


def test_listen_button_carries_the_spanish_stem_item_and_options(start_in, tablet, session):  # noqa: F811
    _read_aloud(session, True)
    _screening_id, code = start_in("es")
    tablet.enter_code(code)

    page = tablet.step(0).text
    [(lang, text, label)] = LISTEN.findall(page)

    assert (lang, label) == ("es", "Escuchar")
    assert html.unescape(text) == (
        f"{ES_STEM} Poco interés o placer en hacer cosas. Ningún día. Varios días. "
        "Más de la mitad de los días. Casi todos los días."
    )
    assert "js/listen.js" in page


def test_listen_button_of_an_english_question_in_a_spanish_sitting_speaks_english(start_in, tablet, session, registry):  # noqa: F811
    from tests.patient.test_tablet_flow import steps_of

    _read_aloud(session, True)
    _screening_id, code = start_in("es", packet="New patient", gap_choice="english")
    tablet.enter_code(code)
    steps = steps_of(registry)
    pss_step = next(index for index, step in enumerate(steps) if step.instrument_id == "pss10" and step.kind == "item")

    [(lang, text, label)] = LISTEN.findall(tablet.step(pss_step).text)

    assert (lang, label) == ("en", "Escuchar")  # the button is the page's; the voice is the wording's
    assert html.unescape(text).startswith("In the last month, how often have you")


def test_no_listen_button_on_an_introduction_screen(start_in, tablet, session, registry):  # noqa: F811
    from tests.patient.test_tablet_flow import steps_of

    _read_aloud(session, True)
    _screening_id, code = start_in("en", packet="New patient")
    tablet.enter_code(code)
    intro = next(index for index, step in enumerate(steps_of(registry)) if step.kind == "intro")

    assert "data-listen-text" not in tablet.step(intro).text
