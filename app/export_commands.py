"""`flask --app app export-fhir | score-fhir | export-csv`: the outputs for other
systems, for operators and scripts."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug.exceptions import NotFound

from app.exports.files import open_private, private_directory, write_private
from app.cli import fail
from app.extensions import db, instruments
from app.fhir.codes import FhirUrls
from app.fhir.score_input import ScoreInputError
from app.models import Clinic
from app.services import exports, interchange


def init_app(app: Flask) -> None:
    for command in (export_fhir_command, score_fhir_command, export_csv_command):
        app.cli.add_command(command)


def _urls() -> FhirUrls:
    return FhirUrls(current_app.config["FHIR_BASE_URL"])


def _dump(resource: dict) -> str:
    return json.dumps(resource, ensure_ascii=False, indent=2)


def _midnight_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC)


def _clinic_id(slug: str | None) -> int | None:
    if slug is None:
        return None
    clinic_id = db.session.scalar(sa.select(Clinic.id).where(Clinic.slug == slug))
    if clinic_id is None:
        fail(f"no clinic has the short name {slug!r}")
    return clinic_id


SINCE = click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), help="First day (UTC), YYYY-MM-DD.")
CLINIC = click.option("--clinic", "clinic_slug", help="Only this clinic (its short name); default: every clinic.")


@click.command("export-fhir")
@with_appcontext
@click.argument("screening_id", type=int, required=False)
@SINCE
@CLINIC
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="Directory for --since.")
def export_fhir_command(screening_id, since, clinic_slug, out_dir) -> None:
    """Print screening SCREENING_ID as a FHIR R4 Bundle, or with --since and --out write one
    file per screening completed since that day."""
    if (screening_id is None) == (since is None) or (since is not None) != (out_dir is not None):
        fail("give either SCREENING_ID, or --since YYYY-MM-DD with --out DIR")
    if screening_id is not None:
        try:
            click.echo(_dump(interchange.export_screening_bundle(db.session, screening_id, _urls())))
        except NotFound:
            fail(f"no screening has the id {screening_id}")
        return
    _clinic_id(clinic_slug)
    ids = interchange.screenings_completed_since(db.session, _midnight_utc(since), clinic_slug)
    private_directory(out_dir)
    for each_id in ids:
        bundle = interchange.export_screening_bundle(db.session, each_id, _urls())
        write_private(out_dir / f"screening-{each_id}.json", _dump(bundle) + "\n")
    click.echo(f"Wrote {len(ids)} screening bundle(s) to {out_dir}.")


@click.command("score-fhir")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def score_fhir_command(path: Path) -> None:
    """Score the QuestionnaireResponse in FILE (JSON) and print the Observations as a Bundle.
    Nothing is stored."""
    try:
        resource = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        fail(f"{path} is not JSON ({error})")
    try:
        bundle = interchange.score_questionnaire_response(db.session, instruments(), resource, _urls())
    except ScoreInputError as error:
        fail(f"{error} (at {error.expression or 'the top level'})")
    click.echo(_dump(bundle))


@click.command("export-csv")
@with_appcontext
@click.option("--since", required=True, type=click.DateTime(formats=["%Y-%m-%d"]), help="First day (UTC).")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--deidentify",
    is_flag=True,
    help="Leave out name, date of birth and ids; replace the MRN with a keyed hash; cut dates to the month.",
)
@click.option(
    "--layout",
    type=click.Choice(["wide", "long"]),
    default="wide",
    show_default=True,
    help="wide: a row per response; long: a row per answer (docs/csv-codebook.md).",
)
@CLINIC
def export_csv_command(since, out_file: Path, deidentify: bool, layout: str, clinic_slug) -> None:
    """Write the responses submitted since that day as CSV (docs/csv-codebook.md)."""
    clinic_id = _clinic_id(clinic_slug)
    since = _midnight_utc(since)
    count = exports.count_responses(db.session, since, clinic_id)
    lines = exports.start_csv_export(
        db.session,
        instruments(),
        since=since,
        deidentify=deidentify,
        secret_key=current_app.config["SECRET_KEY"],
        clinic_id=clinic_id,
        layout=layout,
        actor_kind="cli",
    )
    with open_private(out_file, "w", encoding="utf-8", newline="") as handle:
        handle.write(next(lines))
        label = "Exporting responses" if layout == "wide" else "Exporting answers"
        with click.progressbar(lines, length=None if layout == "long" else count, label=label, file=sys.stderr) as bar:
            for line in bar:
                handle.write(line)
    click.echo(f"Wrote {count} response(s) to {out_file}.")
