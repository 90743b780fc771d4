"""The CSV files byte for byte, for a small clinic whose rows touch every kind of cell: a
later clinician input that settles a band, flags, caveats, a band "not validated", an item
left unanswered, formula-looking names and MRNs, commas and quotes. Any change to what a
file holds shows here; docs/csv-codebook.md must change with it."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.exports.csv_rows import ResponseRow, csv_lines, neutralise, pseudonym_key, pseudonymise_mrn, written_cell
from app.models import Clinic, Response, Screening, User
from app.services import packets, patients
from app.services.clinician_inputs import record_clinician_input
from app.services.exports import start_csv_export
from tests.fixtures import by_position, complete_new_screening

SECRET = "csv-exact-" + "s" * 54
SINCE = datetime(2026, 1, 1, tzinfo=UTC)


def _clinic(session, registry, make_clinic, make_staff) -> dict[str, int]:
    """Three sittings of two patients; returns the ids the file shows, by name."""
    clinic_id = make_clinic("exact", "Exact clinic")
    make_staff(clinic_id, "clinician", "exact-clinician@example.org")
    clinician = session.scalar(sa.select(User).where(User.clinic_id == clinic_id))
    packet = packets.save_packet(
        session, registry, session.get(Clinic, clinic_id), "Intake", ["phq9", "gad7", "aceaware", "pss10"]
    )
    formula = patients.add_patient(
        session, clinic_id, mrn="-12+3", name='=HYPERLINK("x"), Ann', date_of_birth=date(1990, 2, 3)
    )
    plain = patients.add_patient(session, clinic_id, mrn="A-77", name="O'Brien, Sam", date_of_birth=date(1961, 12, 31))
    answers = [
        (
            formula,
            {
                "phq9": by_position(registry, "phq9", [3, 2, 1, 0, 1, 2, 3, 0, 1, 2]),
                "gad7": by_position(registry, "gad7", [0, 1, 2, 3, 0, None, 1]),
                "aceaware": by_position(registry, "aceaware", [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1]),
                "pss10": by_position(registry, "pss10", [0, 1, 2, 3, 4, 0, 1, 2, 3, 4]),
            },
        ),
        (
            plain,
            {
                "phq9": by_position(registry, "phq9", [0] * 9),
                "gad7": by_position(registry, "gad7", [3] * 7),
                "aceaware": by_position(registry, "aceaware", [0] * 10 + [0]),
                "pss10": {},
            },
        ),
        (
            formula,
            {
                "phq9": by_position(registry, "phq9", [1, 1, 1, 1, 1, 1, 1, 1, 0, 1]),
                "gad7": by_position(registry, "gad7", [1] * 7),
                "aceaware": by_position(registry, "aceaware", [1] * 10 + [2]),
                "pss10": by_position(registry, "pss10", [2] * 10),
            },
        ),
    ]
    ids: dict[str, int] = {}
    for number, (patient, given) in enumerate(answers, start=1):
        submitted = datetime(2026, 3, number * 9, 10, 15, 30, 123456, tzinfo=UTC)
        screening = complete_new_screening(session, registry, patient, packet, given, submitted_at=submitted)
        session.execute(
            sa.update(Screening)
            .where(Screening.id == screening.id)
            .values(created_at=datetime(2026, 3, number * 9, 9, 59, 1, 999999, tzinfo=UTC))
        )
        ids[f"s{number}"] = screening.id
        for response in session.scalars(sa.select(Response).where(Response.screening_id == screening.id)):
            ids[f"r{number}{response.instrument_id}"] = response.id
        if number == 1:
            # ACEs Aware 1-3 waits for the AAHC status, given after submission
            record_clinician_input(session, clinician, screening, "aceaware", "yes")
    session.commit()
    ids["clinic"] = clinic_id
    return ids


def _exported(session, registry, clinic_id, **options) -> str:
    return "".join(start_csv_export(session, registry, since=SINCE, secret_key=SECRET, clinic_id=clinic_id, **options))


def _placeholders(session, registry, ids: dict[str, int]) -> dict[str, object]:
    """What the expected files leave as {names}: the ids the database gave, the versions the
    instruments pinned (a hash of their definition), the pseudonyms of the clinic's MRNs."""
    key = pseudonym_key(SECRET, ids["clinic"])
    versions = dict(session.execute(sa.select(Response.instrument_id, Response.instrument_version)).all())
    return {
        **ids,
        **{f"{instrument}_version": version for instrument, version in versions.items()},
        "p1": pseudonymise_mrn(key, "-12+3"),
        "p2": pseudonymise_mrn(key, "A-77"),
    }


EXPECTED = Path(__file__).parent / "csv_exact"
FILES = {
    "wide.csv": {"deidentify": False},
    "wide-deidentified.csv": {"deidentify": True},
    "long.csv": {"deidentify": False, "layout": "long"},
    "long-deidentified.csv": {"deidentify": True, "layout": "long"},
}


@pytest.mark.parametrize("name", FILES)
def test_each_file_is_exactly_as_expected(app, session, registry, make_clinic, make_staff, name):
    ids = _clinic(session, registry, make_clinic, make_staff)
    text = _exported(session, registry, ids["clinic"], **FILES[name])
    assert text.count("\n") == text.count("\r\n")  # every line ends in CRLF, as RFC 4180 has it
    expected = (EXPECTED / name).read_text(encoding="utf-8").format(**_placeholders(session, registry, ids))
    assert text.replace("\r\n", "\n") == expected


def _row(number: int, answers: dict, **fields) -> ResponseRow:
    at = datetime(2026, 5, number, 8, 30, 59, 500000, tzinfo=UTC)  # printed to the second, UTC
    stored = ResponseRow(
        1,
        10 + number,
        100 + number,
        f"M{number}",
        "Name",
        date(2000, 1, number).isoformat(),
        "P",
        "phq9",
        "v1",
        answers,
        number,
        "band",
        True,
        (),
        at.isoformat(timespec="seconds"),
        (at + timedelta(minutes=number)).isoformat(timespec="seconds"),
    )
    return stored._replace(**fields)


def test_each_cell_of_a_row_is_written_and_neutralised_as_before():
    """Rows the database could hold but the services do not make: answers that are not small
    numbers, items no instrument has, formula-looking text in every text column."""
    rows = [
        _row(1, {"2": 3, "1": 0, "self_rating": 2}),
        _row(
            2,
            {"1": -1, "3": "=cmd", "zz": 4, "yy": "-x"},
            total=-3,
            band="@band",
            band_label="+label",
            caveats=("-first", "second"),
            flags=("=a", "b"),
            clinician_inputs={"z": "=1", "a": "two"},
            packet="\tpacket",
            mrn="\r1",
            patient_name='He said "hi",\nthen left',
        ),
        _row(3, {}, total=None, band=None, band_label=None, is_complete=False, instrument_version="-v"),
    ]
    text = "".join(csv_lines(rows, ["1", "2", "3", "self_rating"], deidentify=False, secret_key="k"))
    assert text == (
        "screening_id,response_id,mrn,patient_name,date_of_birth,packet,instrument,instrument_version,"
        "screening_created_at,submitted_at,complete,total,band,band_label,caveats,flags,clinician_inputs,"
        "item_1,item_2,item_3,item_self_rating,other_answers\r\n"
        "11,101,M1,Name,2000-01-01,P,phq9,v1,2026-05-01T08:30:59+00:00,2026-05-01T08:31:59+00:00,yes,1,band,,,,,"
        "0,3,,2,\r\n"
        '12,102,"\'\r1","He said ""hi"",\nthen left",2000-01-02,\'\tpacket,phq9,v1,2026-05-02T08:30:59+00:00,'
        "2026-05-02T08:32:59+00:00,yes,'-3,'@band,'+label,'-first second,'=a;b,a=two;z==1,'-1,,'=cmd,,zz=4;yy=-x\r\n"
        "13,103,M3,Name,2000-01-03,P,phq9,'-v,2026-05-03T08:30:59+00:00,2026-05-03T08:33:59+00:00,no,,,,,,,,,,,\r\n"
    )


@pytest.mark.parametrize(
    "value",
    ["", "plain", "a,b", 'say "hi"', "two\nlines", "end\r", "\ttab", "=1+2", "-3", "@x", "+x", "é – ü", " x ", "'q"]
    + [0, 7, -5, None, True, 1.5],
)
def test_a_cell_is_written_as_csv_writer_writes_it_among_others(value):
    """Wide lines are joined from cells written without csv.writer: each must be the writer's."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([neutralise(value), "next"])
    assert written_cell(value) + ",next\r\n" == out.getvalue()


def test_rows_alike_but_for_their_flags_caveats_or_instrument_each_show_their_own():
    """A wide line writes the cells that repeat from row to row once per distinct run: a run
    differing in any one of its cells is a run of its own."""
    rows = [
        _row(1, {}),
        _row(2, {}, flags=("suicidal_ideation",)),
        _row(3, {}, caveats=("Not diagnostic.",)),
        _row(4, {}, flags=("suicidal_ideation",), caveats=("Not diagnostic.",)),
        _row(5, {}, band_label="Mild"),
        _row(6, {}, instrument_version="v2"),
        _row(7, {}, packet="Q"),
        _row(8, {}),
    ]
    lines = list(csv_lines(rows, ["1"], deidentify=False, secret_key="k"))[1:]
    cells = [next(csv.reader([line])) for line in lines]
    assert [(c[5], c[7], c[13], c[14], c[15]) for c in cells] == [
        ("P", "v1", "", "", ""),
        ("P", "v1", "", "", "suicidal_ideation"),
        ("P", "v1", "", "Not diagnostic.", ""),
        ("P", "v1", "", "Not diagnostic.", "suicidal_ideation"),
        ("P", "v1", "Mild", "", ""),
        ("P", "v2", "", "", ""),
        ("Q", "v1", "", "", ""),
        ("P", "v1", "", "", ""),
    ]
