"""Responses stored under the ace.yaml shipped before 2026-11-25 (CDC-Kaiser wording scored with
the ACEs Aware tiers) keep the score and tier they were given: the pinned version is what every
page reads, not today's file, which gives the CDC-Kaiser count with no tier."""

from __future__ import annotations

import shutil

from app.config import PROJECT_ROOT
from app.instruments.registry import InstrumentRegistry
from app.models import Response
from app.reports.context import referral_context
from tests.fixtures import at, page_text

# sha256 of the ace.yaml every clinic ran before the change, as pinned in their databases.
SHIPPED_ACE_VERSION = "6391e1e2e554b372907946a340b24f715fa78f4d30aa6c364f07a5d211b57fa8"


def registry_before_the_change(tmp_path) -> InstrumentRegistry:
    directory = tmp_path / "questionnaires"
    shutil.copytree(PROJECT_ROOT / "questionnaires", directory)
    shutil.copy(PROJECT_ROOT / "tests" / "data" / "ace_before_2026_11_25" / "ace.yaml", directory / "ace.yaml")
    return InstrumentRegistry.from_directory(directory)


def test_response_under_the_old_ace_version_keeps_its_score_and_tier(
    app, session, client, login_as, demo_clinic, tmp_path
):
    older = registry_before_the_change(tmp_path)
    assert older["ace"].version == SHIPPED_ACE_VERSION
    patient = demo_clinic.patient("Old Ace", "900400")
    screening_id = demo_clinic.screening(
        patient,
        {"ace": [1, 1, 1, 0, 0, 0, 0, 0, 0, 0]},  # 3 Yes
        at(2026, 6, 1),
        packet="ACE before",
        clinician_inputs={"ace": {"aahc": "yes"}},
        registry=older,
    )

    with app.app_context():
        from app.extensions import instruments

        assert instruments()["ace"].version != SHIPPED_ACE_VERSION  # today's file is the new one
        report = referral_context(session, screening_id, generated_at=at(2026, 12, 1))
    response = session.query(Response).filter_by(screening_id=screening_id).one()
    assert response.instrument_version == SHIPPED_ACE_VERSION
    assert (response.total, response.band) == (3, "intermediate")
    [result] = report["results"]
    assert (result["total"], result["band_label"]) == (3, "Intermediate risk")

    login_as("clinician")
    history = page_text(client.get(f"/clinician/patients/{patient}").text)
    assert "Intermediate risk" in history
    # that day's worklist: the demo clinic's generated history fills the first page
    worklist = page_text(client.get("/clinician/?date_from=2026-06-01&date_to=2026-06-01").text)
    assert "Old Ace" in worklist
    assert "3 Intermediate risk" in worklist
