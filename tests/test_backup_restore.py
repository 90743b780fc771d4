"""docs/deploy.md's backup and restore, as written there: `pg_dump --format=custom`, then
`pg_restore` into a fresh database, which must hold the same rows and an intact audit trail."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import sqlalchemy as sa

from app import create_app
from app.db import Base
from tests.conftest import FAST_HASHING, migrate, seed_demo

pytestmark = pytest.mark.postgresql


def libpq_url(url: str) -> str:
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def row_counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        counts = {
            table.name: connection.scalar(sa.select(sa.func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
        }
        counts["alembic_version"] = connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
    engine.dispose()
    return counts


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed")
def test_a_pg_dump_restores_into_a_fresh_database_with_every_row_and_an_intact_audit_trail(
    pg_scratch, tmp_path, monkeypatch
):
    # this deployment's own anchor file, kept beside its backups: the restore must match it
    monkeypatch.setenv("TALLYFORM_AUDIT_ANCHOR", str(tmp_path / "audit_anchor"))
    source = pg_scratch.create()
    migrate(source)
    seed_demo(source)
    dump = tmp_path / "tallyform.dump"
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", libpq_url(source)], check=True)

    restored = pg_scratch.create()
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={libpq_url(restored)}", str(dump)], check=True
    )

    original = row_counts(source)
    assert original["audit_event"] > 0
    assert original["response"] > 0
    assert row_counts(restored) == original
    app = create_app({"DATABASE_URL": restored, "SECRET_KEY": "restore-check", **FAST_HASHING})
    result = app.test_cli_runner().invoke(args=["verify-audit"])
    app.extensions["tallyform.engine"].dispose()
    assert result.exit_code == 0, result.output
    assert f"Audit trail intact: {original['audit_event']} events" in result.output
