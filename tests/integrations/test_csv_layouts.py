"""CSV for research: a de-identified file that leads back to no one through the API, dates
cut to the month, a long layout with one row per answer, and every band reproducible from
the file alone (docs/csv-codebook.md)."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from datetime import UTC, date, datetime

import sqlalchemy as sa

from app.extensions import db
from app.instruments.scoring import score
from app.models import Response, User
from app.services.clinician_inputs import record_clinician_input
from app.services.interchange import PinnedDefinitions
from tests.conftest import csrf_token_from
from tests.fixtures import bearer, by_position, complete_new_screening


def _export(runner, tmp_path, *args, name="responses.csv"):
    out = tmp_path / name
    result = runner.invoke(args=["export-csv", "--since", "2026-01-01", "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))


def _patient_behind(client, token, value: str) -> set[int]:
    """Every patient id a FHIR lookup by `value` leads to: as a screening id, a FHIR id in
    each form we give out, or an identifier to search by. (The JSON API is asked by the test,
    as it names a patient by MRN.)"""
    found: set[int] = set()
    paths = [
        f"/fhir/screenings/{value}",
        f"/fhir/Patient/{value}",
        f"/fhir/Patient/patient-{value}",
        f"/fhir/QuestionnaireResponse/{value}",
        f"/fhir/QuestionnaireResponse/response-{value}",
        f"/fhir/Observation/response-{value}-total",
        f"/fhir/DocumentReference/referral-summary-{value}",
    ]
    for path in paths:
        response = client.get(path, headers=bearer(token))
        if response.status_code == 200:
            found |= {int(n) for n in re.findall(r'"(?:reference|id)": ?"(?:Patient/)?patient-(\d+)"', response.text)}
    search = client.get("/fhir/Patient", query_string={"identifier": value}, headers=bearer(token)).json
    found |= {int(e["resource"]["id"].removeprefix("patient-")) for e in search.get("entry", [])}
    return found


def test_a_deidentified_row_cannot_be_joined_back_to_its_patient_through_any_id_the_api_accepts(
    app, runner, client, session, demo, tmp_path, token
):
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    named = _export(runner, tmp_path, name="identified.csv")
    rows = _export(runner, tmp_path, "--deidentify")
    patient_of = [session.get(Response, int(row["response_id"])).screening.patient_id for row in named]
    # the API JSON names a patient by MRN: map it back for the /api/ lookups
    by_mrn = {row["mrn"]: patient for row, patient in zip(named, patient_of, strict=True)}
    assert not [column for column in rows[0] if column.endswith("_id") or column in ("mrn", "id")]
    cache: dict[str, set[int]] = {}
    for column in rows[0]:
        joined = 0
        for row, patient in zip(rows, patient_of, strict=True):
            value = row[column]
            if value not in cache:
                cache[value] = _patient_behind(client, token, value) if value else set()
                api = client.get(f"/api/screenings/{value}", headers=bearer(token))
                if value and api.status_code == 200:
                    cache[value].add(by_mrn.get(api.json["patient"]["mrn"], -1))
            joined += patient in cache[value]
        # a value may name some patient's record by coincidence (a total of 3, screening 3),
        # but no column leads every row, or even most rows, back to its own patient
        assert joined < len(rows) / 2, column
    pseudonyms = {row["patient_pseudonym"] for row in rows}
    assert all(not cache[value] for value in pseudonyms)


def test_deidentified_dates_are_cut_to_the_month_with_the_days_between_a_patients_responses(
    runner, session, demo, tmp_path
):
    named = _export(runner, tmp_path, name="identified.csv")
    rows = _export(runner, tmp_path, "--deidentify")
    text = " ".join(" ".join(row.values()) for row in rows)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)
    first: dict[str, str] = {}
    for full, row in zip(named, rows, strict=True):
        submitted = full["submitted_at"][:10]
        assert row["submitted_month"] == submitted[:7]
        first.setdefault(row["patient_pseudonym"], submitted)
        days = (date.fromisoformat(submitted) - date.fromisoformat(first[row["patient_pseudonym"]])).days
        assert row["days_since_first_response"] == str(days)
    sittings = defaultdict(set)
    for full, row in zip(named, rows, strict=True):
        sittings[(row["patient_pseudonym"], row["sitting"])].add(full["screening_id"])
    assert all(len(ids) == 1 for ids in sittings.values())  # one sitting number is one screening


def test_long_layout_has_a_row_per_answer_whose_scored_values_add_up_to_the_total(app, runner, session, demo, tmp_path):
    rows = _export(runner, tmp_path, "--layout", "long")
    since = datetime(2026, 1, 1, tzinfo=UTC)  # as exported: the demo's generated history begins before it
    responses = session.scalars(
        sa.select(Response).where(Response.submitted_at >= since).order_by(Response.submitted_at, Response.id)
    ).all()
    by_response = defaultdict(list)
    for row in rows:
        by_response[row["response_id"]].append(row)
    # a response with nothing answered and no clinician input has no line to give
    assert list(by_response) == [str(r.id) for r in responses if r.answers or r.clinician_inputs]
    with app.app_context():
        definitions = PinnedDefinitions(db.session)
        for response in responses:
            lines = by_response[str(response.id)]
            answers = [line for line in lines if line["kind"] == "answer"]
            definition = definitions.get(response.instrument_version)
            assert {line["item"]: int(line["value"]) for line in answers} == response.answers
            for line in answers:
                assert line["loinc_code"] == (definition.item(line["item"]).code or "")
            if response.total is not None:
                assert sum(int(line["scored_value"]) for line in answers if line["scored_value"]) == response.total
            inputs = {line["item"]: line["value"] for line in lines if line["kind"] == "clinician_input"}
            assert inputs == response.clinician_inputs
    phq9_item10 = [row for row in rows if row["instrument"] == "phq9" and row["item"] == "10"]
    assert phq9_item10
    assert all(row["scored_value"] == "" and row["loinc_code"] == "69722-7" for row in phq9_item10)
    pss10_item4 = [row for row in rows if row["instrument"] == "pss10" and row["item"] == "4"]
    assert all(int(row["scored_value"]) == 4 - int(row["value"]) for row in pss10_item4)


def test_every_band_can_be_reproduced_from_the_wide_file_alone(app, runner, session, demo, tmp_path):
    rows = _export(runner, tmp_path, "--deidentify")
    assert any(row["clinician_inputs"] == "aahc=yes" for row in rows)
    with app.app_context():
        definitions = PinnedDefinitions(db.session)
        for row in rows:
            definition = definitions.get(row["instrument_version"])
            answers = {item.id: int(row[f"item_{item.id}"]) for item in definition.items if row[f"item_{item.id}"]}
            inputs = dict(pair.split("=", 1) for pair in row["clinician_inputs"].split(";") if pair)
            result = score(definition, row["instrument_version"], answers, inputs)
            assert (str(result.total) if result.total is not None else "", result.band or "") == (
                row["total"],
                row["band"],
            )


def test_an_ace_tier_settled_by_a_later_aahc_input_is_in_the_file_with_that_input(
    app, runner, session, registry, demo, demo_patient, new_patient_packet, tmp_path
):
    """ACEs Aware 1–3 waits for the AAHC status (instruments-2.md §1.5); the clinician gives it
    after submission. The row carries that input and the tier it settles, and the tier is
    reproduced from the row alone."""
    three_yes = by_position(registry, "aceaware", [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1])
    screening = complete_new_screening(session, registry, demo_patient, new_patient_packet, {"aceaware": three_yes})
    stored = session.scalar(
        sa.select(Response).where(Response.screening_id == screening.id, Response.instrument_id == "aceaware")
    )
    assert (stored.total, stored.band, stored.clinician_inputs) == (3, None, {})
    clinician = session.scalar(sa.select(User).where(User.clinic_id == demo, User.role == "clinician"))
    record_clinician_input(session, clinician, screening, "aceaware", "yes")

    rows = _export(runner, tmp_path, "--deidentify")
    (row,) = [
        row
        for row in rows
        if row["instrument"] == "aceaware"
        and row["clinician_inputs"] == "aahc=yes"
        and row["total"] == "3"
        and row["submitted_month"] == stored.submitted_at.strftime("%Y-%m")
    ]
    assert (row["band"], row["band_label"]) == ("intermediate", "Intermediate risk")
    answers = {item: int(row[f"item_{item}"]) for item in three_yes}
    inputs = dict(pair.split("=", 1) for pair in row["clinician_inputs"].split(";"))
    assert score(registry["aceaware"].definition, row["instrument_version"], answers, inputs).band == "intermediate"
    lines = _export(runner, tmp_path, "--layout", "long", name="long.csv")
    given = [line for line in lines if line["response_id"] == str(stored.id) and line["kind"] == "clinician_input"]
    assert [(line["item"], line["value"]) for line in given] == [("aahc", "yes")]


def test_admin_downloads_the_long_layout(client, login_as):
    login_as("admin")
    page = client.get("/admin/integrations/")
    response = client.post(  # a POST with the page's CSRF token: another site cannot start an export
        "/admin/integrations/responses.csv",
        data={"since": "2026-01-01", "deidentify": "y", "layout": "long", "csrf_token": csrf_token_from(page.text)},
    )
    assert response.status_code == 200
    assert "tallyform-answers-deidentified" in response.headers["Content-Disposition"]
    header = response.text.splitlines()[0].split(",")
    assert header[:2] == ["patient_pseudonym", "sitting"]
    assert {"kind", "item", "loinc_code", "value", "scored_value"} <= set(header)
