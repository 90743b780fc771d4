"""Every schema change is a migration: head -> base -> head works, and the models and the
migrations agree (autogenerate finds nothing), on SQLite and on PostgreSQL."""

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from app.cli import alembic_config
from app.db import Base

EXPECTED_TABLES = {
    "clinic_question_response",
    "access_attempt",
    "access_code",
    "draft_answer",
    "kiosk_session",
    "clinic",
    "clinic_instrument",
    "packet",
    "packet_entry",
    "staff_user",
    "staff_session",
    "patient",
    "screening",
    "instrument_version",
    "response",
    "audit_event",
    "api_token",
    "password_token",
    "sign_in_challenge",
    "sign_in_failure",
    "screening_review",
    "referral_document",
    "referral_version",
    "clinic_question_set",
    "clinician_input",
    "patient_total",
}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    return request.getfixturevalue("pg_scratch").create()


def _config(url):
    config = alembic_config(url)
    config.attributes["skip_logging"] = True
    return config


def _tables(url):
    engine = sa.create_engine(url)
    names = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    return names


def test_migrations_upgrade_downgrade_and_upgrade_again(empty_database_url):
    config = _config(empty_database_url)
    command.upgrade(config, "head")
    assert _tables(empty_database_url) == EXPECTED_TABLES
    command.downgrade(config, "base")
    assert _tables(empty_database_url) == set()
    command.upgrade(config, "head")
    assert _tables(empty_database_url) == EXPECTED_TABLES


def test_models_and_migrations_agree(empty_database_url):
    command.upgrade(_config(empty_database_url), "head")
    engine = sa.create_engine(empty_database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def test_each_revision_downgrades_to_its_predecessor(empty_database_url):
    config = _config(empty_database_url)
    from alembic.script import ScriptDirectory

    revisions = list(ScriptDirectory.from_config(config).walk_revisions("base", "head"))
    command.upgrade(config, "head")
    for revision in revisions:  # newest first
        command.downgrade(config, revision.down_revision or "base")
    assert _tables(empty_database_url) == set()


def _kept_and_backfilled(url: str, query, down_to: str) -> tuple[list, list]:
    """The rows `query` reads as the app wrote them, and again after a downgrade to `down_to`
    and back: a backfill must give exactly what the app keeps."""
    config = _config(url)
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        kept = connection.execute(query).all()
    command.downgrade(config, down_to)
    command.upgrade(config, "head")
    with engine.connect() as connection:
        backfilled = connection.execute(query).all()
    engine.dispose()
    return kept, backfilled


def test_worklist_priority_backfill_matches_what_the_app_keeps(empty_database_url):
    """0050 fills the stored order and the flag time of screenings made before it exactly
    as the app sets them for new ones."""
    from tests.conftest import seed_demo

    command.upgrade(_config(empty_database_url), "head")
    seed_demo(empty_database_url)
    query = sa.text("SELECT id, worklist_priority, urgent_at, is_urgent FROM screening ORDER BY id")
    kept, backfilled = _kept_and_backfilled(empty_database_url, query, "0040")
    engine = sa.create_engine(empty_database_url)
    with engine.connect() as connection:
        without_review = connection.scalar(
            sa.text(
                "SELECT count(*) FROM screening WHERE worklist_priority IS NOT NULL AND NOT EXISTS "
                "(SELECT 1 FROM screening_review WHERE screening_review.screening_id = screening.id)"
            )
        )
    engine.dispose()
    # every order occurs; None is a sitting abandoned unflagged, which no worklist lists
    assert {row.worklist_priority for row in kept} == {0, 1, 2, None}
    assert backfilled == kept
    assert without_review == 0


def _sit_in_spanish(url: str, instrument_ids: list[str]) -> None:
    """A demo patient completes one screening per instrument in Spanish, through the app."""
    from app import create_app
    from app.extensions import db, instruments
    from app.models import Clinic, Patient
    from app.services.packets import save_packet
    from app.services.screenings import complete_screening, create_screening
    from tests.conftest import FAST_HASHING

    sitting_app = create_app({"DATABASE_URL": url, "SECRET_KEY": "sit", **FAST_HASHING})
    with sitting_app.app_context():
        registry, session = instruments(), db.session
        patient = session.scalars(sa.select(Patient).order_by(Patient.id)).first()
        clinic = session.get(Clinic, patient.clinic_id)
        for instrument_id in instrument_ids:
            packet = save_packet(session, registry, clinic, f"Spanish {instrument_id}", [instrument_id])
            screening = create_screening(session, patient, packet, created_by_id=None, language="es")
            answers = {item.code: 1 for item in registry[instrument_id].definition.items}
            complete_screening(session, registry, screening, {instrument_id: answers}, actor_kind="cli")
    sitting_app.extensions["tallyform.engine"].dispose()


def test_instrument_version_language_backfill_matches_what_the_app_keeps(empty_database_url, registry):
    """0160 gives each version pinned before it the language and English version the
    responses that showed it name, exactly as the app now keeps them when it pins one."""
    from tests.conftest import seed_demo

    command.upgrade(_config(empty_database_url), "head")
    seed_demo(empty_database_url)
    _sit_in_spanish(empty_database_url, ["gad7", "phq2"])
    query = sa.text("SELECT version, instrument_id, language, translates FROM instrument_version ORDER BY version")
    kept, backfilled = _kept_and_backfilled(empty_database_url, query, "0150")
    assert sorted((row.version, row.translates) for row in kept if row.language == "es") == sorted(
        (registry.translation(instrument_id, "es").version, registry[instrument_id].version)
        for instrument_id in ("gad7", "phq2")
    )
    assert {row.translates for row in kept if row.language == "en"} == {None}
    assert backfilled == kept
