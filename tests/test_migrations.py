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
    "sign_in_failure",
    "screening_review",
    "referral_document",
    "referral_version",
    "clinic_question_set",
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
