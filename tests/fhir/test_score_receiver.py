"""$score as a careful receiver: LHC-Forms-shaped and plain-value input where it can mean only
one thing, a Parameters wrapper, entered-in-error refused, and an OperationOutcome when the
response is incomplete or the sender's total disagrees with ours. One test per behaviour."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from tests.fixtures import bearer, parse_fhir

SCORE = "/fhir/QuestionnaireResponse/$score"
LFORMS_PHQ9 = json.loads((Path(__file__).parent / "data" / "lforms-phq9-response.json").read_text())
FREQUENCY = ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]


def _lforms(values=None, *, total=None, **changes):
    """The LHC-Forms PHQ-9 response with other answers (None = left out) or total."""
    resource = copy.deepcopy(LFORMS_PHQ9)
    items = resource["item"]
    if values is not None:
        kept = []
        for item in items:
            index = next((i for i, c in enumerate(PHQ9_LINKS) if item["linkId"] == f"/{c}"), None)
            if index is None:
                kept.append(item)
            elif values[index] is not None:
                item["answer"][0]["valueCoding"] = {"code": FREQUENCY[values[index]]}
                kept.append(item)
        resource["item"] = kept
    if total is not None:
        next(i for i in resource["item"] if i["linkId"] == "/44261-6")["answer"] = [{"valueDecimal": total}]
    return resource | changes


PHQ9_LINKS = ["44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3", "44260-8"]


def _post(client, token, body):
    response = client.post(SCORE, json=body, headers=bearer(token))
    return response


def _parts(bundle):
    parse_fhir(bundle)
    resources = [entry["resource"] for entry in bundle["entry"]]
    for resource in resources:
        parse_fhir(resource)
    total = next((r["valueInteger"] for r in resources if "valueInteger" in r), None)
    outcomes = [r for r in resources if r["resourceType"] == "OperationOutcome"]
    issues = [issue for outcome in outcomes for issue in outcome["issue"]]
    return total, issues


def test_lforms_phq9_response_is_scored_as_the_tablet_would(client, demo, token):
    response = _post(client, token, LFORMS_PHQ9)
    assert response.status_code == 200, response.text
    total, issues = _parts(response.json)
    assert total == 10  # 2+2+2+2+1+0+0+0+1
    assert issues == []  # complete, and LHC-Forms' own total agrees


@pytest.mark.parametrize(
    "reference",
    ["Questionnaire/44249-1-x", "http://lforms-fhir.nlm.nih.gov/baseR4/Questionnaire/44249-1-x", "44249-1-x"],
)
def test_lforms_questionnaire_ids_name_the_phq9(client, demo, token, reference):
    response = _post(client, token, _lforms(questionnaire=reference))
    assert _parts(response.json)[0] == 10


def test_lforms_response_nested_in_a_group_with_path_link_ids_is_read(client, demo, token):
    resource = _lforms()
    for item in resource["item"]:
        item["linkId"] = "/44249-1" + item["linkId"]
    resource["item"] = [{"linkId": "/44249-1", "item": resource["item"]}]
    assert _parts(_post(client, token, resource).json) == (10, [])


def test_plain_integer_answers_are_taken_as_the_options_values(client, demo, token):
    resource = _lforms()
    for item in resource["item"]:
        coding = item["answer"][0].get("valueCoding")
        if coding and coding["code"] in FREQUENCY:
            item["answer"] = [{"valueInteger": FREQUENCY.index(coding["code"])}]
    assert _parts(_post(client, token, resource).json) == (10, [])


def test_answer_text_is_taken_when_it_is_an_options_exact_wording(client, demo, token):
    resource = _lforms()
    resource["item"][0]["answer"] = [{"valueString": "More than half the days"}]
    assert _parts(_post(client, token, resource).json)[0] == 10


def test_a_parameters_wrapper_is_unwrapped(client, demo, token):
    body = {"resourceType": "Parameters", "parameter": [{"name": "response", "resource": LFORMS_PHQ9}]}
    assert _parts(_post(client, token, body).json) == (10, [])


def test_entered_in_error_is_refused(client, demo, token):
    response = _post(client, token, _lforms(status="entered-in-error"))
    assert response.status_code == 422
    outcome = parse_fhir(response.json)
    assert outcome.issue[0].code == "business-rule"
    assert "entered-in-error" in outcome.issue[0].diagnostics


def test_a_sender_total_that_disagrees_is_reported_and_ours_is_kept(client, demo, token):
    total, issues = _parts(_post(client, token, _lforms(total=16)).json)
    assert total == 10
    (issue,) = issues
    assert issue["severity"] == "warning"
    assert "own total (16) disagrees with Tallyform's (10)" in issue["diagnostics"]


def test_an_incomplete_response_gets_no_total_and_an_outcome_saying_why(client, demo, token):
    # item 3 left out; LHC-Forms' expression counts it as 0 and sends 8
    total, issues = _parts(_post(client, token, _lforms([2, 2, None, 2, 1, 0, 0, 0, 1], total=8)).json)
    assert total is None
    by_code = {issue["code"]: issue["diagnostics"] for issue in issues}
    assert "44259-0 unanswered" in by_code["incomplete"]
    assert "no proration" in by_code["incomplete"]
    assert "own total (8) disagrees with Tallyform's (none" in by_code["business-rule"]


def test_a_coding_without_system_whose_code_fits_no_option_is_refused(client, demo, token):
    resource = _lforms()
    resource["item"][0]["answer"] = [{"valueCoding": {"code": "LA6572-7"}}]  # a difficulty answer
    response = _post(client, token, resource)
    assert response.status_code == 422
    assert "unknown answer code 'LA6572-7' (no system given)" in response.json["issue"][0]["diagnostics"]


def test_the_operation_definition_is_published_and_named_in_the_capability_statement(client, demo, token):
    definition = client.get("/fhir/OperationDefinition/QuestionnaireResponse-score", headers=bearer(token)).json
    parse_fhir(definition)
    assert (definition["code"], definition["resource"]) == ("score", ["QuestionnaireResponse"])
    statement = client.get("/fhir/metadata").json
    operations = [
        op for r in statement["rest"][0]["resource"] if r["type"] == "QuestionnaireResponse" for op in r["operation"]
    ]
    assert operations == [{"name": "score", "definition": definition["url"]}]
