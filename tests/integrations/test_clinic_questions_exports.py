"""A screening whose packet had clinic questions exports like any other: the FHIR bundle,
the screenings API and the CSV carry its scored instruments and nothing of the unscored
clinic questions (their free text is not coded data)."""

import csv
import io
import json

import pytest

from tests.conftest import AuthActions
from tests.fixtures import bearer, parse_fhir
from tests.patient.clinic_sitting import PHARMACY, completed_check_in


@pytest.fixture
def check_in_id(app, start_screening, registry, demo):
    admin = app.test_client()
    assert AuthActions(admin).sign_in("admin@example.com").status_code == 302
    return completed_check_in(admin, app, start_screening, registry, demo, {"q1": 1, "q3": "Corner Pharmacy"})


def test_fhir_bundle_and_api_of_a_screening_with_clinic_questions(check_in_id, runner, client, token):
    result = runner.invoke(args=["export-fhir", str(check_in_id)])
    assert result.exit_code == 0, result.output
    bundle = json.loads(result.output)
    parse_fhir(bundle)
    responses = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse"]
    assert len(responses) == 1
    assert "Corner Pharmacy" not in result.output
    assert PHARMACY not in result.output
    api = client.get(f"/api/screenings/{check_in_id}", headers=bearer(token))
    assert api.status_code == 200
    assert [r["instrument"] for r in api.json["responses"]] == ["phq2"]


def test_csv_export_has_the_phq2_row_of_a_screening_with_clinic_questions(check_in_id, runner, tmp_path):
    out = tmp_path / "responses.csv"
    result = runner.invoke(args=["export-csv", "--since", "2026-01-01", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = [
        row
        for row in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))
        if row["screening_id"] == str(check_in_id)
    ]
    assert [(row["instrument"], row["total"]) for row in rows] == [("phq2", "2")]
    assert "Corner Pharmacy" not in out.read_text(encoding="utf-8")
