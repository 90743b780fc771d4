"""`flask --app app export-referrals`: one referral summary PDF per completed screening."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from app.exports.files import private_directory, write_private
from app.extensions import db
from app.models import Clinic, Screening
from app.services.referrals import export_referral


@click.command("export-referrals")
@with_appcontext
@click.option(
    "--since",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Export screenings completed on or after this date (YYYY-MM-DD, UTC).",
)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path), help="Directory.")
@click.option("--clinic", "clinic_slug", help="Only this clinic's screenings (its short name).")
def export_referrals_command(since: datetime, out_dir: Path, clinic_slug: str | None) -> None:
    """Write one referral summary PDF per completed screening since a date."""
    query = sa.select(Screening.id, Clinic.slug).join(Clinic, Clinic.id == Screening.clinic_id)
    query = query.where(Screening.status == "completed", Screening.completed_at >= since.replace(tzinfo=UTC))
    if clinic_slug:
        query = query.where(Clinic.slug == clinic_slug)
    rows = db.session.execute(query.order_by(Screening.completed_at, Screening.id)).all()
    private_directory(out_dir)
    with click.progressbar(rows, label=f"Exporting {len(rows)} referral summaries", show_pos=True) as bar:
        for screening_id, slug in bar:
            pdf = export_referral(db.session, db.session.get(Screening, screening_id))
            write_private(out_dir / f"{slug}-screening-{screening_id}.pdf", pdf)
    click.echo(f"Wrote {len(rows)} PDF{'s' if len(rows) != 1 else ''} to {out_dir}.")
