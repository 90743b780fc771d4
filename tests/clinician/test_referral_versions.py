"""A referral is never silently lost: each save is a new, immutable version, the saved one is
shown and fills the form, earlier versions stay readable, and the PDF shows the current one."""

from __future__ import annotations

import html
import io
import re

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.models import Clinic
from tests.fixtures import latest_screening_id, page_text, post_form

DESTINATION = "Behavioral Health – Dr Rivera"
FIRST = {
    "reason": "Moderate depressive symptoms, wants talking therapy",
    "destination": DESTINATION,
    "note": "Prefers afternoon appointments; needs an interpreter (Spanish).",
}


def _page(session, name: str = "Maria Alvarez") -> str:
    return f"/clinician/screenings/{latest_screening_id(session, name)}"


def _versions(session, page: str) -> list:
    from app.models import ReferralVersion

    session.expire_all()
    screening_id = int(page.rsplit("/", 1)[1])
    query = sa.select(ReferralVersion).where(ReferralVersion.screening_id == screening_id)
    return list(session.scalars(query.order_by(ReferralVersion.version)))


def _form_values(page_html: str) -> dict:
    """What the browser would send back from the referral form as it is shown."""
    form = re.search(r'<form[^>]*action="[^"]*/referral"[^>]*>(.*?)</form>', page_html, re.S).group(1)
    values = {
        name: html.unescape(text.lstrip("\r\n"))
        for name, text in re.findall(r'<textarea[^>]*name="(\w+)"[^>]*>(.*?)</textarea>', form, re.S)
    }
    select = re.search(r'<select[^>]*name="destination"[^>]*>(.*?)</select>', form, re.S).group(1)
    chosen = re.search(r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', select)
    values["destination"] = html.unescape((chosen.group(1) or chosen.group(2)) if chosen else "")
    for name, value in re.findall(r'<input[^>]*name="(\w+)"[^>]*type="hidden"[^>]*value="([^"]*)"', form):
        if name != "csrf_token":
            values[name] = value
    for name, value in re.findall(r'<input[^>]*type="hidden"[^>]*name="(\w+)"[^>]*value="([^"]*)"', form):
        if name != "csrf_token":
            values[name] = value
    return values


def test_demo_clinic_offers_referral_destinations(demo, session):
    assert session.get(Clinic, demo).referral_destinations


def test_saving_a_referral_twice_keeps_both_versions_and_loses_no_field(login_as, client, session):
    login_as("clinician")
    page = _page(session)
    assert post_form(client, page, {**FIRST, "based_on": "0"}, url=f"{page}/referral").status_code == 302

    shown = client.get(page).text
    # the saved referral is on the page and fills the form
    assert FIRST["note"] in page_text(shown)
    values = _form_values(shown)
    assert (values["reason"], values["destination"], values["note"]) == (
        FIRST["reason"],
        FIRST["destination"],
        FIRST["note"],
    )

    # the clinician changes only the reason, as the pre-filled form is sent
    second_reason = "Moderate depressive symptoms and panic attacks; wants talking therapy"
    saved = post_form(client, page, {**values, "reason": second_reason}, url=f"{page}/referral")
    assert saved.status_code == 302

    first, second = _versions(session, page)
    assert (first.version, first.reason, first.destination, first.note) == (
        1,
        FIRST["reason"],
        DESTINATION,
        FIRST["note"],
    )
    assert (second.version, second.reason, second.destination, second.note) == (
        2,
        second_reason,
        DESTINATION,
        FIRST["note"],
    )
    assert second.changed == ["reason"]
    assert first.created_by_id == second.created_by_id is not None

    text = page_text(client.get(page).text)
    assert "Version 2" in text
    assert "Version 1" in text
    assert FIRST["reason"] in text  # the earlier wording is still readable
    assert "Changed: reason" in text


def test_the_pdf_shows_the_current_referral(login_as, client, session):
    login_as("clinician")
    page = _page(session)
    post_form(client, page, {**FIRST, "based_on": "0"}, url=f"{page}/referral")
    post_form(
        client,
        page,
        {**FIRST, "note": "Interpreter booked for Thursday.", "based_on": "1"},
        url=f"{page}/referral",
    )
    pdf = client.get(f"{page}/referral-summary.pdf")
    assert pdf.status_code == 200
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages).split())
    assert "Interpreter booked for Thursday." in text
    assert "Prefers afternoon appointments" not in text
    assert "version 2" in text


def test_a_save_based_on_an_older_version_is_refused_and_keeps_the_text_typed(login_as, client, session):
    login_as("clinician")
    page = _page(session)
    post_form(client, page, {**FIRST, "based_on": "0"}, url=f"{page}/referral")
    typed = {**FIRST, "note": "Written while a colleague saved theirs.", "based_on": "0"}
    refused = post_form(client, page, typed, url=f"{page}/referral")
    assert refused.status_code == 400
    assert "newer version" in page_text(refused.text)
    assert "Written while a colleague saved theirs." in refused.text
    assert len(_versions(session, page)) == 1


def test_saving_an_unchanged_referral_adds_no_version(login_as, client, session):
    login_as("clinician")
    page = _page(session)
    post_form(client, page, {**FIRST, "based_on": "0"}, url=f"{page}/referral")
    again = post_form(client, page, {**FIRST, "based_on": "1"}, url=f"{page}/referral")
    assert again.status_code == 400
    assert "Nothing changed" in page_text(again.text)
    assert len(_versions(session, page)) == 1


def test_referral_comes_before_review_on_the_page(login_as, client, session):
    login_as("clinician")
    text = client.get(_page(session)).text
    assert text.index('id="referral-heading"') < text.index('id="status-heading"')


def test_referral_versions_cannot_be_changed(login_as, client, session):
    from app.models.screening import ImmutableRecordError

    login_as("clinician")
    page = _page(session)
    post_form(client, page, {**FIRST, "based_on": "0"}, url=f"{page}/referral")
    (version,) = _versions(session, page)
    version.note = "rewritten"
    with pytest.raises(ImmutableRecordError):
        session.commit()
    session.rollback()
    for statement in (
        sa.text("UPDATE referral_version SET note = 'x' WHERE id = :id"),
        sa.text("DELETE FROM referral_version WHERE id = :id"),
    ):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            session.execute(statement, {"id": version.id})
        session.rollback()


def test_a_referral_saved_before_versions_existed_becomes_version_1(app, database_url, session, demo):
    from alembic import command
    from alembic.script import ScriptDirectory

    from app.cli import alembic_config
    from app.models import ReferralVersion, ScreeningReview, User

    app.extensions["tallyform.engine"].dispose()
    session.close()
    config = alembic_config(database_url)
    config.attributes["skip_logging"] = True
    before_versions = ScriptDirectory.from_config(config).get_revision("0070").down_revision
    command.downgrade(config, before_versions)
    screening_id = latest_screening_id(session, "Maria Alvarez")
    clinician = session.scalar(sa.select(User).where(User.email == "clinician@example.com"))
    # the review row the worklist keeps for every listed screening, holding a referral as then
    session.execute(sa.delete(ScreeningReview.__table__).where(ScreeningReview.screening_id == screening_id))
    session.execute(
        sa.insert(ScreeningReview.__table__).values(
            screening_id=screening_id,
            clinic_id=demo,
            status="needs_review",
            referral_reason=FIRST["reason"],
            referral_destination=DESTINATION,
            referral_note=FIRST["note"],
            referral_by_id=clinician.id,
            referral_at=sa.func.now(),
        )
    )
    session.commit()
    session.close()
    command.upgrade(config, "head")
    (version,) = session.scalars(sa.select(ReferralVersion).where(ReferralVersion.screening_id == screening_id))
    assert (version.version, version.reason, version.destination, version.note, version.created_by_id) == (
        1,
        FIRST["reason"],
        DESTINATION,
        FIRST["note"],
        clinician.id,
    )
    assert version.changed == ["reason", "destination", "note"]
