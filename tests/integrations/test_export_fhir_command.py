"""`flask --app app export-fhir`: one screening to stdout, or every screening since a day to files."""

import json

from tests.fixtures import completed_screenings, parse_fhir


def test_export_fhir_prints_the_screening_bundle(runner, client, session, demo, token):
    screening = completed_screenings(session, demo)[0]
    result = runner.invoke(args=["export-fhir", str(screening.id)])
    assert result.exit_code == 0, result.output
    bundle = json.loads(result.output)
    parse_fhir(bundle)
    api_bundle = client.get(f"/fhir/screenings/{screening.id}", headers={"Authorization": f"Bearer {token}"}).json
    assert bundle == api_bundle


def test_export_fhir_since_writes_one_file_per_screening(runner, session, demo, tmp_path):
    expected = [s.id for s in completed_screenings(session, demo) if s.completed_at.isoformat() >= "2026-11"]
    result = runner.invoke(args=["export-fhir", "--since", "2026-11-01", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    files = sorted((tmp_path / "out").iterdir())
    assert sorted(f.name for f in files) == sorted(f"screening-{i}.json" for i in expected)
    for path in files:
        parse_fhir(json.loads(path.read_text()))


def test_export_fhir_refuses_an_unknown_screening_or_a_half_given_range(runner, app):
    assert runner.invoke(args=["export-fhir", "999"]).exit_code == 1
    result = runner.invoke(args=["export-fhir", "--since", "2026-11-01"])
    assert result.exit_code == 1
    assert "--since YYYY-MM-DD with --out DIR" in result.output
