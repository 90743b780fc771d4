"""FHIR per language: each translation is a Questionnaire of its own (language, version,
derived from the English), a Spanish QuestionnaireResponse names the wording it answered,
and $score gives a Spanish response exactly the English totals."""

import re

import pytest
import sqlalchemy as sa

from app.models import Packet
from app.services import screenings
from tests.fixtures import bearer, by_position, parse_fhir

SCORE = "/fhir/QuestionnaireResponse/$score"
BASE = "https://tallyform.org/fhir/Questionnaire"
#: answer vectors in published item order, one per Spanish instrument (PHQ-9 with item 10)
VECTORS = {
    "phq9": [[2, 2, 2, 2, 1, 0, 0, 0, 1, 1], [3, 3, 3, 3, 3, 3, 3, 3, 3, 3], [0, 0, 0, 0, 0, 0, 0, 0, 0, None]],
    "phq2": [[0, 0], [1, 2], [3, 3]],
    "gad7": [[3, 2, 2, 2, 2, 0, 0], [0, 0, 0, 0, 0, 0, 0], [3, 3, 3, 3, 3, 3, 3]],
}


def _total(bundle: dict) -> int | None:
    for entry in bundle["entry"]:
        parse_fhir(entry["resource"])
    return next((e["resource"]["valueInteger"] for e in bundle["entry"] if "valueInteger" in e["resource"]), None)


def _sitting(session, registry, patient, instrument_id: str, values: list, language: str):
    """A completed screening of one instrument, sat in `language`."""
    packet = session.scalar(
        sa.select(Packet).where(Packet.clinic_id == patient.clinic_id, Packet.name == instrument_id)
    )
    if packet is None:
        from app.models import Clinic
        from app.services.packets import save_packet

        packet = save_packet(session, registry, session.get(Clinic, patient.clinic_id), instrument_id, [instrument_id])
    screening = screenings.create_screening(session, patient, packet, created_by_id=None, language=language)
    answers = {instrument_id: by_position(registry, instrument_id, values)}
    screenings.complete_screening(session, registry, screening, answers, actor_kind="cli")
    return screening


def test_spanish_questionnaire_is_its_own_resource_with_language_version_and_english_source(client, token, registry):
    for instrument_id in ("phq9", "phq2", "gad7"):
        translation, english = registry.translation(instrument_id, "es"), registry[instrument_id]

        spanish = client.get(f"/fhir/Questionnaire/{instrument_id}-es", headers=bearer(token)).json
        original = client.get(f"/fhir/Questionnaire/{instrument_id}", headers=bearer(token)).json

        parse_fhir(spanish)
        assert (spanish["id"], spanish["language"], spanish["version"]) == (
            f"{instrument_id}-es",
            "es",
            translation.version,
        )
        assert spanish["url"] == f"{BASE}/{instrument_id}-es"
        assert spanish["derivedFrom"] == [f"{BASE}/{instrument_id}|{english.version}"]
        assert (original["language"], original["version"]) == ("en", english.version)
        # the same questions, codes and scored values; only the words differ
        questions = [item for item in spanish["item"] if item["type"] == "choice"]
        english_questions = [item for item in original["item"] if item["type"] == "choice"]
        assert [q["linkId"] for q in questions] == [q["linkId"] for q in english_questions]
        for question, english_question in zip(questions, english_questions, strict=True):
            assert [o["valueCoding"]["code"] for o in question["answerOption"]] == [
                o["valueCoding"]["code"] for o in english_question["answerOption"]
            ]
        assert [q["text"] for q in questions] == [item.text for item in translation.definition.items]


def test_spanish_questionnaire_is_found_by_url_and_language_version(client, token, registry):
    version = registry.translation("gad7", "es").version

    found = client.get(f"/fhir/Questionnaire?url={BASE}/gad7-es|{version}", headers=bearer(token)).json

    assert [entry["resource"]["id"] for entry in found["entry"]] == ["gad7-es"]


@pytest.mark.parametrize("instrument_id", ["phq9", "phq2", "gad7"])
def test_spanish_response_round_trips_through_score_with_the_english_totals(
    client, session, registry, token, demo_patient, instrument_id
):
    for values in VECTORS[instrument_id]:
        spanish = _sitting(session, registry, demo_patient, instrument_id, values, "es")
        english = _sitting(session, registry, demo_patient, instrument_id, values, "en")
        [stored_es], [stored_en] = spanish.responses, english.responses
        assert stored_es.total == stored_en.total

        bundle = client.get(f"/fhir/screenings/{spanish.id}", headers=bearer(token)).json
        response = next(
            e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse"
        )
        assert response["language"] == "es"
        translation = registry.translation(instrument_id, "es")
        assert response["questionnaire"] == f"{BASE}/{instrument_id}-es|{translation.version}"
        spanish_texts = {item.text for item in translation.definition.items}
        assert {item["text"] for item in response["item"]} <= spanish_texts

        result = client.post(SCORE, json=response, headers=bearer(token))

        assert result.status_code == 200, result.text
        assert _total(result.json) == stored_en.total


def test_score_reads_spanish_option_words_as_the_same_answers(client, token, registry):
    """A form filler that sends the Spanish label (valueString) is read in Spanish."""
    translation = registry.translation("gad7", "es").definition
    labels = [option.label for option in translation.option_sets["frequency"]]
    english = registry["gad7"].definition
    values = [3, 2, 2, 2, 2, 0, 0]
    resource = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{BASE}/gad7-es",
        "status": "completed",
        "language": "es",
        "item": [
            {"linkId": item.code, "answer": [{"valueString": labels[value]}]}
            for item, value in zip(english.items, values, strict=True)
        ],
    }

    result = client.post(SCORE, json=resource, headers=bearer(token))

    assert result.status_code == 200, result.text
    assert _total(result.json) == sum(values)


def test_questionnaire_read_and_search_know_a_pinned_translation_without_reading_responses(
    client, session, registry, token, demo_patient, count_queries
):
    """Which stored versions are translations, and of what, is kept with each version: a
    Questionnaire read or search never scans the clinic's responses, however many there are."""
    _sitting(session, registry, demo_patient, "gad7", VECTORS["gad7"][0], "es")
    english = registry["gad7"].version

    with count_queries() as statements:
        spanish = client.get("/fhir/Questionnaire/gad7-es", headers=bearer(token)).json
        found = client.get("/fhir/Questionnaire", headers=bearer(token)).json
        history = client.get("/fhir/Questionnaire/gad7-es/_history", headers=bearer(token)).json

    assert [s for s in statements if re.search(r"\bresponse\b", s)] == []
    assert (spanish["language"], spanish["derivedFrom"]) == ("es", [f"{BASE}/gad7|{english}"])
    listed = {entry["resource"]["id"]: entry["resource"] for entry in found["entry"]}
    assert (listed["gad7-es"]["language"], listed["gad7"]["language"]) == ("es", "en")
    assert [entry["resource"]["language"] for entry in history["entry"]] == ["es"]
