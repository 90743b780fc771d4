"""A Spanish sitting end to end, on a tablet and a phone: the front desk is warned about the
questionnaires not available in Spanish, the patient sees Spanish throughout and can switch."""

import re

import pytest

from app.models.clinic import DEFAULT_CRISIS_TEXT, DEFAULT_CRISIS_TEXTS
from tests.browser.conftest import axe_violations, screenshot, staff_sign_in
from tests.patient.test_interface_language import _no_english_left

pytestmark = pytest.mark.browser
PREGUNTA = re.compile(r"Pregunta (\d+) de (\d+)")


def assert_accessible(page):
    assert axe_violations(page) == [], page.url
    # and Spanish throughout: no interface string of the catalogue left in English
    if page.locator("html").get_attribute("lang") == "es":
        assert _no_english_left(page.content()) == [], page.url


@pytest.mark.parametrize("viewport", ["tablet", "phone"])
def test_spanish_sitting_from_check_in_to_thank_you(live_server, new_page, viewport):
    desk = new_page(viewport)
    staff_sign_in(desk, live_server, "frontdesk")
    desk.get_by_role("link", name="Check-in").click()
    desk.get_by_label("MRN or name").fill("weiss")
    desk.get_by_role("button", name="Find").click()
    desk.get_by_role("list", name="patient found").get_by_role("link", name="Daniel Weiss").click()
    desk.get_by_label("Questionnaires to give").select_option(label="New patient")
    desk.get_by_label("Language the patient reads best").select_option(label="Spanish (Español)")
    desk.get_by_role("button", name="Start the screening").click()

    warning = desk.locator("#language-gap")
    assert "PSS-10" in warning.inner_text()
    assert desk.locator(".access-code").count() == 0
    assert_accessible(desk)
    screenshot(desk, f"es-checkin-1-warning-{viewport}")
    desk.get_by_label("Leave them out this time").check()
    desk.get_by_role("button", name="Start the screening").click()
    desk.get_by_role("button", name="Show a code for the tablet").click()
    code = desk.locator(".access-code").inner_text()

    page = new_page(viewport)
    page.goto(f"{live_server}/kiosk/")
    page.get_by_label("Your code").fill(code)
    page.get_by_role("button", name="Start").click()
    page.get_by_text("17 preguntas").wait_for()
    assert page.locator("html").get_attribute("lang") == "es"
    assert_accessible(page)
    screenshot(page, f"es-kiosk-1-welcome-{viewport}")

    # The patient can switch language, and back, on the welcome screen.
    page.get_by_role("button", name="English").click()
    page.get_by_text("17 questions").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="Español").click()
    page.get_by_text("17 preguntas").wait_for()

    page.get_by_role("link", name="Empezar").click()
    while "/kiosk/step/" in page.url:
        number = int(PREGUNTA.search(page.content()).group(1))
        options = page.locator("label.option")
        options.nth(options.count() - 1).click()
        if number == 1:
            assert page.locator(".section-title").inner_text() == "Cómo se ha sentido en las últimas 2 semanas"
        if number in (1, 9, 11):
            assert_accessible(page)
            screenshot(page, f"es-kiosk-2-question-{number}-{viewport}")
        page.get_by_role("button", name="Siguiente").click()
        page.wait_for_load_state()
    assert page.url.endswith("/kiosk/review")
    assert page.locator("html").get_attribute("lang") == "es"
    assert_accessible(page)
    screenshot(page, f"es-kiosk-3-review-{viewport}")

    page.get_by_role("button", name="Enviar mis respuestas").click()
    page.get_by_role("heading", name="Gracias. Por favor, devuelva la tableta").wait_for()
    assert page.locator("html").get_attribute("lang") == "es"
    # item 9 was answered above "Ningún día": the clinic's support message, in Spanish
    support = page.locator(".support p")
    assert support.inner_text() == DEFAULT_CRISIS_TEXTS["es"]
    assert support.get_attribute("lang") is None  # the page's own language
    assert DEFAULT_CRISIS_TEXT not in page.content()
    assert_accessible(page)
    screenshot(page, f"es-kiosk-4-done-{viewport}")
