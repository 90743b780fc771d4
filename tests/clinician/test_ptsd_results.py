"""PTSD screening results as stored and shown: the PC-PTSD-5 is read against the clinic's chosen
cut-off (3 or 4, instruments-2.md §3), the PCL-5 reports its cluster sums and a provisional
diagnosis labelled as such (§4), and both say which cut-off was used and where it comes from."""

from __future__ import annotations

import sqlalchemy as sa

from app.models import Response, User
from tests.fixtures import at, page_text


def set_cut_off(app, instrument_id: str, value: int) -> None:
    from app.extensions import db, instruments
    from app.services.clinic_settings import save_instrument_setting

    with app.app_context():
        actor = db.session.scalar(sa.select(User).where(User.email == "admin@example.com"))
        save_instrument_setting(
            db.session, instruments(), actor, instrument_id, is_enabled=True, referral_threshold=value
        )


def stored(session, screening_id: int, instrument_id: str) -> Response:
    return session.scalar(
        sa.select(Response).where(Response.screening_id == screening_id, Response.instrument_id == instrument_id)
    )


def test_pc_ptsd5_total_of_three_is_positive_only_where_the_clinic_chose_the_sensitive_cut_off(
    app, session, demo_clinic
):
    patient = demo_clinic.patient("Three Yes", "900500")
    answers = {"pcptsd5": [1, 1, 1, 1, 0, 0]}  # exposure Yes, then 3 Yes

    at_default = demo_clinic.screening(patient, answers, at(2026, 6, 1), packet="PTSD")
    set_cut_off(app, "pcptsd5", 3)
    at_three = demo_clinic.screening(patient, answers, at(2026, 7, 1), packet="PTSD")

    assert (stored(session, at_default, "pcptsd5").band, stored(session, at_default, "pcptsd5").score["cut_off"]) == (
        "negative",
        4,
    )
    assert (stored(session, at_three, "pcptsd5").band, stored(session, at_three, "pcptsd5").score["cut_off"]) == (
        "positive",
        3,
    )


def test_history_shows_clusters_provisional_label_cut_off_source_and_women_note(app, client, login_as, demo_clinic):
    patient = demo_clinic.patient("Checklist", "900501")
    pcl5 = [2, 0, 0, 0, 0, 2, 0, 2, 2, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0]  # 1 B, 1 C, 2 D, 2 E at 2
    demo_clinic.screening(
        patient, {"pcptsd5": [0, None, None, None, None, None], "pcl5": pcl5}, at(2026, 6, 1), packet="PTSD both"
    )

    login_as("clinician")
    text = page_text(client.get(f"/clinician/patients/{patient}").text)

    assert (
        "Cluster B (items 1–5): 2; Cluster C (items 6–7): 2; Cluster D (items 8–14): 4; Cluster E (items 15–20): 4"
        in text
    )
    assert "Provisional PTSD diagnosis (DSM-5 symptom rule)." in text
    assert "published as a cut-off score between 31 and 33" in text
    assert "women may require a lower cut point" in text
    assert "screen total = 0 and the five items were not asked" in text
    assert "No published reliable-change threshold" in text
