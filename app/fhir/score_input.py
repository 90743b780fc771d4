"""Read a QuestionnaireResponse another system captured into the answers our scorer takes.

A careful receiver: it takes the shapes form tools really send when they can mean only one
thing (LHC-Forms' "/44250-9" linkIds and codings without a system, its "44249-1-x"
Questionnaire ids, a plain option value, a Parameters wrapper), and refuses, with a message
naming it, any answer it cannot place exactly (an unknown item, an unknown code, a value
that fits no option), never skipping it, because a silently dropped answer would change a
clinical score. A response marked entered-in-error is refused: it is not a response.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from app.fhir.codes import (
    LOINC,
    FhirUrls,
    input_link_id,
    item_link_id,
    local_input_code,
    local_option_code,
    total_link_id,
)
from app.fhir.outcome import issue
from app.instruments.definition import Instrument


class ScoreInputError(ValueError):
    """What is wrong with the response, and where (a FHIRPath expression)."""

    def __init__(self, message: str, expression: str = "QuestionnaireResponse", *, code: str = "invalid"):
        super().__init__(message)
        self.expression = expression
        self.code = code


@dataclass(frozen=True)
class QuestionnaireReference:
    canonical: str
    version: str | None


@dataclass(frozen=True)
class ReadResponse:
    answers: dict[str, int]
    clinician_inputs: dict[str, str]
    #: the total the sender computed, when it sent one, to compare with ours
    sender_total: float | None


#: Parameters names a $score call may give the response under
RESPONSE_PARAMETERS = ("response", "questionnaireResponse", "questionnaire-response")


def unwrap_response(resource: object) -> dict:
    """The QuestionnaireResponse, sent as the body or inside a Parameters resource."""
    if isinstance(resource, dict) and resource.get("resourceType") == "Parameters":
        parameters = resource.get("parameter")
        found = (
            [p.get("resource") for p in parameters if isinstance(p, dict) and p.get("name") in RESPONSE_PARAMETERS]
            if isinstance(parameters, list)
            else []
        )
        if len(found) != 1:
            raise ScoreInputError(
                "A Parameters body needs exactly one parameter named 'response' holding the QuestionnaireResponse.",
                "Parameters.parameter",
                code="required",
            )
        resource = found[0]
        if isinstance(resource, dict) and resource.get("resourceType") == "QuestionnaireResponse":
            return resource
    if not isinstance(resource, dict) or resource.get("resourceType") != "QuestionnaireResponse":
        raise ScoreInputError("The body must be a FHIR QuestionnaireResponse (JSON with resourceType).", "")
    if resource.get("status") == "entered-in-error":
        raise ScoreInputError(
            "This QuestionnaireResponse is marked entered-in-error: it is not a response, so it is not scored.",
            "QuestionnaireResponse.status",
            code="business-rule",
        )
    return resource


def questionnaire_reference(resource: dict) -> QuestionnaireReference:
    reference = resource.get("questionnaire")
    if not isinstance(reference, str) or not reference.strip():
        raise ScoreInputError(
            "QuestionnaireResponse.questionnaire must name the questionnaire: our canonical URL or a LOINC panel code.",
            "QuestionnaireResponse.questionnaire",
            code="required",
        )
    canonical, _, version = reference.strip().partition("|")
    return QuestionnaireReference(canonical, version or None)


def match_instrument(reference: QuestionnaireReference, instruments: Mapping[str, Instrument], urls: FhirUrls) -> str:
    """The id of the instrument the response answers: by our canonical URL, or by its
    verified LOINC panel code however the sender spells the reference
    ("http://loinc.org/q/44249-1", "Questionnaire/44249-1", "44249-1", and LHC-Forms'
    Questionnaire id "44249-1-x")."""
    last_segment = reference.canonical.rstrip("/").rsplit("/", 1)[-1]
    for instrument_id, instrument in instruments.items():
        if reference.canonical == urls.questionnaire(instrument_id):
            return instrument_id
        code = instrument.code
        if code and code.system == "loinc" and last_segment in (code.code, f"{code.code}-x"):
            return instrument_id
    raise ScoreInputError(
        f"Unknown questionnaire {reference.canonical!r}: name one of ours by its canonical URL "
        f"({urls.questionnaire('…')}) or by its LOINC panel code.",
        "QuestionnaireResponse.questionnaire",
        code="not-found",
    )


def read_answers(instrument: Instrument, resource: dict, urls: FhirUrls) -> ReadResponse:
    """Item id -> option value, clinician input key -> value, and the sender's own total."""
    questions = {item_link_id(instrument, item): item for item in instrument.items}
    total_id = total_link_id(instrument)
    ignored = {f"{instrument.id}-stem", f"{instrument.id}-instructions"}
    wanted = instrument.scoring.clinician_input
    answers: dict[str, int] = {}
    inputs: dict[str, str] = {}
    sender_total = None
    for path, entry in _items(resource.get("item"), "QuestionnaireResponse.item"):
        link_id = _own_link_id(entry["linkId"], {*questions, total_id, *ignored})
        if link_id in ignored:
            continue
        if link_id == total_id:
            sender_total = _number_answer(entry, path)
            continue
        if wanted is not None and link_id == input_link_id(instrument):
            choices = [
                (urls.local_code_system, local_input_code(instrument, value), value, value) for value in wanted.values
            ]
            inputs[wanted.key] = _chosen(choices, entry, path, wanted.label)
            continue
        item = questions.get(link_id)
        if item is None:
            raise ScoreInputError(
                f"{instrument.short_title} has no item with linkId {entry['linkId']!r}.", f"{path}.linkId"
            )
        if item.id in answers:
            raise ScoreInputError(f"Item {link_id!r} is answered more than once.", path)
        choices = []
        for option in instrument.options_for(item):
            choices.append(
                (urls.local_code_system, local_option_code(instrument, item, option), option.value, option.label)
            )
            if option.code:
                choices.append((LOINC, option.code, option.value, option.label))
        answers[item.id] = _chosen(choices, entry, path, f"item {link_id!r}")
    return ReadResponse(answers, inputs, sender_total)


def _own_link_id(link_id: str, known: set[str]) -> str:
    """Our linkId for the sender's: LHC-Forms writes a LOINC item as "/44250-9" (a path of
    codes: "/44249-1/44250-9" inside a group), so the last code of a path is taken."""
    if link_id in known or not link_id.startswith("/"):
        return link_id
    return link_id.rstrip("/").rsplit("/", 1)[-1]


def _items(items: object, path: str) -> Iterator[tuple[str, dict]]:
    """Every item with answers, flattening groups and answers' nested items."""
    if items is None:
        return
    if not isinstance(items, list):
        raise ScoreInputError("item must be a list.", path, code="structure")
    for index, entry in enumerate(items):
        here = f"{path}[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("linkId"), str):
            raise ScoreInputError("Each item must be an object with a linkId string.", here, code="structure")
        answers = entry.get("answer")
        if answers is not None and not isinstance(answers, list):
            raise ScoreInputError("answer must be a list.", f"{here}.answer", code="structure")
        if answers:
            yield here, entry
        yield from _items(entry.get("item"), f"{here}.item")
        for a_index, answer in enumerate(answers or []):
            if isinstance(answer, dict):
                yield from _items(answer.get("item"), f"{here}.answer[{a_index}].item")


def _single_answer(entry: dict, path: str, what: str) -> dict:
    answers = entry["answer"]
    if len(answers) != 1 or not isinstance(answers[0], dict):
        raise ScoreInputError(f"{what} must have exactly one answer.", f"{path}.answer")
    return answers[0]


def _chosen(choices: list[tuple[str, str, int | str, str]], entry: dict, path: str, what: str) -> int | str:
    """The value of the one option the answer names. `choices` holds (system, code, value,
    label) for each way an option may be named. A coding without a system is matched by
    its code, a valueInteger (or whole valueDecimal) by the option's value and a valueString
    by its label, each only when exactly one option fits."""
    answer = _single_answer(entry, path, what)
    here = f"{path}.answer[0]"
    given = [key for key in answer if key.startswith("value")]
    if "valueCoding" in answer:
        coding = answer["valueCoding"]
        here += ".valueCoding"
        if not isinstance(coding, dict) or not isinstance(coding.get("code"), str):
            raise ScoreInputError(f"{what}: the valueCoding needs a code.", here)
        system = coding.get("system")
        if system is not None and not isinstance(system, str):
            raise ScoreInputError(f"{what}: the valueCoding's system must be a string.", here)
        fits = {value for s, code, value, _label in choices if code == coding["code"] and system in (None, s)}
        wrong = f"unknown answer code {coding['code']!r}" + (f" in {system!r}" if system else " (no system given)")
        expected = ", ".join(dict.fromkeys(code for _s, code, _v, _l in choices))
    elif "valueInteger" in answer or "valueDecimal" in answer:
        number = answer.get("valueInteger", answer.get("valueDecimal"))
        here += ".valueInteger" if "valueInteger" in answer else ".valueDecimal"
        whole = isinstance(number, int | float) and not isinstance(number, bool) and float(number).is_integer()
        fits = {value for _s, _c, value, _l in choices if whole and value == int(number)}
        wrong = f"{number!r} is not the value of one of its options"
        expected = ", ".join(str(v) for v in dict.fromkeys(value for _s, _c, value, _l in choices))
    elif "valueString" in answer:
        text = answer["valueString"]
        here += ".valueString"
        fits = {value for _s, _c, value, label in choices if isinstance(text, str) and text.strip() == label}
        wrong = f"{text!r} is not the wording of one of its options"
        expected = ", ".join(repr(label) for label in dict.fromkeys(label for _s, _c, _v, label in choices))
    else:
        raise ScoreInputError(
            f"{what} must be answered with a valueCoding, valueInteger or valueString "
            f"(got {', '.join(given) or 'no value'}).",
            here,
            code="value",
        )
    if len(fits) != 1:
        raise ScoreInputError(f"{what}: {wrong}; expected one of {expected}.", here, code="code-invalid")
    return fits.pop()


def _number_answer(entry: dict, path: str) -> float | None:
    """The sender's total: a number, or a Quantity's value."""
    answer = _single_answer(entry, path, "The total")
    for key in ("valueInteger", "valueDecimal"):
        if isinstance(answer.get(key), int | float) and not isinstance(answer.get(key), bool):
            return answer[key]
    quantity = answer.get("valueQuantity")
    if isinstance(quantity, dict) and isinstance(quantity.get("value"), int | float):
        return quantity["value"]
    raise ScoreInputError("The total must be answered with a number.", f"{path}.answer[0]", code="value")


def score_warnings(instrument: Instrument, result: dict, sender_total: float | None) -> list[dict]:
    """What the sender should know about a score it asked for: no total for an incomplete
    response (and why), an item asked but left out, its own total where it disagrees with ours.
    `result` is Score.to_dict()."""
    link_ids = {item.id: item_link_id(instrument, item) for item in instrument.items}
    missing = [link_ids[item_id] for item_id in result["unanswered"]]
    warnings = []
    if result["total"] is None:
        warnings.append(
            issue(
                f"Incomplete: {', '.join(missing)} unanswered, so there is no total, band or syndrome; "
                "unanswered items are never estimated (no proration).",
                severity="warning",
                code="incomplete",
                expression="QuestionnaireResponse.item",
            )
        )
    elif missing:
        warnings.append(
            issue(
                f"{', '.join(missing)} unanswered: the total is complete, but the form asks this item too.",
                severity="information",
                code="incomplete",
                expression="QuestionnaireResponse.item",
            )
        )
    if sender_total is not None and sender_total != result["total"]:
        ours = "none, as the response is incomplete" if result["total"] is None else str(result["total"])
        warnings.append(
            issue(
                f"The response's own total ({sender_total:g}) disagrees with Tallyform's ({ours}); "
                "the Observations carry Tallyform's.",
                severity="warning",
                code="business-rule",
                expression=f"QuestionnaireResponse.item.where(linkId = '{total_link_id(instrument)}')",
            )
        )
    return warnings
