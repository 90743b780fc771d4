"""$score: a QuestionnaireResponse from anywhere, scored by the same rules; bad ones refused
with an OperationOutcome, and nothing stored either way."""

import json

import pytest
import sqlalchemy as sa

from app.models import Response, Screening
from tests.fixtures import bearer, complete_follow_up, completed_screenings, parse_fhir

SCORE = "/fhir/QuestionnaireResponse/$score"
LOINC = "http://loinc.org"
FREQUENCY = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
PHQ9_ITEMS = ["44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3", "44260-8"]
GAD7_ITEMS = ["69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"]


def _summary(bundle):
    """(total, band code, flag codes) read from Observations."""
    total = band = None
    flags = []
    for entry in bundle["entry"]:
        obs = entry["resource"]
        parse_fhir(obs)
        if obs["resourceType"] == "OperationOutcome":
            continue
        if "valueInteger" in obs:
            total = obs["valueInteger"]
            band = obs.get("interpretation", [{}])[0].get("coding", [{}])[0].get("code")
        else:
            flags.append(obs["code"]["coding"][0]["code"])
    return total, band, sorted(flags)


def _stored_summary(response):
    band = f"{response.instrument_id}-band-{response.band}" if response.band else None
    return response.total, band, sorted(f"{response.instrument_id}-flag-{key}" for key in response.score["flags"])


def _loinc_response(panel, items, values, *, prefix="http://loinc.org/q/"):
    """A QuestionnaireResponse as another system sends it: LOINC codes only, no display text."""
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{prefix}{panel}",
        "status": "completed",
        "item": [
            {"linkId": link_id, "answer": [{"valueCoding": {"system": LOINC, "code": FREQUENCY[value]}}]}
            for link_id, value in zip(items, values, strict=True)
        ],
    }


def _counts(session):
    return session.scalar(sa.select(sa.func.count(Response.id))), session.scalar(sa.select(sa.func.count(Screening.id)))


def test_round_trip_export_then_score_gives_the_stored_totals_bands_and_flags(client, demo, session, token):
    # the named demo patients' screenings: the demo's generated year of follow-up would pass
    # the API's rate limit, and its answers are scored by the same code
    screenings = [s for s in completed_screenings(session, demo) if s.patient.mrn < "200000"]
    assert len(screenings) == 10
    scored = 0
    for screening in screenings:
        bundle = client.get(f"/fhir/screenings/{screening.id}", headers=bearer(token)).json
        responses = {r.id: r for r in screening.responses}
        for entry in bundle["entry"]:
            resource = entry["resource"]
            if resource["resourceType"] != "QuestionnaireResponse":
                continue
            result = client.post(SCORE, json=resource, headers=bearer(token))
            assert result.status_code == 200, result.text
            assert result.mimetype == "application/fhir+json"
            response = responses[int(resource["id"].removeprefix("response-"))]
            assert _summary(result.json) == _stored_summary(response)
            scored += 1
    assert scored == sum(len(s.responses) for s in screenings)


def test_round_trip_keeps_the_flag_of_an_incomplete_response(client, token, incomplete_screening):
    bundle = client.get(f"/fhir/screenings/{incomplete_screening.id}", headers=bearer(token)).json
    phq9 = next(e["resource"] for e in bundle["entry"] if "/phq9|" in e["resource"].get("questionnaire", ""))
    result = client.post(SCORE, json=phq9, headers=bearer(token))
    assert _summary(result.json) == (None, None, ["phq9-flag-suicidal_ideation"])


@pytest.mark.parametrize("prefix", ["http://loinc.org/q/", "Questionnaire/", ""])
def test_loinc_coded_response_scores_like_the_same_answers_on_the_tablet(
    client, session, registry, token, demo_patient, prefix
):
    phq9 = [2, 2, 2, 2, 1, 0, 0, 0, 1]  # vector P5: 10, moderate, item 9 endorsed
    gad7 = [3, 3, 3, 3, 3, 0, 0]  # 15, severe
    tablet = complete_follow_up(session, registry, demo_patient, [*phq9, 1], gad7)
    stored = {r.instrument_id: r for r in tablet.responses}
    phq9_response = _loinc_response("44249-1", PHQ9_ITEMS, phq9, prefix=prefix)
    phq9_response["item"].append(
        {"linkId": "69722-7", "answer": [{"valueCoding": {"system": LOINC, "code": "LA6573-5"}}]}
    )
    for instrument_id, resource in (
        ("phq9", phq9_response),
        ("gad7", _loinc_response("69737-5", GAD7_ITEMS, gad7, prefix=prefix)),
    ):
        result = client.post(SCORE, json=resource, headers=bearer(token))
        assert result.status_code == 200, result.text
        assert _summary(result.json) == _stored_summary(stored[instrument_id])
    assert (stored["phq9"].total, stored["gad7"].band) == (10, "severe")


def test_answers_nested_in_groups_are_read(client, token):
    resource = _loinc_response("69737-5", GAD7_ITEMS, [1, 1, 1, 1, 1, 0, 0])
    resource["item"] = [{"linkId": "group", "item": resource["item"]}]
    assert _summary(client.post(SCORE, json=resource, headers=bearer(token)).json) == (5, "gad7-band-mild", [])


REFUSALS = {
    "unknown questionnaire": (
        lambda r: r | {"questionnaire": "http://loinc.org/q/99999-9"},
        "Unknown questionnaire",
        "QuestionnaireResponse.questionnaire",
    ),
    "unknown answer code": (
        lambda r: (
            r | {"item": [{"linkId": "69725-0", "answer": [{"valueCoding": {"system": LOINC, "code": "LA0000-0"}}]}]}
        ),
        "unknown answer code 'LA0000-0'",
        "QuestionnaireResponse.item[0].answer[0].valueCoding",
    ),
    "answer of the wrong type": (
        lambda r: r | {"item": [{"linkId": "69725-0", "answer": [{"valueBoolean": True}]}]},
        "must be answered with a valueCoding, valueInteger or valueString (got valueBoolean)",
        "QuestionnaireResponse.item[0].answer[0]",
    ),
    "a value no option has": (
        lambda r: r | {"item": [{"linkId": "69725-0", "answer": [{"valueInteger": 7}]}]},
        "7 is not the value of one of its options",
        "QuestionnaireResponse.item[0].answer[0].valueInteger",
    ),
    "entered in error": (
        lambda r: r | {"status": "entered-in-error"},
        "marked entered-in-error",
        "QuestionnaireResponse.status",
    ),
    "a Parameters without the response": (
        lambda r: {"resourceType": "Parameters", "parameter": [{"name": "other", "resource": r}]},
        "exactly one parameter named 'response'",
        "Parameters.parameter",
    ),
    "answer that is not a list": (
        lambda r: r | {"item": [{"linkId": "69725-0", "answer": 5}]},
        "answer must be a list",
        "QuestionnaireResponse.item[0].answer",
    ),
    "unknown item": (
        lambda r: (
            r | {"item": [{"linkId": "44250-9", "answer": [{"valueCoding": {"system": LOINC, "code": "LA6568-5"}}]}]}
        ),
        "GAD-7 has no item with linkId '44250-9'",
        "QuestionnaireResponse.item[0].linkId",
    ),
    "not a QuestionnaireResponse": (
        lambda r: {"resourceType": "Patient"},
        "must be a FHIR QuestionnaireResponse",
        None,
    ),
    "unknown version": (
        lambda r: r | {"questionnaire": "https://tallyform.org/fhir/Questionnaire/gad7|0000"},
        "Unknown version '0000' of GAD-7",
        "QuestionnaireResponse.questionnaire",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_unusable_response_is_refused_with_an_operation_outcome_naming_the_problem(client, session, token, case):
    change, message, expression = REFUSALS[case]
    before = _counts(session)
    resource = change(_loinc_response("69737-5", GAD7_ITEMS, [1] * 7))
    result = client.post(SCORE, json=resource, headers=bearer(token))
    assert result.status_code == 422
    assert result.mimetype == "application/fhir+json"
    outcome = parse_fhir(result.json)
    assert message in outcome.issue[0].diagnostics
    assert (outcome.issue[0].expression or [None])[0] == expression
    assert _counts(session) == before


def test_body_that_is_not_json_is_refused(client, token):
    result = client.post(SCORE, data=b"\x00not json", headers=bearer(token), content_type="application/fhir+json")
    assert result.status_code == 422
    assert result.json["resourceType"] == "OperationOutcome"


def test_score_fhir_command_prints_the_observations(runner, app, tmp_path):
    path = tmp_path / "qr.json"
    path.write_text(json.dumps(_loinc_response("44249-1", PHQ9_ITEMS, [3] * 9)))
    result = runner.invoke(args=["score-fhir", str(path)])
    assert result.exit_code == 0, result.output
    assert _summary(json.loads(result.output)) == (27, "phq9-band-severe", ["phq9-flag-suicidal_ideation"])


def test_score_fhir_command_names_the_problem_and_fails(runner, app, tmp_path):
    path = tmp_path / "qr.json"
    path.write_text(json.dumps(_loinc_response("12345-6", PHQ9_ITEMS, [3] * 9)))
    result = runner.invoke(args=["score-fhir", str(path)])
    assert result.exit_code == 1
    assert "Unknown questionnaire 'http://loinc.org/q/12345-6'" in result.output
