"""The interface language: a tablet sitting is shown in its own language; everything else
is English. Catalogues live in app/translations and are compiled by `make setup`.

Instrument wording is not here: it comes from the verified translation files
(questionnaires/translations), never from a catalogue.
"""

from __future__ import annotations

from flask import Flask, g
from flask_babel import Babel, get_locale

from app.instruments.translations import ENGLISH

babel = Babel()


def use_language(language: str | None) -> None:
    """Set the language of this request's pages; call before anything is rendered."""
    g.page_language = language


def _page_language() -> str:
    return g.get("page_language") or ENGLISH


def html_lang() -> str:
    return str(get_locale() or ENGLISH)


def init_app(app: Flask) -> None:
    babel.init_app(app, default_locale=ENGLISH, locale_selector=_page_language)
    app.add_template_global(html_lang, "html_lang")
