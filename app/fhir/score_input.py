"""Read a QuestionnaireResponse another system captured into the answers our scorer takes.

Strict on purpose: an answer we cannot place exactly (an unknown item, an unknown code,
a value of the wrong type) is refused with a message naming it, never skipped, because a
silently dropped answer would change a clinical score.
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


def questionnaire_reference(resource: object) -> QuestionnaireReference:
    if not isinstance(resource, dict) or resource.get("resourceType") != "QuestionnaireResponse":
        raise ScoreInputError("The body must be a FHIR QuestionnaireResponse (JSON with resourceType).", "")
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
    ("http://loinc.org/q/44249-1", "Questionnaire/44249-1", "44249-1")."""
    last_segment = reference.canonical.rstrip("/").rsplit("/", 1)[-1]
    for instrument_id, instrument in instruments.items():
        if reference.canonical == urls.questionnaire(instrument_id):
            return instrument_id
        code = instrument.code
        if code and code.system == "loinc" and last_segment == code.code:
            return instrument_id
    raise ScoreInputError(
        f"Unknown questionnaire {reference.canonical!r}: name one of ours by its canonical URL "
        f"({urls.questionnaire('…')}) or by its LOINC panel code.",
        "QuestionnaireResponse.questionnaire",
        code="not-found",
    )


def read_answers(instrument: Instrument, resource: dict, urls: FhirUrls) -> tuple[dict[str, int], dict[str, str]]:
    """(item id -> option value, clinician input key -> value) from the response's items."""
    questions = {item_link_id(instrument, item): item for item in instrument.items}
    ignored = {total_link_id(instrument), f"{instrument.id}-stem", f"{instrument.id}-instructions"}
    wanted = instrument.scoring.clinician_input
    answers: dict[str, int] = {}
    inputs: dict[str, str] = {}
    for path, entry in _items(resource.get("item"), "QuestionnaireResponse.item"):
        link_id = entry.get("linkId")
        if link_id in ignored:
            continue
        if wanted is not None and link_id == input_link_id(instrument):
            codes = {local_input_code(instrument, value): value for value in wanted.values}
            inputs[wanted.key] = _chosen(codes, entry, path, wanted.label, urls.local_code_system)
            continue
        item = questions.get(link_id)
        if item is None:
            raise ScoreInputError(f"{instrument.short_title} has no item with linkId {link_id!r}.", f"{path}.linkId")
        if item.id in answers:
            raise ScoreInputError(f"Item {link_id!r} is answered more than once.", path)
        by_code = {}
        for option in instrument.options_for(item):
            by_code[(urls.local_code_system, local_option_code(instrument, item, option))] = option.value
            if option.code:
                by_code[(LOINC, option.code)] = option.value
        value = _chosen_coding(by_code, entry, path, f"item {link_id!r}")
        if value is not None:
            answers[item.id] = value
    return answers, inputs


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


def _single_coding(entry: dict, path: str, what: str) -> tuple[str, dict]:
    answers = entry["answer"]
    if len(answers) != 1:
        raise ScoreInputError(f"{what} must have exactly one answer.", f"{path}.answer")
    answer = answers[0]
    here = f"{path}.answer[0]"
    coding = answer.get("valueCoding") if isinstance(answer, dict) else None
    if not isinstance(coding, dict):
        given = [key for key in answer if key.startswith("value")] if isinstance(answer, dict) else []
        raise ScoreInputError(
            f"{what} must be answered with a valueCoding (got {', '.join(given) or 'no value'}).", here, code="value"
        )
    if not isinstance(coding.get("system"), str) or not isinstance(coding.get("code"), str):
        raise ScoreInputError(f"{what}: the valueCoding needs a system and a code.", f"{here}.valueCoding")
    return f"{here}.valueCoding", coding


def _chosen_coding(by_code: dict[tuple[str, str], int | str], entry: dict, path: str, what: str) -> int | str:
    here, coding = _single_coding(entry, path, what)
    key = (coding["system"], coding["code"])
    if key not in by_code:
        raise ScoreInputError(
            f"{what}: unknown answer code {coding['code']!r} in {coding['system']!r}; "
            f"expected one of {', '.join(code for _system, code in by_code)}.",
            here,
            code="code-invalid",
        )
    return by_code[key]


def _chosen(codes: dict[str, str], entry: dict, path: str, what: str, system: str) -> str:
    return _chosen_coding({(system, code): value for code, value in codes.items()}, entry, path, what)
