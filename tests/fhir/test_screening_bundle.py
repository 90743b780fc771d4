"""A screening as a FHIR Bundle: every resource valid R4(B), totals as stored, answers from
the version the patient saw."""

import shutil

import pytest
import sqlalchemy as sa

from app import create_app
from app.config import PROJECT_ROOT
from app.extensions import db
from app.fhir.codes import FhirUrls
from app.models import Clinic, Response, Screening
from app.services import packets
from app.services.interchange import screening_bundle
from tests.fixtures import complete_new_screening, completed_screenings, parse_fhir

BASE = "https://tallyform.org/fhir"


def _bundle(app, screening_id):
    with app.app_context():
        screening = db.session.get(Screening, screening_id)
        return screening_bundle(db.session, screening, FhirUrls(BASE))


def _resources(bundle, resource_type):
    return [entry["resource"] for entry in bundle["entry"] if entry["resource"]["resourceType"] == resource_type]


def _assert_every_resource_parses(bundle):
    parse_fhir(bundle)
    for entry in bundle["entry"]:
        parse_fhir(entry["resource"])


def test_every_demo_screening_bundle_parses_and_totals_equal_stored_scores(app, demo, session):
    screenings = completed_screenings(session, demo)
    assert screenings
    for screening in screenings:
        bundle = _bundle(app, screening.id)
        _assert_every_resource_parses(bundle)
        totals = {
            obs["derivedFrom"][0]["reference"]: obs["valueInteger"]
            for obs in _resources(bundle, "Observation")
            if "valueInteger" in obs
        }
        by_ref = {entry["resource"].get("id"): entry["fullUrl"] for entry in bundle["entry"]}
        for response in screening.responses:
            reference = by_ref[f"response-{response.id}"]
            if response.total is None:  # incomplete, never prorated: no total to report
                assert reference not in totals
            else:
                assert totals[reference] == response.total


def test_patient_is_identified_by_the_clinic_mrn_system(app, demo, session, demo_patient):
    screening = session.scalars(sa.select(Screening).where(Screening.patient_id == demo_patient.id)).first()
    (patient,) = _resources(_bundle(app, screening.id), "Patient")
    assert patient["identifier"][0]["system"] == f"{BASE}/clinics/riverside/mrn"
    assert patient["identifier"][0]["value"] == "100234"
    assert patient["birthDate"] == "1978-03-14"


def test_questionnaire_response_names_the_pinned_version_and_codes_each_answer(app, demo, session):
    response = session.scalars(
        sa.select(Response).where(Response.instrument_id == "phq9").order_by(Response.id)
    ).first()
    bundle = _bundle(app, response.screening_id)
    qr = next(r for r in _resources(bundle, "QuestionnaireResponse") if r["id"] == f"response-{response.id}")
    assert qr["questionnaire"] == f"{BASE}/Questionnaire/phq9|{response.instrument_version}"
    assert qr["status"] == "completed"
    assert qr["authored"] == response.submitted_at.isoformat(timespec="seconds")
    answers = {item["linkId"]: item["answer"][0]["valueCoding"] for item in qr["item"]}
    assert answers["44250-9"]["code"] == "LA6570-1"  # item 1 answered 2: "More than half the days"
    assert answers["44250-9"]["extension"][0]["valueDecimal"] == response.answers["1"]
    total = next(o for o in _resources(bundle, "Observation") if o["id"] == f"response-{response.id}-total")
    assert total["code"]["coding"][0]["code"] == "44261-6"
    assert total["category"][0]["coding"][0]["code"] == "survey"
    assert total["interpretation"][0]["text"] == response.score["band_label"]


@pytest.mark.parametrize(
    ("instrument_id", "code"), [("gad7", "70274-6"), ("pss10", "pss10-total"), ("aceaware", "aceaware-score")]
)
def test_each_instrument_total_uses_its_loinc_or_local_code(app, demo, session, instrument_id, code):
    response = session.scalars(sa.select(Response).where(Response.instrument_id == instrument_id)).first()
    bundle = _bundle(app, response.screening_id)
    total = next(o for o in _resources(bundle, "Observation") if o["id"] == f"response-{response.id}-total")
    expected_system = "http://loinc.org" if code[0].isdigit() else f"{BASE}/CodeSystem/tallyform"
    assert total["code"]["coding"][0] == {**total["code"]["coding"][0], "system": expected_system, "code": code}
    assert total["valueInteger"] == response.total


def test_incomplete_response_is_in_progress_with_no_total_but_its_safety_flag(app, incomplete_screening):
    bundle = _bundle(app, incomplete_screening.id)
    _assert_every_resource_parses(bundle)
    assert {qr["status"] for qr in _resources(bundle, "QuestionnaireResponse")} == {"in-progress"}
    observations = _resources(bundle, "Observation")
    assert not [o for o in observations if "valueInteger" in o]
    (flag,) = observations
    assert flag["code"]["coding"][0]["code"] == "phq9-flag-suicidal_ideation"
    assert flag["code"]["text"] == "Safety item endorsed (PHQ-9 item 9)"
    assert flag["valueBoolean"] is True
    phq9 = next(qr for qr in _resources(bundle, "QuestionnaireResponse") if "/phq9|" in qr["questionnaire"])
    assert flag["derivedFrom"][0]["reference"] == next(e["fullUrl"] for e in bundle["entry"] if e["resource"] == phq9)
    assert "44259-0" not in {item["linkId"] for item in phq9["item"]}  # item 3 was not answered


def test_safety_flagged_complete_screening_has_a_flag_observation(app, demo, session):
    flagged = session.scalars(sa.select(Screening).where(Screening.clinic_id == demo, Screening.is_urgent)).first()
    bundle = _bundle(app, flagged.id)
    _assert_every_resource_parses(bundle)
    codes = [o["code"]["coding"][0]["code"] for o in _resources(bundle, "Observation")]
    assert "phq9-flag-suicidal_ideation" in codes
    assert "44261-6" in codes


def test_answers_come_from_the_pinned_version_not_todays_file(app, demo, session, tmp_path):
    """Reworded YAML after the fact changes nothing in an exported response."""
    changed = tmp_path / "questionnaires"
    shutil.copytree(PROJECT_ROOT / "questionnaires", changed)
    phq9 = changed / "phq9.yaml"
    phq9.write_text(phq9.read_text().replace("Little interest or pleasure in doing things", "Reworded item one"))
    later_app = create_app({**app.config, "QUESTIONNAIRES_DIR": str(changed)})
    response = session.scalars(sa.select(Response).where(Response.instrument_id == "phq9")).first()
    bundle = _bundle(later_app, response.screening_id)
    qr = next(r for r in _resources(bundle, "QuestionnaireResponse") if r["id"] == f"response-{response.id}")
    assert qr["item"][0]["text"] == "Little interest or pleasure in doing things"
    assert qr["questionnaire"].endswith(f"|{response.instrument_version}")
    with later_app.app_context():
        from app.extensions import instruments

        assert instruments()["phq9"].version != response.instrument_version
    later_app.extensions["tallyform.engine"].dispose()


@pytest.mark.parametrize("answered", ["every item", "first item only"])
def test_bundle_parses_for_every_installed_instrument(app, demo, session, registry, demo_patient, answered):
    """The highest answer to every item (complete, flags raised), or to the first item alone
    (incomplete: no totals)."""
    packet = packets.save_packet(session, registry, session.get(Clinic, demo), "Every instrument", list(registry))
    answers = {}
    for instrument_id, loaded in registry.items():
        items = loaded.definition.items if answered == "every item" else loaded.definition.items[:1]
        answers[instrument_id] = {i.id: max(o.value for o in loaded.definition.options_for(i)) for i in items}
    screening = complete_new_screening(session, registry, demo_patient, packet, answers)
    bundle = _bundle(app, screening.id)
    _assert_every_resource_parses(bundle)
    totals = sorted(o["valueInteger"] for o in _resources(bundle, "Observation") if "valueInteger" in o)
    assert totals == sorted(r.total for r in screening.responses if r.total is not None)
    assert len(totals) == (len(registry) if answered == "every item" else 0)
