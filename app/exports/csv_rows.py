"""Responses as CSV lines, one line at a time so that an export of any size streams.

De-identified files leave out name and date of birth and carry, instead of the MRN, a
keyed hash of it: stable within a clinic (one patient's responses can be followed over
time) but not reversible without the server's secret, and different in every clinic.
Service dates stay, so such a file is pseudonymised, not anonymous.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection);
# tab and carriage return can hide such a start.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class ResponseRow:
    clinic_id: int
    screening_id: int
    response_id: int
    mrn: str
    patient_name: str
    date_of_birth: date
    packet: str
    instrument: str
    instrument_version: str
    answers: dict[str, int]
    total: int | None
    band: str | None
    is_complete: bool
    flags: Sequence[str]
    screening_created_at: datetime
    submitted_at: datetime
    band_label: str | None = None  # as it must be printed, e.g. "Moderate (not validated)"
    caveats: Sequence[str] = ()  # what must travel with the result (bands note, instrument caveats)


def neutralise(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def pseudonym_key(secret_key: str, clinic_id: int) -> bytes:
    """A key of its own per clinic, derived from the server secret."""
    return hmac.new(
        secret_key.encode(), f"tallyform csv pseudonym, clinic {clinic_id}".encode(), hashlib.sha256
    ).digest()


def pseudonymise_mrn(key: bytes, mrn: str) -> str:
    return hmac.new(key, mrn.encode(), hashlib.sha256).hexdigest()[:32]


def header(item_ids: Sequence[str], *, deidentify: bool) -> list[str]:
    who = ["patient_pseudonym"] if deidentify else ["mrn", "patient_name", "date_of_birth"]
    return [
        "screening_id",
        "response_id",
        *who,
        "packet",
        "instrument",
        "instrument_version",
        "screening_created_at",
        "submitted_at",
        "complete",
        "total",
        "band",
        "band_label",
        "caveats",
        "flags",
        *(f"item_{item_id}" for item_id in item_ids),
        "other_answers",
    ]


def csv_lines(
    rows: Iterable[ResponseRow], item_ids: Sequence[str], *, deidentify: bool, secret_key: str
) -> Iterator[str]:
    """The header line, then one line per response, each produced only when asked for."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    keys: dict[int, bytes] = {}

    def line(cells: list) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralise(cell) for cell in cells])
        return buffer.getvalue()

    yield line(header(item_ids, deidentify=deidentify))
    known = set(item_ids)
    for row in rows:
        if deidentify:
            key = keys.setdefault(row.clinic_id, pseudonym_key(secret_key, row.clinic_id))
            who = [pseudonymise_mrn(key, row.mrn)]
        else:
            who = [row.mrn, row.patient_name, row.date_of_birth.isoformat()]
        other = ";".join(f"{item}={value}" for item, value in row.answers.items() if item not in known)
        yield line(
            [
                row.screening_id,
                row.response_id,
                *who,
                row.packet,
                row.instrument,
                row.instrument_version,
                row.screening_created_at.isoformat(timespec="seconds"),
                row.submitted_at.isoformat(timespec="seconds"),
                "yes" if row.is_complete else "no",
                row.total,
                row.band,
                row.band_label,
                " ".join(row.caveats),
                ";".join(row.flags),
                *(row.answers.get(item_id) for item_id in item_ids),
                other,
            ]
        )
