"""Responses as CSV lines, one line at a time so that an export of any size streams.

Two layouts (docs/csv-codebook.md describes every column): wide, one line per response
with a column per item id; long, one line per answer (and per clinician input) with the
item's LOINC code, the value given and the value it adds to the total.

De-identified files leave out name, date of birth and every id the API accepts (screening,
response, patient), and carry instead of the MRN a keyed hash of it: stable within a clinic
(one patient's responses can be followed over time) but not reversible without the
server's secret, and different in every clinic. Dates are cut to the month, with the days
since the patient's first response in the file, so intervals survive but days do not. Such a
file is pseudonymised, not anonymous: the codebook says what remains.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from types import MappingProxyType
from typing import NamedTuple

from app.instruments.definition import Instrument
from app.instruments.scoring import item_contribution

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection);
# tab and carriage return can hide such a start.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ResponseRow(NamedTuple):
    """One response as an export reads it (a tuple: a row is made for every response, and a
    tuple is made several times faster than a frozen dataclass)."""

    clinic_id: int
    screening_id: int
    response_id: int
    mrn: str
    patient_name: str
    date_of_birth: str  # as printed, YYYY-MM-DD
    packet: str
    instrument: str
    instrument_version: str
    answers: dict[str, int]
    total: int | None
    band: str | None
    is_complete: bool
    flags: tuple[str, ...]  # a tuple, as the caveats: a line's band and flags are written once per distinct set
    # UTC, to the second, as printed (2026-03-09T10:15:30+00:00): the database writes them so,
    # for a datetime parsed and printed again in Python was a fifth of an export's time
    screening_created_at: str
    submitted_at: str
    #: facts staff gave that some bands need (the ACE tier's AAHC status)
    clinician_inputs: Mapping[str, str] = MappingProxyType({})
    band_label: str | None = None  # as it must be printed, e.g. "Moderate (not validated)"
    caveats: tuple[str, ...] = ()  # what must travel with the result (bands note, instrument caveats)


_FORMULA_FIRST = frozenset(FORMULA_STARTS)  # each one character: a set lookup is the fast test


def neutralise(value: object) -> str:
    # Called for the cells that may hold text; an int is the common cell and needs no scan.
    # Idempotent: a neutralised cell starts with "'", which no spreadsheet runs.
    if value is None:
        return ""
    if value.__class__ is int:
        return str(value) if value >= 0 else "'" + str(value)
    text = value if value.__class__ is str else str(value)
    return "'" + text if text[:1] in _FORMULA_FIRST else text


#: what makes csv.writer quote a cell (its delimiter, its quote character, a line break)
_NEEDS_QUOTES = re.compile('[,"\r\n]').search


def written_cell(value: object) -> str:
    """A cell neutralised and written as csv.writer writes it among others (RFC 4180: quoted,
    its quotes doubled, when it holds a comma, a quote or a line break). A line joined from
    these is the writer's line without a call to it for every row."""
    text = neutralise(value)
    return '"' + text.replace('"', '""') + '"' if _NEEDS_QUOTES(text) else text


def pseudonym_key(secret_key: str, clinic_id: int) -> bytes:
    """A key of its own per clinic, derived from the server secret."""
    return hmac.new(
        secret_key.encode(), f"tallyform csv pseudonym, clinic {clinic_id}".encode(), hashlib.sha256
    ).digest()


def pseudonymise_mrn(key: bytes, mrn: str) -> str:
    return hmac.new(key, mrn.encode(), hashlib.sha256).hexdigest()[:32]


LAYOUTS = ("wide", "long")


class Identity:
    """Who and when, as a row may show them: in full, or de-identified. De-identified
    rows carry a per-clinic pseudonym, the month, and the days since that patient's first
    response in this file (responses come oldest first)."""

    def __init__(self, *, deidentify: bool, secret_key: str):
        self.deidentify = deidentify
        self.secret_key = secret_key
        self._keys: dict[int, bytes] = {}
        self._first: dict[str, date] = {}
        self._sittings: dict[str, dict[object, int]] = {}

    def columns(self) -> list[str]:
        if self.deidentify:
            return ["patient_pseudonym", "sitting", "submitted_month", "days_since_first_response"]
        return ["screening_id", "response_id", "mrn", "patient_name", "date_of_birth"]

    def dated_columns(self) -> list[str]:
        return [] if self.deidentify else ["screening_created_at", "submitted_at"]

    def cells(self, row: ResponseRow) -> list:
        """The row's identity cells, as they are: whoever writes them neutralises them (the long
        layout's line(), or written() below)."""
        if not self.deidentify:
            return [row.screening_id, row.response_id, row.mrn, row.patient_name, row.date_of_birth]
        key = self._keys.setdefault(row.clinic_id, pseudonym_key(self.secret_key, row.clinic_id))
        pseudonym = pseudonymise_mrn(key, row.mrn)
        day = date.fromisoformat(row.submitted_at[:10])
        first = self._first.setdefault(pseudonym, day)
        # the patient's sittings numbered 1, 2 … in this file, in place of the screening id
        sittings = self._sittings.setdefault(pseudonym, {})
        sitting = sittings.setdefault(row.screening_id, len(sittings) + 1)
        return [pseudonym, sitting, row.submitted_at[:7], (day - first).days]

    def dated_cells(self, row: ResponseRow) -> list:
        if self.deidentify:
            return []
        return [row.screening_created_at, row.submitted_at]

    def written(self, row: ResponseRow) -> str:
        """cells() as the start of a written line. Written here cell by cell, not by
        written_cell() over cells(): this runs for every row, and only an MRN and a name can
        need neutralising or quoting (ids are numbers, a date of birth is printed digits)."""
        if self.deidentify:
            return ",".join(map(neutralise, self.cells(row)))  # a hash, numbers and a month: no quoting
        return (
            f"{row.screening_id},{row.response_id},{written_cell(row.mrn)},"
            f"{written_cell(row.patient_name)},{row.date_of_birth}"
        )

    def dated_written(self, row: ResponseRow) -> str:
        """dated_cells() written, each after a comma: printed dates need no quoting."""
        return "" if self.deidentify else f",{row.screening_created_at},{row.submitted_at}"


def _inputs(row: ResponseRow) -> str:
    return ";".join(f"{key}={value}" for key, value in sorted(row.clinician_inputs.items()))


def wide_header(item_ids: Sequence[str], identity: Identity) -> list[str]:
    return [
        *identity.columns(),
        "packet",
        "instrument",
        "instrument_version",
        *identity.dated_columns(),
        "complete",
        "total",
        "band",
        "band_label",
        "caveats",
        "flags",
        "clinician_inputs",
        *(f"item_{item_id}" for item_id in item_ids),
        "other_answers",
    ]


_INTS_ONLY = frozenset({int})
_NAMEABLE = re.compile(r"[^()]*").fullmatch  # an item id a %(id)d can name
#: at most this many of each thing a wide line memoises (answer layouts: responses with items
#: left out each have their own; runs of repeating cells)
MAX_MEMOISED = 1024
LINE_END = "\r\n"  # csv.writer's, as RFC 4180 has it


class _Memo(dict):
    """make(*key) for each key, made on first use and kept (up to MAX_MEMOISED keys): looked up
    by subscript, which for a dict needs no Python call per row."""

    def __init__(self, make: Callable):
        super().__init__()
        self.make = make

    def __missing__(self, key: tuple):
        made = self.make(*key)
        if len(self) < MAX_MEMOISED:
            self[key] = made
        return made


def _written_run(*cells: object) -> str:
    """Cells that repeat from row to row, neutralised and written."""
    return ",".join(map(written_cell, cells))


def _score_run(band: str | None, label: str | None, caveats: tuple[str, ...], flags: tuple[str, ...]) -> str:
    return _written_run(band, label, " ".join(caveats), ";".join(flags))


class WideLines:
    """A response's line in the wide layout, neutralised, joined from cells each written as
    csv.writer would (written_cell): this runs for every row, and the writer's call and its scan
    of every character were most of a line's cost. Runs of cells that repeat from row to row
    (the packet, instrument and version; the band, its label, caveats and flags) are written
    once per distinct run. The item columns are laid out once, and each set of answered items
    (nearly always the same few, in the same order) once, as a %-format of the answers: plain
    numbers, as nearly every answer is, need no quoting and no scan. Most of a row's item
    columns are blank."""

    def __init__(self, item_ids: Sequence[str], identity: Identity):
        self.identity = identity
        self.item_ids = list(item_ids)
        self.position = {item_id: index for index, item_id in enumerate(item_ids)}
        self.blank = [""] * len(item_ids)
        self.instruments = _Memo(_written_run)  # (packet, instrument, version) -> written
        self.scores = _Memo(_score_run)  # (band, band_label, caveats, flags) -> written
        self.layouts = _Memo(self._layout)  # answered item ids, in order -> a %-format or None

    def _layout(self, *answered: str) -> str | None:
        """The line's end after the cells before the items, as a %-format of the answers: each
        item column (%(id)d for an item answered), an empty other answers' cell and the line's
        end; None where the row must be laid out item by item (an item without a column of its
        own, or an id a %-format cannot name)."""
        if not answered or not all(item in self.position and _NAMEABLE(item) for item in answered):
            return None
        given = set(answered)
        cells = ("%(" + item_id + ")d" if item_id in given else "" for item_id in self.item_ids)
        return "".join("," + cell for cell in cells) + "," + LINE_END

    def _items(self, answers: Mapping) -> str:
        """The line's end written one answer at a time: item columns and the other answers' cell."""
        items = self.blank.copy()
        other = []
        position = self.position
        for item, value in answers.items():
            index = position.get(item)
            if index is None:
                other.append(f"{item}={value}")
            else:
                items[index] = written_cell(value)
        return "".join("," + cell for cell in items) + "," + written_cell(";".join(other)) + LINE_END

    def _end(self, answers: Mapping) -> str:
        layout = self.layouts[tuple(answers)]
        values = answers.values()
        # %d writes an int as str() does, and would write a bool or a float as a number: only
        # ints, none negative, take the format
        if layout is not None and set(map(type, values)) == _INTS_ONLY and min(values) >= 0:
            return layout % answers
        return self._items(answers)

    def __call__(self, row: ResponseRow) -> str:
        """The cells before the items, then the items. Only those that can hold text are
        neutralised: the dates and "yes"/"no" cannot start a formula, an int only when negative."""
        identity = self.identity
        total = row.total
        return (
            f"{identity.written(row)},"
            f"{self.instruments[row.packet, row.instrument, row.instrument_version]}"
            f"{identity.dated_written(row)},"
            f"{'yes' if row.is_complete else 'no'},"
            f"{total if total.__class__ is int and total >= 0 else written_cell(total)},"
            f"{self.scores[row.band, row.band_label, row.caveats, row.flags]},"
            f"{written_cell(_inputs(row)) if row.clinician_inputs else ''}"
            f"{self._end(row.answers)}"
        )


LONG_COLUMNS = ["kind", "item", "item_position", "loinc_code", "value", "answer_label", "scored_value"]


def long_header(identity: Identity) -> list[str]:
    return [*identity.columns(), "instrument", "instrument_version", *identity.dated_columns(), *LONG_COLUMNS]


def long_cells(row: ResponseRow, definition: Instrument, identity: Identity) -> Iterator[list]:
    """One line per answer given, in item order, then one per clinician input: the scored
    values of a complete response add up to its total."""
    head = [*identity.cells(row), row.instrument, row.instrument_version, *identity.dated_cells(row)]
    for position, item in enumerate(definition.items, start=1):
        if item.id not in row.answers:
            continue
        value = row.answers[item.id]
        label = next((o.label for o in definition.options_for(item) if o.value == value), None)
        scored = item_contribution(definition, item, value)
        yield [*head, "answer", item.id, position, item.code, value, label, scored]
    for key, value in sorted(row.clinician_inputs.items()):
        yield [*head, "clinician_input", key, None, None, value, None, None]


class _LastLine:
    """A file for csv.writer that keeps only the line last written: a line is handed on as it
    is made, with no buffer to empty between lines."""

    __slots__ = ("line",)

    def write(self, line: str) -> None:
        self.line = line


def csv_lines(
    rows: Iterable[ResponseRow],
    item_ids: Sequence[str],
    *,
    deidentify: bool,
    secret_key: str,
    layout: str = "wide",
    definitions: Callable[[str], Instrument] | None = None,
) -> Iterator[str]:
    """The header line, then the lines of each response, each produced only when asked for.
    The long layout needs `definitions`: version -> the instrument definition it pinned."""
    sink = _LastLine()
    writer = csv.writer(sink, lineterminator=LINE_END)
    identity = Identity(deidentify=deidentify, secret_key=secret_key)

    def written(cells: list) -> str:
        writer.writerow(cells)
        return sink.line

    def line(cells: list) -> str:
        return written(list(map(neutralise, cells)))

    if layout == "long":
        yield line(long_header(identity))
        for row in rows:
            for cells in long_cells(row, definitions(row.instrument_version), identity):
                yield line(cells)
        return
    yield line(wide_header(item_ids, identity))
    wide_line = WideLines(item_ids, identity)
    for row in rows:
        yield wide_line(row)
