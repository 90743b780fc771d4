"""`flask --app app …` commands for deployers, integrators and `make`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from app.config import PROJECT_ROOT
from app.extensions import db, instruments
from app.instruments.registry import UnknownInstrumentError
from app.instruments.scoring import AnswerError, score
from app.models import Clinic
from app.models.staff import ROLES
from app.services import clinics, staff


def init_app(app: Flask) -> None:
    for command in (
        migrate_command,
        seed_demo_command,
        score_command,
        create_clinic_command,
        create_user_command,
        start_screening_command,
        verify_audit_command,
        rotate_data_key_command,
        check_config_command,
    ):
        app.cli.add_command(command)


def fail(message: str) -> None:
    """One line on stderr, exit status 1: what a script calling us can act on."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def alembic_config(database_url: str):
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


@click.command("migrate")
@with_appcontext
@click.option("--revision", default="head", show_default=True, help="Alembic revision to upgrade to.")
def migrate_command(revision: str) -> None:
    """Apply database migrations (creates the SQLite file if needed)."""
    from alembic import command

    url = current_app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)
    click.echo(f"Database at revision {revision}.")


@click.command("seed-demo")
@with_appcontext
@click.option("--file", "path", default=str(PROJECT_ROOT / "seeds" / "demo_clinic.yaml"), show_default=True)
def seed_demo_command(path: str) -> None:
    """Load the demo clinic (idempotent)."""
    from app.seeding import load_demo_clinic

    clinic = load_demo_clinic(db.session, instruments(), Path(path))
    click.echo(f"Demo clinic ready: {clinic.name}.")


# Unknown "options" are taken as arguments so that answers starting with "-1" reach our
# own one-line validation instead of click's usage text.
@click.command("score", context_settings={"ignore_unknown_options": True})
@with_appcontext
@click.argument("instrument")
@click.argument("answers")
@click.option("--aahc", help="ACE-associated health condition: yes, no or unknown (ACEs Aware tier only).")
def score_command(instrument: str, answers: str, aahc: str | None) -> None:
    """Score ANSWERS (item values in published order, comma-separated; leave a value
    empty for an unanswered item) and print the result as JSON."""
    try:
        loaded = instruments()[instrument]
    except UnknownInstrumentError:
        fail(f"unknown instrument {instrument!r}; installed: {', '.join(sorted(instruments()))}")
    definition = loaded.definition
    wanted = definition.scoring.clinician_input
    if aahc is not None and (wanted is None or wanted.key != "aahc"):
        fail(f"--aahc applies only to an instrument whose tier needs it; {definition.short_title} takes none")
    values = [value.strip() for value in answers.split(",")]
    allowed_counts = answer_counts(definition)
    if len(values) not in allowed_counts:
        counts = " or ".join(map(str, allowed_counts))
        fail(f"{definition.short_title} takes {counts} answers, got {len(values)}")
    given: dict[str, int | None] = {}
    for item, value in zip(definition.items, values, strict=False):
        if value == "":
            given[item.id] = None
            continue
        try:
            given[item.id] = int(value)
        except ValueError:
            fail(f"{definition.short_title} item {item.id}: {value!r} is not a number")
    inputs = {wanted.key: aahc} if aahc is not None else {}
    try:
        result = score(definition, loaded.version, given, inputs).to_dict()
    except AnswerError as error:
        fail(str(error))
    if definition.scoring.algorithm is None:
        result.pop("syndrome")
        result.pop("syndrome_label")
    click.echo(json.dumps(result, ensure_ascii=False))


def answer_counts(definition) -> list[int]:
    """Every item in printed order; or, when the form ends in unscored items (PHQ-9 item 10),
    the items before them alone."""
    counts = {len(definition.items)}
    trailing = len(definition.items)
    while trailing and not definition.items[trailing - 1].scored:
        trailing -= 1
    counts.add(trailing)
    return sorted(counts)


@click.command("create-clinic")
@with_appcontext
@click.option("--slug", required=True, help="Short name, e.g. riverside.")
@click.option("--name", required=True, help="The clinic's name as patients know it.")
@click.option("--timezone", default="UTC", show_default=True, help="IANA time zone, e.g. America/Chicago.")
@click.option("--paper-size", type=click.Choice(["Letter", "A4"]), default="Letter", show_default=True)
def create_clinic_command(slug: str, name: str, timezone: str, paper_size: str) -> None:
    """Create a clinic."""
    try:
        clinic = clinics.create_clinic(db.session, slug=slug, name=name, timezone=timezone, paper_size=paper_size)
    except clinics.ClinicError as error:
        fail(str(error))
    click.echo(f"Created clinic {clinic.slug} ({clinic.name}).")


@click.command("create-user")
@with_appcontext
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--clinic", "clinic_slug", required=True, help="The clinic's short name.")
@click.password_option(prompt="Password (at least 12 characters)")
def create_user_command(email: str, name: str, role: str, clinic_slug: str, password: str) -> None:
    """Create a staff account; asks for the password."""
    clinic = db.session.scalar(sa.select(Clinic).where(Clinic.slug == clinic_slug))
    if clinic is None:
        fail(f"no clinic has the short name {clinic_slug!r}")
    try:
        user = staff.create_user(db.session, clinic, email=email, name=name, role=role, password=password)
    except staff.StaffError as error:
        fail(str(error))
    click.echo(f"Created {user.role_label.lower()} account {user.email} at {clinic.name}.")


@click.command("start-screening")
@with_appcontext
@click.option("--clinic", "clinic_slug", required=True, help="The clinic's short name.")
@click.option("--mrn", required=True, help="The patient's MRN at that clinic.")
@click.option("--packet", "packet_name", required=True, help="The packet's name, e.g. 'New patient'.")
def start_screening_command(clinic_slug: str, mrn: str, packet_name: str) -> None:
    """Start a screening and print its one-time tablet code."""
    from datetime import timedelta

    from app.models import Packet
    from app.services import access_codes, patients, screenings

    clinic = db.session.scalar(sa.select(Clinic).where(Clinic.slug == clinic_slug))
    if clinic is None:
        fail(f"no clinic has the short name {clinic_slug!r}")
    patient = patients.find_patient(db.session, clinic.id, mrn)
    if patient is None:
        fail(f"no patient with MRN {mrn!r} at {clinic.name}")
    packet = db.session.scalar(
        sa.select(Packet).where(Packet.clinic_id == clinic.id, Packet.name == packet_name, Packet.is_active.is_(True))
    )
    if packet is None:
        names = ", ".join(p.name for p in screenings.active_packets(db.session, clinic.id))
        fail(f"no active packet {packet_name!r} at {clinic.name}; packets: {names}")
    screening = screenings.create_screening(db.session, patient, packet, created_by_id=None, registry=instruments())
    code = access_codes.issue_access_code(
        db.session,
        screening,
        secret_key=current_app.config["SECRET_KEY"],
        lifetime=timedelta(minutes=current_app.config["ACCESS_CODE_MINUTES"]),
        created_by_id=None,
    )
    click.echo(access_codes.display_code(code))


@click.command("verify-audit")
@with_appcontext
@click.option(
    "--since-checkpoint",
    "checkpoint",
    is_flag=False,
    flag_value="anchor",
    default=None,
    metavar="[ID:HASH]",
    help="Also prove that no event was removed since this checkpoint (one printed by an earlier "
    "run); without a value, since every head in the anchor file.",
)
def verify_audit_command(checkpoint: str | None) -> None:
    """Check the audit trail's keyed hash chain, and every head anchored outside the database;
    exit status 1 at the first problem. Prints a checkpoint to keep for the next run."""
    from app.models import AuditEvent
    from app.services import audit

    broken = audit.verify_audit_chain(db.session)
    if broken is not None:
        fail(
            f"the audit trail is broken at event {broken}: that event, or the one before it, "
            "was changed or removed after it was written"
        )
    anchored = audit.anchored_checkpoints()
    given = []
    if checkpoint not in (None, "anchor"):
        try:
            given = [audit.Checkpoint.parse(checkpoint)]
        except ValueError as error:
            fail(str(error))
    elif checkpoint == "anchor" and not anchored:
        fail(f"no checkpoint to verify against: the anchor file {audit.anchor_path()} is missing or empty")
    problem = audit.verify_checkpoints(db.session, given + anchored)
    if problem:
        fail(f"the audit trail is not what was anchored: {problem}")
    count = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    click.echo(f"Audit trail intact: {count} events, every link checked, {len(given + anchored)} checkpoint(s) found.")
    head = audit.current_checkpoint(db.session)
    if head:
        click.echo(f"Checkpoint: {head}  (keep it; later run verify-audit --since-checkpoint {head})")


@click.command("rotate-data-key")
@with_appcontext
@click.option("--new-key", is_flag=True, help="Only print a new key to put first in TALLYFORM_DATA_KEYS.")
def rotate_data_key_command(new_key: bool) -> None:
    """Re-encrypt the secrets kept at rest (TOTP secrets) with the first of TALLYFORM_DATA_KEYS.

    To rotate: put a new key (from --new-key) in front of the old one in TALLYFORM_DATA_KEYS,
    run this command, then remove the old key."""
    if new_key:
        from cryptography.fernet import Fernet

        click.echo(Fernet.generate_key().decode())
        return
    from app.services.staff import reencrypt_totp_secrets

    count = reencrypt_totp_secrets(db.session)
    click.echo(f"Re-encrypted the two-factor secrets of {count} account(s) with the newest data key.")


def _process_count(flag: str, envvar: str, what: str):
    return click.option(
        flag, type=click.IntRange(min=1), default=1, show_default=True, envvar=envvar, help=f"{what} [env {envvar}]"
    )


@click.command("check-config")
@with_appcontext
@_process_count("--servers", "TALLYFORM_APP_SERVERS", "How many machines (or containers) run the app.")
@_process_count("--workers", "WEB_CONCURRENCY", "gunicorn worker processes on each (gunicorn reads the same variable).")
def check_config_command(servers: int, workers: int) -> None:
    """Refuse settings that would hurt in production, saying exactly what to set."""
    import os

    from app.config_check import production_problems, production_warnings

    for warning in production_warnings(current_app.config):
        click.echo(f"Warning: {warning}", err=True)
    problems = production_problems(current_app.config, os.environ, servers=servers, workers=workers)
    if problems:
        for problem in problems:
            click.echo(f"Refused: {problem}", err=True)
        sys.exit(1)
    click.echo(f"Configuration fit for production: {servers} app server(s) of {workers} worker(s).")
