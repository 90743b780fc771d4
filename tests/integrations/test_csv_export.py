"""CSV for quality improvement: one row per response, de-identified on request, safe to open
in a spreadsheet, streamed rather than built in memory."""

import csv
import io
import itertools
from datetime import UTC, date, datetime

import sqlalchemy as sa

from app.exports.csv_rows import ResponseRow, csv_lines
from app.models import AuditEvent, Packet, Patient, Response
from app.services import patients
from tests.conftest import csrf_token_from
from tests.fixtures import by_position, complete_new_screening

DOWNLOAD = "/admin/integrations/responses.csv"


def _export(runner, tmp_path, *args, name="responses.csv"):
    out = tmp_path / name
    result = runner.invoke(args=["export-csv", "--since", "2026-01-01", "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8"), result


def _rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_export_has_one_row_per_response_with_its_stored_score(runner, session, demo, tmp_path):
    text, result = _export(runner, tmp_path)
    rows = _rows(text)
    since = datetime(2026, 1, 1, tzinfo=UTC)  # the demo's generated history begins before it
    responses = session.scalars(
        sa.select(Response).where(Response.submitted_at >= since).order_by(Response.submitted_at, Response.id)
    ).all()
    assert session.scalar(sa.select(sa.func.count(Response.id)).where(Response.submitted_at < since)) > 0
    assert [int(row["response_id"]) for row in rows] == [r.id for r in responses]
    for row, response in zip(rows, responses, strict=True):
        assert row["instrument"] == response.instrument_id
        assert row["instrument_version"] == response.instrument_version
        assert row["total"] == ("" if response.total is None else str(response.total))
        assert row["band"] == (response.band or "")
        assert row["flags"] == ";".join(response.score["flags"])
        assert {k: row[f"item_{k}"] for k in response.answers} == {k: str(v) for k, v in response.answers.items()}
    assert rows[0]["patient_name"]
    assert f"Wrote {len(responses)} response(s)" in result.output


def test_deidentified_export_has_no_name_birth_date_or_mrn(runner, session, demo, tmp_path, other_clinic):
    identified, _result = _export(runner, tmp_path, name="identified.csv")
    text, _result = _export(runner, tmp_path, "--deidentify")
    everyone = session.scalars(sa.select(Patient)).all()
    for patient in everyone:
        assert patient.name not in text
        assert patient.date_of_birth.isoformat() not in text
        assert patient.mrn not in text
    assert "patient_name" not in text
    assert "date_of_birth" not in text
    pseudonyms = {}
    # both files list the same responses in the same order
    for named, row in zip(_rows(identified), _rows(text), strict=True):
        patient = session.get(Response, int(named["response_id"])).screening.patient
        pseudonyms.setdefault((patient.clinic_id, patient.mrn), set()).add(row["patient_pseudonym"])
    assert all(len(values) == 1 for values in pseudonyms.values())  # stable within a clinic
    # the same MRN in two clinics is two different people: two different pseudonyms
    same_mrn = [values for (clinic_id, mrn), values in pseudonyms.items() if mrn == "100234"]
    assert len(same_mrn) == 2
    assert same_mrn[0] != same_mrn[1]


def test_formula_looking_values_are_neutralised(runner, session, registry, demo, tmp_path):
    patient = patients.add_patient(
        session, demo, mrn="-2+3", name='=HYPERLINK("http://evil.example","Click")', date_of_birth=date(1990, 1, 1)
    )
    packet = session.scalar(sa.select(Packet).where(Packet.clinic_id == demo, Packet.name == "Follow-up"))
    complete_new_screening(
        session, registry, patient, packet, {"phq9": by_position(registry, "phq9", [0] * 10), "gad7": {}}
    )
    text, _result = _export(runner, tmp_path)
    row = next(r for r in _rows(text) if r["mrn"].endswith("-2+3"))
    assert row["patient_name"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert row["mrn"] == "'-2+3"
    cells = [cell for r in _rows(text) for cell in r.values()]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]


def _row(number):
    at = "2026-01-01T00:00:00+00:00"
    return ResponseRow(1, number, number, "1", "Name", "2000-01-01", "P", "phq9", "v", {}, 0, None, True, (), at, at)


def test_csv_lines_are_produced_one_at_a_time_from_an_endless_source():
    endless = (_row(n) for n in itertools.count(1))
    first = list(itertools.islice(csv_lines(endless, ["1"], deidentify=False, secret_key="k"), 3))
    assert first[0].startswith("screening_id,")
    assert [line.split(",")[0] for line in first[1:]] == ["1", "2"]


def test_admin_download_streams_is_scoped_to_the_clinic_and_is_audited(client, login_as, session, other_clinic):
    login_as("admin")
    token = csrf_token_from(client.get("/admin/integrations/").text)
    response = client.post(
        DOWNLOAD, data={"since": "2026-01-01", "deidentify": "y", "csrf_token": token}, buffered=False
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    chunks = response.response
    first = next(iter(chunks))
    first = first.decode() if isinstance(first, bytes) else first
    # the header came out on its own, before any row was read: the file is streamed
    assert first.startswith("patient_pseudonym,")
    assert first.count("\n") == 1
    rest = "".join(c.decode() if isinstance(c, bytes) else c for c in chunks)
    response.close()
    rows = _rows(first + rest)
    demo_responses = session.scalar(
        sa.select(sa.func.count(Response.id)).where(
            Response.screening_id != other_clinic.screening_id,
            Response.submitted_at >= datetime(2026, 1, 1, tzinfo=UTC),
        )
    )
    assert len(rows) == demo_responses
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "responses.export_csv")).one()
    assert event.details == {"since": "2026-01-01T00:00:00+00:00", "deidentified": True, "layout": "wide"}
    assert event.actor_user_id is not None


def test_download_without_a_date_explains_what_to_enter(client, login_as, session):
    login_as("admin")
    response = client.post(DOWNLOAD, data={"csrf_token": csrf_token_from(client.get("/admin/integrations/").text)})
    assert response.status_code == 400
    assert "Enter the first date to include" in response.text
    assert session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "responses.export_csv")) == 0


def test_download_without_a_csrf_token_is_refused_and_not_audited(client, login_as, session):
    login_as("admin")
    assert client.get(DOWNLOAD, query_string={"since": "2026-01-01"}).status_code == 405
    assert client.post(DOWNLOAD, data={"since": "2026-01-01"}).status_code == 400
    assert session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "responses.export_csv")) == 0
