"""The scoring hints in our Questionnaires agree with Tallyform's scoring: an SDC form filler
that sums each answer's ordinalValue, or evaluates the total item's calculatedExpression,
gets the total we store, and no total where we give none (no proration)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from fhirpathpy import evaluate

from app.config import PROJECT_ROOT
from app.extensions import db
from app.fhir.codes import ORDINAL_VALUE, SDC_CALCULATED_EXPRESSION, FhirUrls
from app.fhir.questionnaire import build_questionnaire
from app.fhir.records import ResponseRecord
from app.fhir.resources import build_questionnaire_response
from app.instruments.scoring import asked_items, score
from app.models import Response, Screening
from app.services.interchange import PinnedDefinitions, screening_bundle

AUTHORED = datetime(2026, 11, 2, 9, tzinfo=UTC)
URLS = FhirUrls("https://fhir.example.org/tallyform")
#: every installed instrument, so instruments added later are covered too
INSTRUMENTS = sorted(path.stem for path in (PROJECT_ROOT / "questionnaires").glob("*.yaml"))


def _total_expression(questionnaire: dict) -> str:
    (total_item,) = [item for item in questionnaire["item"] if item.get("readOnly")]
    (expression,) = [e for e in total_item.get("extension", []) if e["url"] == SDC_CALCULATED_EXPRESSION]
    assert expression["valueExpression"]["language"] == "text/fhirpath"
    return expression["valueExpression"]["expression"]


def _calculated_total(questionnaire: dict, response: dict):
    result = evaluate(
        response, _total_expression(questionnaire), {"resource": response, "questionnaire": questionnaire}
    )
    assert len(result) <= 1
    return result[0] if result else None


def _summed_ordinals(response: dict) -> int:
    return sum(
        extension["valueDecimal"]
        for item in response["item"]
        for answer in item["answer"]
        for extension in answer["valueCoding"].get("extension", [])
        if extension["url"] == ORDINAL_VALUE
    )


def _demo_responses(app, session, clinic_id):
    """(stored Response, its QuestionnaireResponse, the Questionnaire of the version it pinned)."""
    with app.app_context():
        definitions = PinnedDefinitions(db.session)
        for screening in session.scalars(sa.select(Screening).where(Screening.clinic_id == clinic_id)):
            bundle = screening_bundle(db.session, db.session.get(Screening, screening.id), URLS)
            exported = {e["resource"]["id"]: e["resource"] for e in bundle["entry"]}
            for response in screening.responses:
                definition = definitions.get(response.instrument_version)
                yield (
                    response,
                    exported[f"response-{response.id}"],
                    build_questionnaire(definition, response.instrument_version, URLS),
                )


def test_calculated_expression_gives_the_stored_total_for_every_demo_response(app, demo, session):
    seen = 0
    for response, questionnaire_response, questionnaire in _demo_responses(app, session, demo):
        assert _calculated_total(questionnaire, questionnaire_response) == response.total, response.instrument_id
        seen += 1
    assert seen == session.scalar(sa.select(sa.func.count(Response.id)))


def test_summed_ordinal_values_give_the_stored_total_for_every_complete_demo_response(app, demo, session):
    complete = [(r, qr) for r, qr, _q in _demo_responses(app, session, demo) if r.total is not None]
    assert complete
    for response, questionnaire_response in complete:
        assert _summed_ordinals(questionnaire_response) == response.total, response.instrument_id


def test_incomplete_responses_get_no_calculated_total(app, demo, session, incomplete_screening):
    rows = [t for t in _demo_responses(app, session, demo) if t[0].screening_id == incomplete_screening.id]
    assert {r.instrument_id for r, _qr, _q in rows} == {"phq9", "gad7", "pss10", "aceaware"}
    for response, questionnaire_response, questionnaire in rows:
        assert response.total is None
        assert _calculated_total(questionnaire, questionnaire_response) is None


def _answer_sets(definition):
    """Every answer at its lowest, at its highest, and a few mixed patterns; with a gate
    question, each of its answers with the other items at their lowest and at their highest."""
    items = definition.items
    options = [[o.value for o in definition.options_for(item)] for item in items]
    yield [min(values) for values in options]
    yield [max(values) for values in options]
    for shift in range(3):
        yield [values[(index + shift) % len(values)] for index, values in enumerate(options)]
    gate = definition.scoring.gate
    for at_gate in options[items.index(definition.item(gate.item))] if gate else ():
        for pick in (min, max):
            yield [
                at_gate if item.id == gate.item else pick(values) for item, values in zip(items, options, strict=True)
            ]


def _needed_items(definition):
    """The items a total cannot do without: each scored item, and a gate question."""
    gate = [definition.item(definition.scoring.gate.item)] if definition.scoring.gate else []
    return [*gate, *definition.scored_items]


@pytest.mark.parametrize("instrument_id", INSTRUMENTS)
def test_every_instruments_hints_reproduce_its_scorer(registry, instrument_id):
    """For each installed instrument (including ones added later): the calculatedExpression and
    the summed ordinalValues both equal score() for complete answers (a gate's stopping answer
    included), and the expression gives nothing when a scored item or the gate is left out."""
    loaded = registry[instrument_id]
    definition = loaded.definition
    questionnaire = build_questionnaire(definition, loaded.version, URLS)
    for values in _answer_sets(definition):
        answers = {item.id: value for item, value in zip(definition.items, values, strict=True)}
        asked = asked_items(definition, answers)  # a gate's stopping answer leaves its items unasked
        answers = {key: value for key, value in answers.items() if key in asked}
        expected = score(definition, loaded.version, answers).total
        record = ResponseRecord(1, definition, loaded.version, answers, {}, {"complete": True}, AUTHORED)
        response = build_questionnaire_response(record, URLS, subject=None)
        assert _calculated_total(questionnaire, response) == expected
        assert _summed_ordinals(response) == expected
        for left_out in _needed_items(definition):
            if left_out.id not in answers:
                continue
            partial = {key: value for key, value in answers.items() if key != left_out.id}
            assert score(definition, loaded.version, partial).total is None
            record = ResponseRecord(1, definition, loaded.version, partial, {}, {"complete": False}, AUTHORED)
            response = build_questionnaire_response(record, URLS, subject=None)
            assert _calculated_total(questionnaire, response) is None


def test_unscored_item_carries_no_ordinal_value_and_reversed_items_carry_the_reversed_value(registry):
    phq9 = build_questionnaire(registry["phq9"].definition, registry["phq9"].version, URLS)
    difficulty = next(item for item in phq9["item"] if item["linkId"] == "69722-7")
    assert all("extension" not in option["valueCoding"] for option in difficulty["answerOption"])
    pss10 = registry["pss10"].definition
    questionnaire = build_questionnaire(pss10, registry["pss10"].version, URLS)
    item4 = next(item for item in questionnaire["item"] if item["linkId"] == "pss10-4")
    ordinals = {
        o["valueCoding"]["display"]: o["valueCoding"]["extension"][0]["valueDecimal"] for o in item4["answerOption"]
    }
    never = pss10.options_for(pss10.item("4"))[0]
    assert never.value == 0
    assert ordinals[never.label] == 4  # "Never" on a positively stated item adds 4


def test_a_gates_stopping_answer_gives_the_fixed_total_whatever_else_the_response_holds(registry):
    """PC-PTSD-5: "If no, screen total = 0. Please stop here." Answers to the gated items, which
    our scorer refuses after a No, are not added by the expression either."""
    instrument_id = "pcptsd5"
    loaded = registry[instrument_id]
    definition = loaded.definition
    gate = definition.scoring.gate
    questionnaire = build_questionnaire(definition, loaded.version, URLS)
    highest = {item.id: max(o.value for o in definition.options_for(item)) for item in definition.items}
    answers = highest | {gate.item: gate.stop_value}
    record = ResponseRecord(1, definition, loaded.version, answers, {}, {"complete": True}, AUTHORED)
    response = build_questionnaire_response(record, URLS, subject=None)
    assert {item["linkId"] for item in response["item"]} >= {f"{instrument_id}-{i}" for i in gate.gated_items}
    assert _calculated_total(questionnaire, response) == gate.stopped_total == 0
