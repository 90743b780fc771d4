"""Reading a question aloud on the tablet, in chromium, with the browser's speech synthesis
replaced by a recorder (an init script), so the test hears exactly what would be spoken."""

from __future__ import annotations

import html

import pytest

from tests.browser.conftest import axe_violations, demo_app, issue_code, screenshot, serving

pytestmark = pytest.mark.browser

# Records each utterance instead of speaking; voices arrive late, as they do in Chrome, and
# only when the test says so (window.__loadVoices), with a voiceschanged event.
SPEECH_RECORDER = """
(() => {
  const listeners = [];
  window.__spoken = [];
  window.__voices = [];
  window.__loadVoices = (langs) => {
    window.__voices = langs.map((lang) => ({ lang, name: `Test voice ${lang}`, localService: true }));
    listeners.forEach((listener) => listener(new Event("voiceschanged")));
  };
  window.SpeechSynthesisUtterance = function (text) { this.text = text; this.lang = ""; this.voice = null; };
  Object.defineProperty(window, "speechSynthesis", {
    configurable: true,
    value: {
      getVoices: () => window.__voices,
      speak: (u) => window.__spoken.push({ text: u.text, lang: u.lang, voice: u.voice && u.voice.name }),
      cancel: () => {},
      addEventListener: (name, listener) => { if (name === "voiceschanged") listeners.push(listener); },
    },
  });
})();
"""


@pytest.fixture(scope="module")
def read_aloud_server(tmp_path_factory):
    """The demo on its own database, with reading aloud switched on for the clinic."""
    from app.extensions import db
    from app.models import Clinic

    app = demo_app(tmp_path_factory.mktemp("read-aloud"))
    with app.app_context():
        for clinic in db.session.query(Clinic):
            clinic.read_aloud = True
        db.session.commit()
    with serving(app) as url:
        yield app, url


def _spanish_code(app) -> str:
    return issue_code(app, packet="Follow-up", language="es")


def _first_question(browser, url: str, code: str, viewport: dict):
    context = browser.new_context(viewport=viewport)
    context.add_init_script(SPEECH_RECORDER)
    page = context.new_page()
    page.goto(f"{url}/kiosk/")
    page.get_by_label("Your code").fill(code)
    page.get_by_role("button", name="Start").click()
    page.get_by_role("link", name="Empezar").click()
    page.get_by_text("Pregunta 1 de").first.wait_for()
    return context, page


@pytest.mark.parametrize(
    "viewport", [{"width": 768, "height": 1024}, {"width": 390, "height": 844}], ids=["tablet", "phone"]
)
def test_listen_reads_stem_item_and_options_in_spanish_from_the_keyboard_without_moving_focus(
    browser, read_aloud_server, viewport
):
    app, url = read_aloud_server
    context, page = _first_question(browser, url, _spanish_code(app), viewport)
    listen = page.get_by_role("button", name="Escuchar")
    # no voice yet: no button that would do nothing
    assert listen.is_hidden()

    page.evaluate("window.__loadVoices(['en-US', 'es-US'])")
    listen.wait_for(state="visible")
    assert axe_violations(page) == []
    screenshot(page, f"es-kiosk-listen-{viewport['width']}")

    # Tab to the button as a keyboard user would, then Enter, then Space.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('listen')"):
            break
    else:
        pytest.fail("the Listen button cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.keyboard.press("Space")

    spoken = page.evaluate("window.__spoken")
    expected = html.unescape(listen.get_attribute("data-listen-text"))
    assert [entry["text"] for entry in spoken] == [expected, expected]
    assert {entry["lang"] for entry in spoken} == {"es"}
    assert {entry["voice"] for entry in spoken} == {"Test voice es-US"}
    assert expected.startswith("Durante las últimas 2 semanas, ¿qué tan seguido")
    for words in ("Poco interés o placer en hacer cosas.", "Ningún día.", "Casi todos los días."):
        assert words in expected
    assert page.evaluate("document.activeElement.classList.contains('listen')")  # focus stayed
    assert "/kiosk/step/0" in page.url  # and nothing was submitted
    context.close()


def test_listen_stays_hidden_without_a_voice_for_the_language(browser, read_aloud_server):
    app, url = read_aloud_server
    context, page = _first_question(browser, url, _spanish_code(app), {"width": 768, "height": 1024})

    page.evaluate("window.__loadVoices(['en-US', 'fr-FR'])")

    assert page.locator("button.listen").is_hidden()
    context.close()


def test_listen_stays_hidden_without_javascript(browser, read_aloud_server):
    app, url = read_aloud_server
    code = _spanish_code(app)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{url}/kiosk/")
    page.get_by_label("Your code").fill(code)
    page.get_by_role("button", name="Start").click()
    page.goto(f"{url}/kiosk/step/0")

    assert page.locator("button.listen").count() == 1
    assert page.locator("button.listen").is_hidden()
    context.close()
