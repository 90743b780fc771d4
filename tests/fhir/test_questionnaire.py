"""Every installed instrument as a FHIR R4 Questionnaire, built from its YAML alone."""

import pytest

from app.config import PROJECT_ROOT
from app.fhir.codes import LOINC, ORDINAL_VALUE, FhirUrls
from app.fhir.questionnaire import build_questionnaire, build_questionnaire_bundle
from tests.fixtures import parse_fhir

URLS = FhirUrls("https://fhir.example.org/tallyform")
INSTRUMENTS = sorted(path.stem for path in (PROJECT_ROOT / "questionnaires").glob("*.yaml"))


def _questionnaire(registry, instrument_id):
    loaded = registry[instrument_id]
    return build_questionnaire(loaded.definition, loaded.version, URLS)


def _questions(resource):
    return [item for item in resource["item"] if item["type"] == "choice" and not item.get("extension")]


@pytest.mark.parametrize("instrument_id", INSTRUMENTS)
def test_questionnaire_parses_as_r4b_and_pins_the_content_hash(registry, instrument_id):
    resource = _questionnaire(registry, instrument_id)
    parsed = parse_fhir(resource)
    assert parsed.url == f"https://fhir.example.org/tallyform/Questionnaire/{instrument_id}"
    assert parsed.version == registry[instrument_id].version
    assert parsed.status == "active"
    assert registry[instrument_id].definition.permission.split()[0] in resource["copyright"]


@pytest.mark.parametrize("instrument_id", INSTRUMENTS)
def test_items_carry_the_exact_wording_and_every_option_with_its_scored_value(registry, instrument_id):
    definition = registry[instrument_id].definition
    questions = _questions(_questionnaire(registry, instrument_id))
    assert [q["text"] for q in questions] == [item.text for item in definition.items]
    for question, item in zip(questions, definition.items, strict=True):
        options = definition.options_for(item)
        codings = [answer["valueCoding"] for answer in question["answerOption"]]
        assert [c["display"] for c in codings] == [o.label for o in options]
        # the scoring hint is what the answer adds to the total (tests/fhir/test_scoring_hints.py)
        hints = [c.get("extension") for c in codings]
        assert all(hints) if item.scored else not any(hints)
        assert all(h[0]["url"] == ORDINAL_VALUE for h in hints if h)


@pytest.mark.parametrize("instrument_id", INSTRUMENTS)
def test_link_ids_are_loinc_codes_where_verified_and_stable_local_ids_otherwise(registry, instrument_id):
    definition = registry[instrument_id].definition
    questions = _questions(_questionnaire(registry, instrument_id))
    for question, item in zip(questions, definition.items, strict=True):
        if item.code:
            assert question["linkId"] == item.code
            assert question["code"] == [{"system": LOINC, "code": item.code}]
        else:
            assert question["linkId"] == f"{instrument_id}-{item.id}"
            assert "code" not in question


def test_phq9_uses_loinc_panel_item_and_answer_codes(registry):
    resource = _questionnaire(registry, "phq9")
    assert resource["code"][0] == {
        "system": LOINC,
        "code": "44249-1",
        "display": "PHQ-9 quick depression assessment panel [Reported.PHQ]",
    }
    item9 = next(q for q in resource["item"] if q["linkId"] == "44260-8")
    assert [a["valueCoding"]["code"] for a in item9["answerOption"]] == ["LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9"]
    item10 = next(q for q in resource["item"] if q["linkId"] == "69722-7")
    assert item10["required"] is False
    assert [a["valueCoding"]["code"] for a in item10["answerOption"]] == [
        "LA6572-7",
        "LA6573-5",
        "LA6575-0",
        "LA6574-3",
    ]


@pytest.mark.parametrize("instrument_id", ["pss10", "ace"])
def test_instruments_without_verified_loinc_codes_get_no_loinc_code_at_all(registry, instrument_id):
    resource = _questionnaire(registry, instrument_id)
    assert "code" not in resource
    systems = {
        coding["system"]
        for item in resource["item"]
        for coding in [*item.get("code", []), *(a["valueCoding"] for a in item.get("answerOption", []))]
    }
    assert systems == {URLS.local_code_system}


@pytest.mark.parametrize(
    ("instrument_id", "link_id", "total_range"),
    [
        ("phq9", "44261-6", "0–27"),
        ("gad7", "70274-6", "0–21"),
        ("phq2", "55758-7", "0–6"),
        ("pss10", "pss10-total", "0–40"),
        ("ace", "ace-score", "0–10"),
    ],
)
def test_questionnaire_ends_with_a_read_only_total(registry, instrument_id, link_id, total_range):
    total = _questionnaire(registry, instrument_id)["item"][-1]
    assert total["linkId"] == link_id
    assert total["type"] == "integer"
    assert total["readOnly"] is True
    assert total_range in total["text"]


def test_searchset_bundle_lists_every_instrument_and_parses(registry):
    bundle = build_questionnaire_bundle(_questionnaire(registry, instrument_id) for instrument_id in registry)
    parse_fhir(bundle)
    assert bundle["type"] == "searchset"
    assert sorted(entry["resource"]["id"] for entry in bundle["entry"]) == INSTRUMENTS


def test_gated_items_are_enabled_only_by_an_answer_that_does_not_stop_the_form(registry):
    """A form filler neither shows nor requires the PC-PTSD-5 items after an exposure "No"."""
    resource = _questionnaire(registry, "pcptsd5")
    parse_fhir(resource)
    by_link = {item["linkId"]: item for item in resource["item"]}
    assert "enableWhen" not in by_link["pcptsd5-exposure"]
    for number in "12345":
        (condition,) = by_link[f"pcptsd5-{number}"]["enableWhen"]
        assert condition["question"] == "pcptsd5-exposure"
        assert condition["operator"] == "="
        assert condition["answerCoding"]["display"] == "Yes"
        assert condition["answerCoding"]["code"] == "pcptsd5-yes_no-1"
