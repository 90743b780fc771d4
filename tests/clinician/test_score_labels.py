"""Labels wherever a band appears: every page and document that shows a PSS-10 or ACE result
carries "not validated" beside the PSS-10 band and the ACE caveat, from one labelling rule."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.instruments.labels import band_text, score_label
from tests.fixtures import latest_screening_id, page_text, patient_id

# Aisha Rahman's first visit (seeds/): PSS-10 total 35, ACE 6 "Yes" answers
PSS10_BAND = "High (not validated)"
ACE_CAVEAT = "the ACE score is neither a diagnostic tool nor is it predictive at the individual level"
PHQ9_ITEM10 = "If you checked off any problems, how difficult have these problems made it for you"
PHQ9_STEM = "Over the last 2 weeks, how often have you been bothered by any of the following problems?"


def test_the_labelling_rule_reads_the_definition(registry):
    pss10, ace, phq9 = (registry[name].definition for name in ("pss10", "ace", "phq9"))
    assert band_text(pss10, "Moderate") == "Moderate (not validated)"
    assert band_text(phq9, "Moderate") == "Moderate"
    label = score_label(ace, {"total": 6, "band_label": "High risk", "notes": []})
    assert label.band_text == "High risk"
    assert any(ACE_CAVEAT in caveat for caveat in label.caveats)
    syndrome = score_label(phq9, {"total": 20, "band_label": "Severe", "syndrome_label": "Major (provisional)"})
    assert syndrome.syndrome_note.startswith("Provisional")


@pytest.fixture
def aisha(session, demo) -> int:
    return latest_screening_id(session, "Aisha Rahman")


def _assert_labelled(text: str, where: str) -> None:
    assert PSS10_BAND in text, f"{where}: PSS-10 band without its label"
    assert ACE_CAVEAT in text, f"{where}: ACE result without its caveat"


def test_every_page_showing_pss10_or_ace_labels_it(login_as, client, session, aisha):
    login_as("clinician")
    pages = {
        "worklist": "/clinician/",
        "screening page": f"/clinician/screenings/{aisha}",
        "history": f"/clinician/patients/{patient_id(session, 'Aisha Rahman')}",
    }
    for where, path in pages.items():
        response = client.get(path)
        assert response.status_code == 200, where
        _assert_labelled(page_text(response.text), where)


def test_the_referral_pdf_labels_pss10_and_ace_beside_the_results_table(login_as, client, aisha):
    login_as("clinician")
    pdf = client.get(f"/clinician/screenings/{aisha}/referral-summary.pdf")
    assert pdf.status_code == 200
    first_page = " ".join(PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text().split())
    _assert_labelled(first_page, "PDF page 1")


def test_the_csv_export_labels_pss10_and_ace_rows(runner, session, aisha, tmp_path):
    out = tmp_path / "responses.csv"
    assert runner.invoke(args=["export-csv", "--since", "2026-01-01", "--out", str(out)]).exit_code == 0
    rows = [row for row in csv.DictReader(io.StringIO(out.read_text())) if row["screening_id"] == str(aisha)]
    by_instrument = {row["instrument"]: row for row in rows}
    assert by_instrument["pss10"]["band_label"] == PSS10_BAND
    assert "Non-validated convention" in by_instrument["pss10"]["caveats"]
    assert ACE_CAVEAT in by_instrument["aceaware"]["caveats"]  # the demo's new-patient packet asks ACEs Aware
    assert by_instrument["phq9"]["band_label"] == "Moderate"
    assert by_instrument["phq9"]["caveats"] == ""


def test_the_fhir_bundle_labels_pss10_and_ace_observations(runner, aisha):
    result = runner.invoke(args=["export-fhir", str(aisha)])
    assert result.exit_code == 0, result.output
    totals = {
        entry["resource"]["code"]["text"]: entry["resource"]
        for entry in json.loads(result.output)["entry"]
        if entry["resource"]["resourceType"] == "Observation" and "valueInteger" in entry["resource"]
    }
    assert totals["PSS-10 total score"]["interpretation"][0]["text"] == PSS10_BAND
    ace = next(resource for text, resource in totals.items() if text.startswith("ACEs Aware ACE"))
    assert any(ACE_CAVEAT in note["text"] for note in ace["note"])


def test_phq9_item_10_is_shown_under_its_own_question_not_the_frequency_stem(login_as, client, aisha):
    login_as("clinician")
    page = client.get(f"/clinician/screenings/{aisha}").text
    phq9_answers = re.search(r'aria-label="PHQ-9 answers".*?</table>', page, re.S).group(0)
    groups = re.findall(r"<tbody.*?</tbody>", phq9_answers, re.S)
    under_stem = [group for group in groups if PHQ9_STEM in group]
    assert len(under_stem) == 1
    assert "Little interest or pleasure in doing things" in under_stem[0]
    assert PHQ9_ITEM10 not in under_stem[0]
    assert any(PHQ9_ITEM10 in group for group in groups)


def test_the_screening_page_shows_each_instruments_answers_as_worded(login_as, client, session, aisha):
    from app.models import Response

    login_as("clinician")
    text = page_text(client.get(f"/clinician/screenings/{aisha}").text)
    for instrument in ("PHQ-9", "GAD-7", "PSS-10", "ACEs Aware ACE"):
        assert f"{instrument} answers" in client.get(f"/clinician/screenings/{aisha}").text
    assert "Feeling nervous, anxious or on edge More than half the days (2)" in text
    assert "Did you live with anyone who went to jail or prison? Yes (1)" in text
    assert session.scalar(sa.select(sa.func.count()).select_from(Response).where(Response.screening_id == aisha)) == 4


def test_the_tablet_asks_phq9_item_10_without_the_frequency_stem(start_screening, client, registry):
    from app.patient.flow import build_steps
    from tests.fixtures import Tablet

    _screening_id, code = start_screening(packet="Follow-up")
    tablet = Tablet(client)
    tablet.enter_code(code)
    steps = build_steps(registry, ["phq9", "gad7"])
    index = {(step.instrument_id, step.item_id): number for number, step in enumerate(steps)}
    assert PHQ9_STEM in tablet.step(index[("phq9", "1")]).text
    item10 = tablet.step(index[("phq9", "10")]).text
    assert PHQ9_ITEM10 in item10
    assert PHQ9_STEM not in item10
