"""A screening as a FHIR R4 Bundle: the Patient, one QuestionnaireResponse per instrument,
and the Observations its scores support."""

from __future__ import annotations

from datetime import datetime

from app.fhir.codes import (
    IDENTIFIER_TYPE,
    OBSERVATION_CATEGORY,
    FhirUrls,
    flag_coding,
    input_coding,
    input_link_id,
    item_link_id,
    option_coding,
    questionnaire_id,
    resource_id,
    total_coding,
)
from app.fhir.records import PatientRecord, ResponseRecord, ScreeningRecord
from app.instruments.definition import Instrument
from app.instruments.labels import score_label

SURVEY = {"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}


def build_screening_bundle(screening: ScreeningRecord, urls: FhirUrls) -> dict:
    patient = build_patient(screening.patient)
    patient_ref = urls.full_url("Patient", patient["id"])
    resources = [patient]
    for response in screening.responses:
        questionnaire_response = build_questionnaire_response(response, urls, subject=patient_ref)
        resources.append(questionnaire_response)
        resources += build_observations(
            response.instrument,
            response.score,
            urls,
            id_prefix=resource_id("response", response.id),
            subject=patient_ref,
            derived_from=urls.full_url("QuestionnaireResponse", questionnaire_response["id"]),
            effective=_instant(response.submitted_at),
        )
    return {
        "resourceType": "Bundle",
        "id": resource_id("screening", screening.id),
        "type": "collection",
        "entry": [
            {"fullUrl": urls.full_url(resource["resourceType"], resource["id"]), "resource": resource}
            for resource in resources
        ],
    }


def build_patient(patient: PatientRecord) -> dict:
    return {
        "resourceType": "Patient",
        "id": resource_id("patient", patient.id),
        "identifier": [
            {
                "use": "usual",
                "type": {"coding": [{"system": IDENTIFIER_TYPE, "code": "MR", "display": "Medical record number"}]},
                "system": patient.mrn_system,
                "value": patient.mrn,
            }
        ],
        "name": [{"text": patient.name}],
        "birthDate": patient.date_of_birth.isoformat(),
    }


def build_questionnaire_response(response: ResponseRecord, urls: FhirUrls, *, subject: str | None) -> dict:
    """Every answer the patient gave, coded as the pinned version's options, in item order,
    with the wording they saw (a translation's, which shares its codes with the English).
    An unanswered item is left out; an incomplete response says so (in-progress)."""
    instrument = response.instrument
    seen = response.seen or instrument
    items = []
    for item in seen.items:
        if item.id not in response.answers:
            continue
        option = next(o for o in seen.options_for(item) if o.value == response.answers[item.id])
        items.append(
            {
                "linkId": item_link_id(seen, item),
                "text": item.text,
                "answer": [{"valueCoding": option_coding(seen, item, option, urls)}],
            }
        )
    wanted = instrument.scoring.clinician_input
    if wanted is not None and wanted.key in response.clinician_inputs:
        value = response.clinician_inputs[wanted.key]
        items.append(
            {
                "linkId": input_link_id(instrument),
                "text": wanted.label,
                "answer": [{"valueCoding": input_coding(instrument, value, urls)}],
            }
        )
    resource = {
        "resourceType": "QuestionnaireResponse",
        "id": resource_id("response", response.id),
        "language": response.language,
        # the exact wording answered: the translation's own Questionnaire and version, if any
        "questionnaire": f"{urls.questionnaire(questionnaire_id(instrument.id, response.language))}|"
        f"{response.seen_version or response.version}"
        if response.seen
        else f"{urls.questionnaire(instrument.id)}|{response.version}",
        "status": "completed" if response.score["complete"] else "in-progress",
        "authored": _instant(response.submitted_at),
    }
    if subject:
        resource["subject"] = {"reference": subject}
    resource["item"] = items
    return resource


def build_observations(
    instrument: Instrument,
    score: dict,
    urls: FhirUrls,
    *,
    id_prefix: str,
    subject: str | None,
    derived_from: str | None,
    effective: str | None,
) -> list[dict]:
    """One Observation for the total (none for an incomplete response: the scoring rules
    give it no total) and one per raised flag. `score` is Score.to_dict()."""
    common = {"status": "final", "category": [SURVEY]}
    if subject:
        common["subject"] = {"reference": subject}
    if effective:
        common["effectiveDateTime"] = effective
    if derived_from:
        common["derivedFrom"] = [{"reference": derived_from}]
    observations = []
    if score["total"] is not None:
        label = score_label(instrument, score)
        total = {
            "resourceType": "Observation",
            "id": resource_id(id_prefix, "total"),
            **common,
            "code": {"coding": [total_coding(instrument, urls)], "text": f"{instrument.short_title} total score"},
            "valueInteger": score["total"],
        }
        if score["band"]:
            total["interpretation"] = [
                {
                    "coding": [
                        {
                            "system": urls.local_code_system,
                            "code": f"{instrument.id}-band-{score['band']}",
                            "display": score["band_label"],
                        }
                    ],
                    "text": label.band_text,
                }
            ]
        notes = [*label.remarks, *score["notes"]]
        if any(notes):
            total["note"] = [{"text": note} for note in notes if note]
        observations.append(total)
    for key in score["flags"]:
        observations.append(
            {
                "resourceType": "Observation",
                "id": resource_id(id_prefix, "flag", key),
                **common,
                "code": {
                    "coding": [flag_coding(instrument, key, score["flag_labels"][key], urls)],
                    "text": score["flag_labels"][key],
                },
                "valueBoolean": True,
            }
        )
    return observations


def _instant(value: datetime) -> str:
    return value.isoformat(timespec="seconds")
