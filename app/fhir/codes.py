"""The URLs and codes Tallyform's FHIR resources use, and how an instrument's parts map
to link ids and codings. The Questionnaire builder, the response builder and the
response reader all take them from here, so what we write is what we read back."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.instruments.definition import Coding, Instrument, Item, Option
from app.instruments.scoring import item_contribution

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
QUESTIONNAIRE_HIDDEN = "http://hl7.org/fhir/StructureDefinition/questionnaire-hidden"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
SDC_CALCULATED_EXPRESSION = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression"
FHIR_JSON = "application/fhir+json"
#: Tallyform's own code system. A code system URL names the codes, not a server: it stays the
#: same whatever TALLYFORM_FHIR_BASE_URL says, so a code received once keeps its meaning.
LOCAL_CODE_SYSTEM = "https://tallyform.org/fhir/CodeSystem/tallyform"


@dataclass(frozen=True)
class FhirUrls:
    """Canonical URLs under one configurable base (TALLYFORM_FHIR_BASE_URL)."""

    base: str

    @property
    def local_code_system(self) -> str:
        """Tallyform's own code system: codes for what has no verified LOINC code (PSS-10 and
        ACE panels and totals, band and flag codes, answers without a LOINC answer code)."""
        return LOCAL_CODE_SYSTEM

    def questionnaire(self, instrument_id: str) -> str:
        return f"{self.base}/Questionnaire/{instrument_id}"

    def mrn_system(self, clinic_slug: str) -> str:
        """The identifier system of a clinic's medical record numbers: an MRN is unique only
        within its clinic, so each clinic has its own system."""
        return f"{self.base}/clinics/{clinic_slug}/mrn"

    def full_url(self, resource_type: str, resource_id: str) -> str:
        """A stable urn:uuid for a resource inside a Bundle: the same record always gets the
        same one, so a receiver can recognise a resource it has seen."""
        return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{self.base}/{resource_type}/{resource_id}')}"


def coding(code: Coding, urls: FhirUrls) -> dict:
    system = {"loinc": LOINC, "snomed": SNOMED, "local": urls.local_code_system}[code.system]
    result = {"system": system, "code": code.code}
    if code.display:
        result["display"] = code.display
    return result


def item_link_id(instrument: Instrument, item: Item) -> str:
    """The item's LOINC code where verified (as LHC-Forms does), else a stable id of ours."""
    return item.code or f"{instrument.id}-{item.id}"


def input_link_id(instrument: Instrument) -> str:
    return f"{instrument.id}-input-{instrument.scoring.clinician_input.key}"


def total_link_id(instrument: Instrument) -> str:
    return instrument.total_code.code if instrument.total_code else f"{instrument.id}-total"


def local_option_code(instrument: Instrument, item: Item, option: Option) -> str:
    return f"{instrument.id}-{item.options}-{option.value}"


def local_input_code(instrument: Instrument, value: str) -> str:
    return f"{instrument.id}-{instrument.scoring.clinician_input.key}-{value}"


def ordinal(value: int) -> list[dict]:
    return [{"url": ORDINAL_VALUE, "valueDecimal": value}]


def option_code(instrument: Instrument, item: Item, option: Option) -> str:
    """The answer's code: its LOINC answer code where verified, else ours."""
    return option.code or local_option_code(instrument, item, option)


def option_coding(instrument: Instrument, item: Item, option: Option, urls: FhirUrls) -> dict:
    """The answer as a coding: LOINC answer code where verified, else ours. Its ordinalValue is
    what the answer adds to the total (reversed where the item is reversed); an item that is
    never scored carries none, so a form filler summing ordinalValues gets our total."""
    system = LOINC if option.code else urls.local_code_system
    result = {"system": system, "code": option_code(instrument, item, option)}
    contribution = item_contribution(instrument, item, option.value)
    hint = {"extension": ordinal(contribution)} if contribution is not None else {}
    return {**hint, **result, "display": option.label}


def input_coding(instrument: Instrument, value: str, urls: FhirUrls) -> dict:
    return {"system": urls.local_code_system, "code": local_input_code(instrument, value), "display": value}


def total_coding(instrument: Instrument, urls: FhirUrls) -> dict:
    if instrument.total_code:
        return coding(instrument.total_code, urls)
    return {"system": urls.local_code_system, "code": total_link_id(instrument)}


def questionnaire_id(instrument_id: str, language: str = "en") -> str:
    """A language's Questionnaire of an instrument: its own resource, url and versions
    ("phq9-es"), so a response names the exact wording it answered."""
    return instrument_id if language == "en" else f"{instrument_id}-{language}"


def split_questionnaire_id(value: str) -> tuple[str, str]:
    """(instrument id, language) of a Questionnaire id; instrument ids hold no hyphen."""
    instrument_id, _, language = value.partition("-")
    return instrument_id, language or "en"


def flag_coding(instrument: Instrument, key: str, label: str, urls: FhirUrls) -> dict:
    return {"system": urls.local_code_system, "code": f"{instrument.id}-flag-{key}", "display": label}


def resource_id(*parts: object) -> str:
    """A FHIR id ([A-Za-z0-9-.]{1,64}) from our keys, which may hold underscores."""
    return "-".join(str(part) for part in parts).replace("_", "-")[:64]
