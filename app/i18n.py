"""The interface language: a tablet sitting is shown in its own language; everything else
is English. Catalogues live in app/translations and are compiled by `make setup`.

Instrument wording is not here: it comes from the verified translation files
(questionnaires/translations), never from a catalogue.
"""

from __future__ import annotations

from flask import Flask, g
from flask_babel import Babel, get_locale, gettext

from app.instruments.translations import ENGLISH

babel = Babel()


def use_language(language: str | None) -> None:
    """Set the language of this request's pages; call before anything is rendered."""
    g.page_language = language


def _page_language() -> str:
    return g.get("page_language") or ENGLISH


def html_lang() -> str:
    return str(get_locale() or ENGLISH)


def N_(message: str) -> str:  # noqa: N802 - Babel's own name for the marker
    """Marks a string for the catalogue where it is written, translated where it is shown."""
    return message


#: The instruments' plain-words section titles (`section_title` in questionnaires/*.yaml),
#: marked here so the catalogue carries them: the only interface wording an instrument file
#: holds. A test checks that every installed instrument's title is listed.
SECTION_TITLES = (
    N_("How you have been feeling over the last 2 weeks"),
    N_("Worry and nerves over the last 2 weeks"),
    N_("Stress over the last month"),
    N_("Your childhood"),
    N_("Problems after a very stressful experience"),
    N_("Frightening or upsetting events"),
)


def section_heading(definition, wording_lang: str) -> str:
    """The heading over an instrument's screens. Its plain-words section title ("Stress over
    the last month") is interface wording we wrote, so it comes from the catalogue, in the
    page's language when the questions are in it and in English beside English questions.
    Without one, the instrument's own short title is shown as its definition gives it."""
    if definition.section_title and wording_lang == html_lang():
        return gettext(definition.section_title)
    return definition.patient_title


def init_app(app: Flask) -> None:
    babel.init_app(app, default_locale=ENGLISH, locale_selector=_page_language)
    app.add_template_global(html_lang, "html_lang")
    app.add_template_global(section_heading, "section_heading")
