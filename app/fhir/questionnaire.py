"""An instrument as a FHIR R4 Questionnaire, built from its definition (the YAML)."""

from __future__ import annotations

from collections.abc import Iterable

from app.fhir.codes import (
    LOINC,
    ORDINAL_VALUE,
    QUESTIONNAIRE_HIDDEN,
    SDC_CALCULATED_EXPRESSION,
    FhirUrls,
    coding,
    input_coding,
    input_link_id,
    item_link_id,
    option_code,
    option_coding,
    questionnaire_id,
    total_coding,
    total_link_id,
)
from app.instruments.definition import Instrument, Item


def build_questionnaire(
    instrument: Instrument, version: str, urls: FhirUrls, *, language: str = "en", translates: str | None = None
) -> dict:
    """`version` is the definition's content hash: a response names the exact wording it
    answered by `url|version`. A translation (`language`, and `translates`: the English
    version whose rules and codes it shares) is a Questionnaire of its own, derived from that
    English one: same linkIds, codes and ordinal values, so it scores the same."""
    own_id = questionnaire_id(instrument.id, language)
    resource = {
        "resourceType": "Questionnaire",
        "id": own_id,
        "language": language,
        "url": urls.questionnaire(own_id),
        "version": version,
    }
    if translates:
        resource["derivedFrom"] = [f"{urls.questionnaire(instrument.id)}|{translates}"]
    resource |= {
        "title": instrument.title,
        "status": "active",
        "subjectType": ["Patient"],
        "copyright": "\n\n".join(part for part in (instrument.copyright, instrument.permission) if part),
    }
    # No LOINC code is invented: a panel without a verified LOINC code carries none here
    # (its local code still names it in our code system).
    if instrument.code and instrument.code.system == "loinc":
        resource["code"] = [coding(instrument.code, urls)]
    resource["item"] = [
        *_display_items(instrument),
        *(_question(instrument, item, urls) for item in instrument.items),
        *_clinician_input_items(instrument, urls),
        _total_item(instrument, urls),
    ]
    return resource


def build_questionnaire_bundle(questionnaires: Iterable[dict]) -> dict:
    entries = [{"resource": resource, "search": {"mode": "match"}} for resource in questionnaires]
    return {"resourceType": "Bundle", "type": "searchset", "total": len(entries), "entry": entries}


def _display_items(instrument: Instrument) -> list[dict]:
    texts = [("instructions", instrument.instructions), ("stem", instrument.stem)]
    return [{"linkId": f"{instrument.id}-{key}", "type": "display", "text": text} for key, text in texts if text]


def _question(instrument: Instrument, item: Item, urls: FhirUrls) -> dict:
    question = {"linkId": item_link_id(instrument, item)}
    if item.code:
        question["code"] = [{"system": LOINC, "code": item.code}]
    question |= {
        "text": item.text,
        "type": "choice",
        # An unscored item (PHQ-9 item 10) is asked but may be left out.
        "required": item.scored,
        "answerOption": [
            {"valueCoding": option_coding(instrument, item, option, urls)} for option in instrument.options_for(item)
        ],
    }
    return question | _enabled_past_gate(instrument, item, urls)


def _enabled_past_gate(instrument: Instrument, item: Item, urls: FhirUrls) -> dict:
    """A gated item is shown only after an answer to the gate other than its stopping one, so
    a form filler neither asks nor requires it once the patient was told to stop."""
    gate = instrument.scoring.gate
    if gate is None or item.id not in gate.gated_items:
        return {}
    question = instrument.item(gate.item)
    going_on = [option for option in instrument.options_for(question) if option.value != gate.stop_value]
    conditions = []
    for option in going_on:
        coding = option_coding(instrument, question, option, urls)
        answer = {key: coding[key] for key in ("system", "code", "display")}
        conditions.append({"question": item_link_id(instrument, question), "operator": "=", "answerCoding": answer})
    return {"enableWhen": conditions} | ({"enableBehavior": "any"} if len(conditions) > 1 else {})


def _clinician_input_items(instrument: Instrument, urls: FhirUrls) -> list[dict]:
    """A fact staff give, not the patient (the ACE tier's ACE-associated health condition):
    hidden from a patient-facing renderer, but part of the response so that a score
    computed elsewhere can settle the same band."""
    wanted = instrument.scoring.clinician_input
    if wanted is None:
        return []
    return [
        {
            "extension": [{"url": QUESTIONNAIRE_HIDDEN, "valueBoolean": True}],
            "linkId": input_link_id(instrument),
            "text": wanted.label,
            "type": "choice",
            "required": False,
            "answerOption": [{"valueCoding": input_coding(instrument, value, urls)} for value in wanted.values],
        }
    ]


#: The total rules an ordinalValue sum reproduces: each answer adds its own share
#: (app.instruments.scoring.item_contribution), whatever the other answers are.
ADDITIVE_RULE_FIELDS = {"method", "count_value", "reverse_items", "reverse_from"}


def total_expression(instrument: Instrument) -> str:
    """SDC calculatedExpression (FHIRPath) of the total: the sum of the ordinalValue of each
    scored item's answer, looked up in this Questionnaire (%questionnaire), so it works for a
    filler that copies only system and code into the response. FHIRPath arithmetic on an
    empty operand is empty, so an unanswered scored item gives no total: no proration.

    With a gate question, its stopping answer gives the total the form fixes (the gated
    items, not asked, are not looked at), an unanswered gate gives no total, and any other
    answer leads on to the sum, as app.instruments.scoring.score does.

    Refuses a total rule it cannot express as such a sum, rather than publish a hint that
    disagrees with the scorer."""
    rule = instrument.scoring.total
    unknown = {name for name in rule.model_fields_set if name not in ADDITIVE_RULE_FIELDS}
    if rule.method not in ("sum", "count_at_least") or unknown:
        raise ValueError(f"{instrument.id}: no FHIRPath total for rule {rule.method!r} {sorted(unknown)}")
    total = " + ".join(_answer_ordinal(item_link_id(instrument, item)) for item in instrument.scored_items)
    gate = instrument.scoring.gate
    if gate is None:
        return total
    item = instrument.item(gate.item)
    (stop,) = [option for option in instrument.options_for(item) if option.value == gate.stop_value]
    answer = _answer_code(item_link_id(instrument, item))
    # iif without an otherwise-result is empty: an unanswered gate gives no total
    return (
        f"iif({answer} = '{option_code(instrument, item, stop)}', {gate.stopped_total}, "
        f"iif({answer}.exists(), {total}))"
    )


def _answer_code(link_id: str) -> str:
    return f"%resource.repeat(item).where(linkId = '{link_id}').answer.valueCoding.code"


def _answer_ordinal(link_id: str) -> str:
    return (
        f"%questionnaire.repeat(item).where(linkId = '{link_id}').answerOption.valueCoding"
        f".where(code = {_answer_code(link_id)})"
        f".extension('{ORDINAL_VALUE}').valueDecimal"
    )


def _expression_description(instrument: Instrument) -> str:
    description = "Total score: sum of the scored answers' ordinalValue; none while any is unanswered"
    gate = instrument.scoring.gate
    if gate is None:
        return description
    item = instrument.item(gate.item)
    stop = next(option.label for option in instrument.options_for(item) if option.value == gate.stop_value)
    return (
        f"{description}; the answer {stop!r} to {item_link_id(instrument, item)} gives {gate.stopped_total}, "
        "the items it gates being left unasked"
    )


def _total_item(instrument: Instrument, urls: FhirUrls) -> dict:
    low, high = instrument.total_range
    return {
        "extension": [
            {
                "url": SDC_CALCULATED_EXPRESSION,
                "valueExpression": {
                    "description": _expression_description(instrument),
                    "language": "text/fhirpath",
                    "expression": total_expression(instrument),
                },
            }
        ],
        "linkId": total_link_id(instrument),
        "code": [total_coding(instrument, urls)],
        "text": f"{instrument.short_title} total ({low}–{high})",
        "type": "integer",
        "readOnly": True,
        "required": False,
    }
