"""Audit trail: the hash chain re-keyed with HMAC-SHA256 under a key kept outside the
database; TRUNCATE refused on the audit trail, responses, clinic answers, reviews and
referral documents; reviews and referral documents can no longer be deleted

The existing chain is first verified as it was written (unkeyed SHA-256), and the upgrade
stops if it is broken, so re-keying never launders earlier tampering. Every event is then
re-hashed with the key (TALLYFORM_AUDIT_KEY, or instance/audit_key): the keyed chain starts
at the first event, and the boundary is this revision. Downgrading re-hashes without the key.

Revision ID: 0081
Revises: 0080
Create Date: 2026-11-25 18:10:00
"""

import importlib.util
from pathlib import Path

from alembic import op
import sqlalchemy as sa


revision = '0081'
down_revision = '0080'
branch_labels = None
depends_on = None

NO_TRUNCATE = ("audit_event", "response", "clinic_question_response", "screening_review", "referral_document")
NO_DELETE = ("screening_review", "referral_document")

audit_event = sa.table(
    "audit_event",
    sa.column("id", sa.Integer),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("clinic_id", sa.Integer),
    sa.column("actor_user_id", sa.Integer),
    sa.column("actor_kind", sa.String),
    sa.column("action", sa.String),
    sa.column("target_type", sa.String),
    sa.column("target_id", sa.String),
    sa.column("details", sa.JSON),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)


def _initial():
    spec = importlib.util.spec_from_file_location("_tallyform_0001", Path(__file__).with_name("0001_initial.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _audit_key() -> bytes:
    from app.config import PROJECT_ROOT, instance_secret_key, settings_from_environment

    return (settings_from_environment()["AUDIT_KEY"] or instance_secret_key(PROJECT_ROOT / "instance", "audit_key")).encode()


def _rehash(old_key, new_key) -> None:
    """Check every link under old_key, then rewrite the chain under new_key (None: unkeyed)."""
    from datetime import UTC

    from app.services.audit import GENESIS, event_digest

    connection = op.get_bind()
    rows = connection.execute(sa.select(audit_event).order_by(audit_event.c.id)).mappings().all()
    expected_prev, new_prev = GENESIS, GENESIS
    for row in rows:
        at = row["at"]
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
        fields = {name: row[name] for name in ("clinic_id", "actor_user_id", "actor_kind", "action", "target_type",
                                               "target_id", "details")}
        fields["at"] = at.isoformat()
        if row["prev_hash"] != expected_prev or event_digest(old_key, row["prev_hash"], fields) != row["hash"]:
            raise RuntimeError(
                f"the audit trail is broken at event {row['id']}; it is not re-hashed. Investigate "
                "(flask --app app verify-audit on the previous release) before migrating."
            )
        expected_prev = row["hash"]
        new_hash = event_digest(new_key, new_prev, fields)
        connection.execute(
            sa.update(audit_event).where(audit_event.c.id == row["id"]).values(prev_hash=new_prev, hash=new_hash)
        )
        new_prev = new_hash


def _guards(create: bool) -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        if create:
            op.execute(
                "CREATE FUNCTION tallyform_forbid_truncate() RETURNS trigger LANGUAGE plpgsql AS $$ "
                "BEGIN RAISE EXCEPTION '% cannot be emptied: its rows are kept for good', TG_TABLE_NAME; END $$"
            )
        for table in NO_TRUNCATE:
            if create:
                op.execute(
                    f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION tallyform_forbid_truncate()"
                )
            else:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        if not create:
            op.execute("DROP FUNCTION IF EXISTS tallyform_forbid_truncate()")
    for table in NO_DELETE:
        message = f"{table} rows are never deleted: their changes are kept in the audit trail"
        if postgresql and create:
            op.execute(
                f"CREATE FUNCTION {table}_forbid_delete() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN RAISE EXCEPTION '{message}'; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_forbid_delete()"
            )
        elif postgresql:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_forbid_delete()")
        elif create:
            op.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} BEGIN SELECT RAISE(ABORT, '{message}'); END")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")


def _rewrite(old_key, new_key) -> None:
    """Re-hash with audit_event's own UPDATE guard lifted for this transaction only."""
    initial = _initial()
    initial._drop_change_guards("audit_event")
    _rehash(old_key, new_key)
    initial._forbid_changes("audit_event", "the audit trail is append-only")


def upgrade() -> None:
    _rewrite(None, _audit_key())
    _guards(create=True)


def downgrade() -> None:
    _guards(create=False)
    _rewrite(_audit_key(), None)
