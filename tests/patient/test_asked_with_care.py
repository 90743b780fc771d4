"""Asked with care: before a section about painful experiences (ACE, PTSD) the tablet shows the
clinic's plain-language introduction; sections are named in plain words, not acronyms; and the
CDC-Kaiser ACE items with alternatives are laid out line by line, words unchanged."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import sqlalchemy as sa

from app.models import Clinic, Patient
from app.models.clinic import DEFAULT_CARE_INTRO
from app.services import access_codes, packets, screenings


def start(app, session, registry, demo, instrument_ids, name="Care"):
    with app.app_context():
        packet = packets.save_packet(session, registry, session.get(Clinic, demo), name, instrument_ids)
        patient = session.scalar(sa.select(Patient).where(Patient.mrn == "103377"))
        screening = screenings.create_screening(session, patient, packet, created_by_id=None, registry=registry)
        return access_codes.issue_access_code(
            session, screening, secret_key=app.config["SECRET_KEY"], lifetime=timedelta(minutes=30), created_by_id=None
        )


def screens(tablet, count: int) -> list[str]:
    """The text of the first `count` screens, pressing Next without answering."""
    seen = []
    for index in range(count):
        page = tablet.step(index)
        if page.status_code != 200:
            break
        seen.append(" ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split()))
    return seen


def test_the_clinic_introduction_comes_before_the_ace_section_named_in_plain_words(
    app, session, registry, demo, tablet
):
    tablet.enter_code(start(app, session, registry, demo, ["pss10", "aceaware"]))

    pages = screens(tablet, 14)

    assert pages[0].count("Stress over the last month") >= 1  # the PSS-10's instructions, named plainly
    assert "PSS-10" not in pages[0]
    care = pages[11]  # after the PSS-10's instructions and 10 items
    assert "Your childhood" in care
    assert DEFAULT_CARE_INTRO in care
    assert "skip any question" in care
    assert "care team will talk with you about your answers" in care
    assert "Our relationships and experiences—even those in childhood" in pages[12]  # then the form's own preamble
    review = tablet.client.get("/kiosk/review").text
    assert "<h2>Stress over the last month</h2>" in review
    assert "<h2>Your childhood</h2>" in review


def test_an_edited_introduction_is_what_the_tablet_shows(app, session, registry, demo, tablet):
    clinic = session.get(Clinic, demo)
    clinic.care_intro_text = "These questions are about hard times.\nSkip any you like."
    session.commit()
    tablet.enter_code(start(app, session, registry, demo, ["pcptsd5"]))

    page = tablet.step(0).text

    assert '<p class="care-intro">These questions are about hard times.</p>' in page
    assert '<p class="care-intro">Skip any you like.</p>' in page
    assert "Frightening or upsetting events" in page


def test_one_introduction_before_a_run_of_such_sections(app, session, registry, demo, tablet):
    tablet.enter_code(start(app, session, registry, demo, ["pcptsd5", "pcl5"]))

    pages = screens(tablet, 40)

    assert sum(DEFAULT_CARE_INTRO in page for page in pages) == 1
    # the PC-PTSD-5's examples, as a list
    assert "<li>a serious accident or fire</li>" in tablet.step(1).text


def test_ace_item_alternatives_are_laid_out_on_separate_lines_words_unchanged(app, session, registry, demo, tablet):
    tablet.enter_code(start(app, session, registry, demo, ["ace"]))

    page = tablet.step(1).text  # after the introduction: ACE item 1

    lines = re.findall(r'<span class="line(?: line-or)?">([^<]*)</span>', page)
    assert lines == [
        "Did a parent or other adult in the household often or very often…",
        "Swear at you, insult you, put you down, or humiliate you?",
        "or",
        "Act in a way that made you afraid that you might be physically hurt?",
    ]
    assert " ".join(html.unescape(line) for line in lines) == registry["ace"].definition.item("1").text


def test_a_packet_opening_with_an_introduction_begins_at_it_not_as_a_resumed_sitting(
    app, session, registry, demo, tablet
):
    tablet.enter_code(start(app, session, registry, demo, ["pcptsd5"]))

    welcome = tablet.client.get("/kiosk/welcome").text

    assert "Welcome back" not in welcome
    assert 'href="/kiosk/step/0"' in welcome
