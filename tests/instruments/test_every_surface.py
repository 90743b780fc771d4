"""Every instrument in questionnaires/, in English and in each verified translation, is given
on the tablet step by step, served as a valid FHIR Questionnaire, and printed in the referral
summary. A new instrument file joins this loop by itself, and fails it if any of the three is
missing."""

from __future__ import annotations

import html
import re

import pytest

from app.config import PROJECT_ROOT
from app.instruments.registry import InstrumentRegistry
from tests.fixtures import Tablet, bearer, csrf_token_from, parse_fhir, referral_html_of

REGISTRY = InstrumentRegistry.from_directory(PROJECT_ROOT / "questionnaires")
SITTINGS = sorted(
    (instrument_id, language) for instrument_id in REGISTRY for language in REGISTRY.languages(instrument_id)
)
FIELD = re.compile(r'name="(item_[a-z0-9_]+)"')
OPTION = re.compile(r'<input[^>]*type="radio"[^>]*value="(-?\d+)"')


def _plain(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _texts(node) -> list[str]:
    """Every `text` in a FHIR resource, however deep."""
    if isinstance(node, list):
        return [text for child in node for text in _texts(child)]
    if isinstance(node, dict):
        own = [node["text"]] if isinstance(node.get("text"), str) else []
        return own + [text for key, child in node.items() if key != "text" for text in _texts(child)]
    return []


def _sit(tablet: Tablet) -> list[str]:
    """Every screen of the sitting, each answered with its highest option (so that a gate
    question leads on to its items), then submitted; the screens' words."""
    screens, location = [], "/kiosk/step/0"
    while location.startswith("/kiosk/step/"):
        page = tablet.client.get(location)
        assert page.status_code == 200, location
        screens.append(_plain(page.text))
        data = {"csrf_token": csrf_token_from(page.text), "nav": "next"}
        field = FIELD.search(page.text)
        if field:
            data[field.group(1)] = str(max(int(value) for value in OPTION.findall(page.text)))
        answered = tablet.client.post(location, data=data)
        assert answered.status_code == 302, location
        location = answered.headers["Location"]
        assert len(screens) < 100, "the sitting never reached its review"
    assert location == "/kiosk/review"
    assert tablet.submit().status_code == 302
    return screens


def test_every_instrument_file_is_in_the_loop(registry):
    files = {path.stem for path in (PROJECT_ROOT / "questionnaires").glob("*.yaml")}
    assert files == set(registry) == {instrument_id for instrument_id, _ in SITTINGS}
    assert {(t.translates, t.language) for t in registry.translations()} <= set(SITTINGS)


@pytest.mark.parametrize(("instrument_id", "language"), SITTINGS)
def test_instrument_is_given_on_the_tablet_served_as_fhir_and_printed(
    instrument_id, language, app, demo, registry, client, token, make_packet, start_in
):
    wording = registry.wording(instrument_id, language).definition
    english = registry[instrument_id].definition
    packet = make_packet(demo, f"Only {instrument_id}", [instrument_id])
    screening_id, code = start_in(language, packet)
    tablet = Tablet(client)
    assert tablet.enter_code(code).status_code == 302

    # the tablet: every item on a screen of its own, in the sitting's language
    screens = _sit(tablet)
    for item in wording.items:
        assert sum(_plain(html.escape(item.text)) in screen for screen in screens) == 1, item.id

    # FHIR: a valid Questionnaire carrying every item's published wording
    response = client.get(f"/fhir/Questionnaire/{instrument_id}", headers=bearer(token))
    assert response.status_code == 200
    questionnaire = parse_fhir(response.json)
    assert questionnaire.id == instrument_id
    assert {item.text for item in english.items} <= set(_texts(response.json))

    # the referral summary: a section for the instrument, every answered item worded as published
    printed = _plain(referral_html_of(app, screening_id))
    assert english.title in printed or wording.title in printed
    for item in english.items:
        assert item.text in printed, item.id
