"""The read-only FHIR R4 server's own resources and rules: the CapabilityStatement, search
parameters and their parsing, searchset Bundles with paging, the local CodeSystem, the
referral summary as a DocumentReference and the $score OperationDefinition.
Plain data in, JSON-ready dicts out: no Flask, no database."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from app.fhir.codes import (
    FHIR_JSON,
    LOCAL_CODE_SYSTEM,
    input_link_id,
    local_input_code,
    local_option_code,
    total_link_id,
)
from app.instruments.definition import Instrument

FHIR_VERSION = "4.0.1"
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
#: the canonical URL of the $score operation, fixed like the code system's
SCORE_OPERATION = "https://tallyform.org/fhir/OperationDefinition/QuestionnaireResponse-score"
SCORE_OPERATION_ID = "QuestionnaireResponse-score"

#: parameters every search takes
COMMON_PARAMETERS = {"_id": "token", "_lastUpdated": "date", "_count": "number", "_summary": "token"}
#: type -> its own search parameters (name -> FHIR type); `_include` is listed per type below
SEARCH_PARAMETERS: dict[str, dict[str, str]] = {
    "Patient": {"identifier": "token"},
    "Questionnaire": {"url": "uri", "version": "token", "status": "token"},
    "QuestionnaireResponse": {
        "patient": "reference",
        "subject": "reference",
        "authored": "date",
        "date": "date",
        "status": "token",
        "questionnaire": "reference",
    },
    "Observation": {
        "patient": "reference",
        "subject": "reference",
        "date": "date",
        "code": "token",
        "status": "token",
    },
    "DocumentReference": {"patient": "reference", "subject": "reference", "date": "date", "status": "token"},
    "CodeSystem": {"url": "uri"},
    "OperationDefinition": {"url": "uri"},
}
INCLUDES = {
    "QuestionnaireResponse": ("QuestionnaireResponse:subject", "QuestionnaireResponse:patient"),
    "Observation": ("Observation:subject", "Observation:patient"),
    "DocumentReference": ("DocumentReference:subject", "DocumentReference:patient"),
}
RESOURCE_TYPES = tuple(SEARCH_PARAMETERS)
#: parameters a client may send that change nothing in what we return: the format is
#: checked before a search runs, and `total` is always the exact count (fhirpy asks for it
#: with _totalMethod, FHIR with _total)
IGNORED_PARAMETERS = {"_format", "_pretty", "_total", "_totalMethod"}


class SearchError(ValueError):
    """A search the server cannot run as asked: names the parameter and why."""


@dataclass(frozen=True)
class DateRange:
    """[start, end) in UTC, from a FHIR date search value with its prefix."""

    prefix: str
    start: datetime
    end: datetime

    def bounds(self) -> tuple[datetime | None, datetime | None, bool]:
        """The span [low, high) the prefix asks for (None: open-ended), and whether it asks
        for what lies outside it. The search in SQL reads the same bounds."""
        return {
            "eq": (self.start, self.end, False),
            "ne": (self.start, self.end, True),
            "ge": (self.start, None, False),
            "gt": (self.end, None, False),
            "le": (None, self.end, False),
            "lt": (None, self.start, False),
            "sa": (self.end, None, False),
            "eb": (None, self.start, False),
        }[self.prefix]

    def matches(self, at: datetime) -> bool:
        at = at.astimezone(UTC)
        low, high, outside = self.bounds()
        return ((low is None or at >= low) and (high is None or at < high)) != outside


DATE_VALUE = re.compile(
    r"^(eq|ne|gt|lt|ge|le|sa|eb)?(\d{4})(?:-(\d{2})(?:-(\d{2})(T[0-9:.]+(?:Z|[+-]\d{2}:\d{2}))?)?)?$"
)


def parse_date(value: str) -> DateRange:
    """A FHIR date search value: 2026, 2026-11, 2026-11-02 or a dateTime with a zone,
    optionally prefixed (ge2026-11-01). A date without a time is a day in UTC."""
    match = DATE_VALUE.match(value)
    if not match:
        raise SearchError(f"{value!r} is not a FHIR date (e.g. 2026-11-02, ge2026-11, lt2026-11-02T09:00:00Z).")
    prefix, year, month, day, time = match.groups()
    try:
        if time:
            start = datetime.fromisoformat(f"{year}-{month}-{day}{time.replace('Z', '+00:00')}").astimezone(UTC)
            end = start + timedelta(seconds=1)
        elif day:
            start = datetime.combine(date(int(year), int(month), int(day)), datetime.min.time(), tzinfo=UTC)
            end = start + timedelta(days=1)
        elif month:
            start = datetime(int(year), int(month), 1, tzinfo=UTC)
            end = datetime(int(year) + int(month) // 12, int(month) % 12 + 1, 1, tzinfo=UTC)
        else:
            start = datetime(int(year), 1, 1, tzinfo=UTC)
            end = datetime(int(year) + 1, 1, 1, tzinfo=UTC)
    except (ValueError, OverflowError):
        raise SearchError(f"{value!r} is not a valid date.") from None
    return DateRange(prefix or "eq", start, end)


@dataclass(frozen=True)
class SearchQuery:
    """The parsed parameters of one search. Repeated parameters are ANDed; commas in one
    value are ORed, as FHIR search defines."""

    resource_type: str
    ids: tuple[frozenset[str], ...] = ()
    patients: tuple[frozenset[str], ...] = ()
    dates: tuple[DateRange, ...] = ()
    last_updated: tuple[DateRange, ...] = ()
    tokens: dict[str, tuple[frozenset[str], ...]] = field(default_factory=dict)
    include_subject: bool = False
    count: int = DEFAULT_PAGE_SIZE
    offset: int = 0
    summary_count: bool = False


def parse_search(resource_type: str, args: Iterable[tuple[str, str]]) -> SearchQuery:
    """Read a search's query string, refusing any parameter we do not support rather than
    ignoring it: a silently ignored filter returns records the client did not ask for."""
    known = {**COMMON_PARAMETERS, **SEARCH_PARAMETERS[resource_type]}
    ids, patients, dates, last_updated = [], [], [], []
    tokens: dict[str, list[frozenset[str]]] = {}
    include_subject, summary_count, count, offset = False, False, DEFAULT_PAGE_SIZE, 0
    for name, value in args:
        if name in IGNORED_PARAMETERS:
            continue
        if name == "_offset":
            offset = _whole_number(name, value, 0, 10**9)
        elif name == "_include":
            if value not in INCLUDES.get(resource_type, ()):
                allowed = ", ".join(INCLUDES.get(resource_type, ())) or "none"
                raise SearchError(f"_include={value} is not supported here (supported: {allowed}).")
            include_subject = True
        elif name not in known:
            raise SearchError(
                f"Unknown search parameter {name!r} for {resource_type}; supported: {', '.join(sorted(known))}."
            )
        elif name == "_count":
            count = _whole_number(name, value, 0, MAX_PAGE_SIZE)
        elif name == "_summary":
            if value != "count":
                raise SearchError("Only _summary=count is supported.")
            summary_count = True
        elif name == "_id":
            ids.append(_values(value))
        elif known[name] == "reference" and name in ("patient", "subject"):
            patients.append(frozenset(v.removeprefix("Patient/") for v in _values(value)))
        elif name == "_lastUpdated":
            last_updated.append(parse_date(value))
        elif known[name] == "date":
            dates.append(parse_date(value))
        else:
            tokens.setdefault(name, []).append(_values(value))
    return SearchQuery(
        resource_type,
        tuple(ids),
        tuple(patients),
        tuple(dates),
        tuple(last_updated),
        {name: tuple(values) for name, values in tokens.items()},
        include_subject,
        count,
        offset,
        summary_count,
    )


def _values(value: str) -> frozenset[str]:
    return frozenset(part for part in value.split(",") if part)


def _whole_number(name: str, value: str, low: int, high: int) -> int:
    if not (value.isascii() and value.isdigit() and low <= int(value) <= high):
        raise SearchError(f"{name} must be a whole number from {low} to {high}.")
    return int(value)


@dataclass(frozen=True)
class Found:
    """One resource a read or search found, with what its meta and HTTP headers need."""

    resource: dict
    last_updated: datetime
    version_id: str
    #: the id of the Patient it is about, for searches by patient and _include
    patient_id: str | None = None
    #: when it happened (authored, effective, the summary's date), for `date` searches
    at: datetime | None = None
    #: token search parameter -> the values this resource has for it
    tokens: Mapping[str, frozenset[str]] = field(default_factory=dict)


def with_meta(found: Found) -> dict:
    resource = dict(found.resource)
    resource["meta"] = {
        **resource.get("meta", {}),
        "versionId": found.version_id,
        "lastUpdated": instant(found.last_updated),
    }
    # FHIR's JSON puts meta after id; keep resourceType and id first for readers
    head = {key: resource.pop(key) for key in ("resourceType", "id") if key in resource}
    return {**head, "meta": resource.pop("meta"), **resource}


def matches(found: Found, query: SearchQuery) -> bool:
    """Whether a found resource meets every parameter of the query (each list ANDed, each
    set of comma-separated values ORed)."""
    if not all(found.resource.get("id") in ids for ids in query.ids):
        return False
    if not all(found.patient_id in patients for patients in query.patients):
        return False
    if not all(found.at is not None and span.matches(found.at) for span in query.dates):
        return False
    if not all(span.matches(found.last_updated) for span in query.last_updated):
        return False
    for name, alternatives in query.tokens.items():
        have = found.tokens.get(name, frozenset())
        if not all(have & wanted for wanted in alternatives):
            return False
    return True


def token_values(*codings: Mapping) -> frozenset[str]:
    """A token search matches `code` or `system|code`."""
    values = set()
    for coding in codings:
        values.add(coding["code"])
        if coding.get("system"):
            values.add(f"{coding['system']}|{coding['code']}")
    return frozenset(values)


def searchset(
    page: Sequence[Found],
    total: int,
    query: SearchQuery,
    *,
    self_url: str,
    args: Sequence[tuple[str, str]],
    subjects: Mapping[str, Found] = {},  # noqa: B006 - read only
) -> dict:
    """A searchset Bundle of one page: `total` counts every match, and a `next` link (the
    same search with `_offset`) is there while more remain."""
    bundle = {"resourceType": "Bundle", "type": "searchset", "total": total}
    kept = [(name, value) for name, value in args if name != "_offset"]
    links = [{"relation": "self", "url": _page_url(self_url, kept, query.offset)}]
    if query.summary_count:
        bundle["link"] = links
        return bundle
    if query.count and query.offset + query.count < total:
        links.append({"relation": "next", "url": _page_url(self_url, kept, query.offset + query.count)})
    bundle["link"] = links
    entries = [_entry(self_url, item, "match") for item in page]
    if query.include_subject:
        wanted = dict.fromkeys(item.patient_id for item in page if item.patient_id in subjects)
        entries += [_entry(self_url, subjects[patient_id], "include") for patient_id in wanted]
    bundle["entry"] = entries
    return bundle


def history_bundle(found: Sequence[Found], *, self_url: str) -> dict:
    return {
        "resourceType": "Bundle",
        "type": "history",
        "total": len(found),
        "link": [{"relation": "self", "url": self_url}],
        "entry": [
            {
                "fullUrl": _resource_url(self_url, item),
                "resource": with_meta(item),
                "request": {"method": "PUT", "url": f"{item.resource['resourceType']}/{item.resource['id']}"},
                "response": {"status": "200", "lastModified": instant(item.last_updated)},
            }
            for item in found
        ],
    }


def _entry(self_url: str, item: Found, mode: str) -> dict:
    return {"fullUrl": _resource_url(self_url, item), "resource": with_meta(item), "search": {"mode": mode}}


def _resource_url(self_url: str, item: Found) -> str:
    base = self_url.rsplit("/fhir/", 1)[0] + "/fhir"
    return f"{base}/{item.resource['resourceType']}/{item.resource['id']}"


def _page_url(self_url: str, args: Sequence[tuple[str, str]], offset: int) -> str:
    query = [*args, *([("_offset", str(offset))] if offset else [])]
    return f"{self_url}?{urlencode(query)}" if query else self_url


def instant(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def capability_statement(base_url: str, published: datetime) -> dict:
    """What this server does: read and search of a few types, Questionnaire history, and $score."""
    resources = []
    for resource_type, parameters in SEARCH_PARAMETERS.items():
        interactions = [{"code": "read"}, {"code": "search-type"}]
        if resource_type == "Questionnaire":
            interactions += [{"code": "vread"}, {"code": "history-instance"}]
        entry = {
            "type": resource_type,
            "interaction": interactions,
            "versioning": "versioned" if resource_type == "Questionnaire" else "no-version",
            "readHistory": resource_type == "Questionnaire",
            "searchParam": [{"name": name, "type": kind} for name, kind in {**COMMON_PARAMETERS, **parameters}.items()],
        }
        if resource_type in INCLUDES:
            entry["searchInclude"] = list(INCLUDES[resource_type])
        if resource_type == "QuestionnaireResponse":
            entry["operation"] = [{"name": "score", "definition": SCORE_OPERATION}]
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "id": "tallyform",
        "status": "active",
        "date": instant(published),
        "publisher": "Tallyform",
        "kind": "instance",
        "software": {"name": "Tallyform"},
        "implementation": {"description": "Tallyform FHIR R4 API (read-only)", "url": base_url},
        "fhirVersion": FHIR_VERSION,
        "format": [FHIR_JSON, "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    "Read-only. Every call needs a clinic's API token (Authorization: Bearer <token>) and "
                    "sees that clinic's records only. Unknown search parameters are refused with 400."
                ),
                "security": {
                    "cors": False,
                    "description": "Bearer API token made by a clinic admin (Admin → Integrations).",
                },
                "resource": resources,
            }
        ],
    }


def score_operation_definition() -> dict:
    return {
        "resourceType": "OperationDefinition",
        "id": SCORE_OPERATION_ID,
        "url": SCORE_OPERATION,
        "name": "ScoreQuestionnaireResponse",
        "title": "Score a QuestionnaireResponse with Tallyform's rules",
        "status": "active",
        "kind": "operation",
        "code": "score",
        "resource": ["QuestionnaireResponse"],
        "system": False,
        "type": True,
        "instance": False,
        "affectsState": False,
        "description": (
            "Scores a QuestionnaireResponse for one of the installed instruments and returns its Observations "
            "(total with band, raised flags) in a collection Bundle, with an OperationOutcome of warnings when the "
            "response is incomplete (no total: answers are never estimated) or the sender's own total disagrees "
            "with ours. The questionnaire is matched by our canonical URL or its LOINC panel code (also as "
            "LHC-Forms names it, e.g. Questionnaire/44249-1-x); items by our linkId or LOINC code, with or without "
            "a leading '/'; answers by code (a coding without system is accepted when its code is unambiguous), "
            "or by the option's value as valueInteger. A response entered-in-error is refused. Nothing is stored."
        ),
        "parameter": [
            {
                "name": "response",
                "use": "in",
                "min": 1,
                "max": "1",
                "type": "QuestionnaireResponse",
                "documentation": "Sent as the body, or as this parameter of a Parameters resource.",
            },
            {
                "name": "return",
                "use": "out",
                "min": 1,
                "max": "1",
                "type": "Bundle",
                "documentation": "A collection Bundle: the Observations, then an OperationOutcome of warnings if any.",
            },
        ],
    }


def code_system(definitions: Iterable[Instrument], *, version: str, published: datetime) -> dict:
    """Tallyform's local code system, with every code our resources use for the given
    instrument definitions (current and pinned earlier versions)."""
    concepts: dict[str, str] = {}
    for instrument in definitions:
        for code in (instrument.code, instrument.total_code):
            if code and code.system == "local":
                concepts.setdefault(code.code, code.display or code.code)
        if not instrument.total_code:
            concepts.setdefault(total_link_id(instrument), f"{instrument.short_title} total score")
        for item in instrument.items:
            for option in instrument.options_for(item):
                if not option.code:
                    concepts.setdefault(local_option_code(instrument, item, option), option.label)
        wanted = instrument.scoring.clinician_input
        if wanted is not None:
            concepts.setdefault(input_link_id(instrument), wanted.label)
            for value in wanted.values:
                concepts.setdefault(local_input_code(instrument, value), f"{wanted.label}: {value}")
        for band in instrument.scoring.bands:
            if band.by_input is None:
                concepts.setdefault(f"{instrument.id}-band-{band.key}", f"{instrument.short_title}: {band.label}")
        for key, label in instrument.scoring.band_labels.items():
            concepts.setdefault(f"{instrument.id}-band-{key}", f"{instrument.short_title}: {label}")
        for flag in instrument.scoring.flags:
            concepts.setdefault(f"{instrument.id}-flag-{flag.key}", flag.label)
    return {
        "resourceType": "CodeSystem",
        "id": "tallyform",
        "url": LOCAL_CODE_SYSTEM,
        "version": version,
        "name": "Tallyform",
        "title": "Tallyform local codes",
        "status": "active",
        "date": instant(published),
        "description": (
            "Codes for what has no verified LOINC code: PSS-10 and ACE panels and totals, answers without a "
            "LOINC answer code, bands, flags and clinician inputs."
        ),
        "caseSensitive": True,
        "content": "complete",
        "count": len(concepts),
        "concept": [{"code": code, "display": display} for code, display in sorted(concepts.items())],
    }


def document_reference(
    *,
    screening_id: int,
    patient_reference: str,
    pdf: bytes,
    rendered_at: datetime,
) -> dict:
    """The referral summary of a screening, the PDF itself as the attachment. R4 defines
    Attachment.hash as the base64 SHA-1 of the data."""
    return {
        "resourceType": "DocumentReference",
        "id": f"referral-summary-{screening_id}",
        "status": "current",
        "docStatus": "final",
        "type": {"text": "Referral summary"},
        "subject": {"reference": patient_reference},
        "date": instant(rendered_at),
        "description": "Tallyform referral summary of one screening",
        "content": [
            {
                "attachment": {
                    "contentType": "application/pdf",
                    "data": base64.b64encode(pdf).decode(),
                    "size": len(pdf),
                    # FHIR R4 defines Attachment.hash as SHA-1; integrity rests on the stored SHA-256
                    "hash": base64.b64encode(hashlib.sha1(pdf, usedforsecurity=False).digest()).decode(),
                    "title": f"referral-summary-{screening_id}.pdf",
                    "creation": instant(rendered_at),
                }
            }
        ],
    }
