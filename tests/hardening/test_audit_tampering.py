"""The audit trail catches every tampering: rows deleted from the end, TRUNCATE, and an
edited row with the chain recomputed by someone without the key; the kept tables refuse
TRUNCATE, and reviews and referral documents refuse DELETE. On SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
import sqlalchemy as sa

from app import create_app
from app.models import AuditEvent
from app.services.audit import GENESIS, event_digest
from tests.conftest import FAST_HASHING, migrate, scratch_database, seed_demo

AUDIT_KEY = "a-key-the-database-never-sees"


@pytest.fixture
def trail(scratch_url, tmp_path):
    """An app with five clinics created (five audit events, each head anchored)."""
    app = create_app(
        {
            "DATABASE_URL": scratch_url,
            "SECRET_KEY": "k",
            "AUDIT_KEY": AUDIT_KEY,
            "AUDIT_ANCHOR_PATH": str(tmp_path / "audit_anchor"),
            **FAST_HASHING,
        }
    )
    runner = app.test_cli_runner()
    for slug in ("one", "two", "three", "four", "five"):
        assert runner.invoke(args=["create-clinic", "--slug", slug, "--name", slug.title()]).exit_code == 0
    yield app, runner, app.extensions["tallyform.engine"]
    app.extensions["tallyform.engine"].dispose()


def _lift_guards(connection):
    """What an attacker with database rights does first."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("DROP TRIGGER audit_event_no_change ON audit_event"))
        connection.execute(sa.text("DROP TRIGGER audit_event_no_truncate ON audit_event"))
    else:
        connection.execute(sa.text("DROP TRIGGER audit_event_no_update"))
        connection.execute(sa.text("DROP TRIGGER audit_event_no_delete"))


def _ids(engine):
    with engine.connect() as connection:
        return connection.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)).all()


def test_an_intact_trail_passes_and_prints_a_checkpoint(trail):
    _app, runner, engine = trail
    result = runner.invoke(args=["verify-audit", "--since-checkpoint"])
    assert result.exit_code == 0, result.output
    assert "5 checkpoint(s) found" in result.output
    assert f"Checkpoint: {_ids(engine)[-1]}:" in result.output


def test_deleting_the_newest_rows_is_caught(trail):
    app, runner, engine = trail
    kept = runner.invoke(args=["verify-audit"]).output.split("Checkpoint: ")[1].split()[0]
    ids = _ids(engine)
    with engine.begin() as connection:
        _lift_guards(connection)
        connection.execute(sa.text("DELETE FROM audit_event WHERE id >= :id"), {"id": ids[-2]})
    assert runner.invoke(args=["verify-audit"]).exit_code == 1  # the anchor file knows the head
    result = runner.invoke(args=["verify-audit", "--since-checkpoint"])
    assert result.exit_code == 1
    assert f"event {ids[-2]}, anchored as the trail's head, is missing: events were removed" in result.output

    # Without the anchor file, a checkpoint printed earlier and kept by the deployer proves it.
    (app.config["AUDIT_ANCHOR_PATH"] and __import__("pathlib").Path(app.config["AUDIT_ANCHOR_PATH"]).unlink())
    assert runner.invoke(args=["verify-audit"]).exit_code == 0  # the chain that is left is whole...
    result = runner.invoke(args=["verify-audit", "--since-checkpoint", kept])
    assert result.exit_code == 1  # ...but not the one that was there
    assert "events were removed" in result.output


def test_emptying_the_trail_is_refused_and_caught(trail):
    _app, runner, engine = trail
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            with pytest.raises(sa.exc.DBAPIError, match="cannot be emptied"), connection.begin_nested():
                connection.execute(sa.text("TRUNCATE audit_event CASCADE"))
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), connection.begin_nested():
            connection.execute(sa.text("DELETE FROM audit_event"))
    with engine.begin() as connection:
        _lift_guards(connection)
        statement = "TRUNCATE audit_event" if connection.dialect.name == "postgresql" else "DELETE FROM audit_event"
        connection.execute(sa.text(statement))
    result = runner.invoke(args=["verify-audit", "--since-checkpoint"])
    assert result.exit_code == 1
    assert "events were removed" in result.output


def _forge(engine, key: bytes | None):
    """Edit the second event and recompute every later link, as far as the forger can."""
    with engine.begin() as connection:
        _lift_guards(connection)
        rows = connection.execute(sa.select(AuditEvent.__table__).order_by(AuditEvent.id)).mappings().all()
        prev = GENESIS
        for index, row in enumerate(rows):
            fields = {
                "at": row["at"].replace(tzinfo=None).isoformat() + "+00:00",
                **{k: row[k] for k in ("clinic_id", "actor_user_id", "actor_kind", "target_type", "target_id")},
                "action": "clinic.nothing" if index == 1 else row["action"],
                "details": row["details"],
            }
            digest = event_digest(key, prev, fields)
            connection.execute(
                sa.update(AuditEvent.__table__)
                .where(AuditEvent.id == row["id"])
                .values(action=fields["action"], prev_hash=prev, hash=digest)
            )
            prev = digest


@pytest.mark.parametrize("forger_key", [None, b"a-guessed-key"], ids=["unkeyed-sha256", "wrong-key"])
def test_an_edited_row_with_the_chain_recomputed_without_the_key_is_caught(trail, forger_key):
    _app, runner, engine = trail
    ids = _ids(engine)
    _forge(engine, forger_key)
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 1
    assert f"the audit trail is broken at event {ids[0]}" in result.output


def test_the_forger_with_the_key_is_still_caught_by_the_anchor(trail):
    _app, runner, engine = trail
    _forge(engine, AUDIT_KEY.encode())
    assert "broken" not in runner.invoke(args=["verify-audit"]).output.split("anchored")[0]
    result = runner.invoke(args=["verify-audit", "--since-checkpoint"])
    assert result.exit_code == 1
    assert "differs from its anchored hash" in result.output


@pytest.mark.parametrize(
    "table", ["audit_event", "response", "clinic_question_response", "screening_review", "referral_document"]
)
def test_postgresql_refuses_truncate_of_kept_tables(trail, table):
    _app, _runner, engine = trail
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; its row triggers refuse DELETE instead")
    with engine.begin() as connection, pytest.raises(sa.exc.DBAPIError, match=f"{table} cannot be emptied"):
        connection.execute(sa.text(f"TRUNCATE {table} CASCADE"))


@pytest.mark.parametrize("table", ["screening_review", "referral_document"])
def test_reviews_and_referral_documents_cannot_be_deleted(scratch_url, table):
    from app.extensions import db, instruments
    from app.models import Screening, User
    from app.services import reviews

    seed_demo(scratch_url)
    app = create_app({"DATABASE_URL": scratch_url, "SECRET_KEY": "k", "QUEUE_IMMEDIATE": False, **FAST_HASHING})
    with app.app_context():
        clinician = db.session.scalar(sa.select(User).where(User.role == "clinician"))
        screening = db.session.scalar(sa.select(Screening).where(Screening.status == "completed").limit(1))
        reviews.set_review_status(db.session, clinician, screening, "reviewed")
        reviews.open_screening(db.session, instruments(), clinician, screening)
        db.session.commit()
    app.extensions["tallyform.engine"].dispose()
    engine = sa.create_engine(scratch_url)
    try:
        with engine.begin() as connection:
            assert connection.scalar(sa.text(f"SELECT count(*) FROM {table}")) > 0  # noqa: S608 (a fixed name)
            with pytest.raises(sa.exc.DBAPIError, match="never deleted"), connection.begin_nested():
                connection.execute(sa.text(f"DELETE FROM {table}"))  # noqa: S608 (a fixed name)
    finally:
        engine.dispose()


def test_unkeyed_digest_matches_the_chain_written_before_0081():
    fields = {"at": "2026-01-01T00:00:00+00:00", "action": "x", "details": {}}
    payload = json.dumps({"prev": GENESIS, **fields}, sort_keys=True, separators=(",", ":")).encode()
    assert event_digest(None, GENESIS, fields) == hashlib.sha256(payload).hexdigest()
    assert event_digest(b"k", GENESIS, fields) == hmac.new(b"k", payload, hashlib.sha256).hexdigest()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def at_0080(request, tmp_path):
    """A database just before the audit chain was keyed."""
    return scratch_database(request, tmp_path, "0080")


def _write_unkeyed_chain(url: str, count: int = 3) -> list[str]:
    from datetime import UTC, datetime

    engine = sa.create_engine(url)
    table = AuditEvent.__table__
    hashes, prev = [], GENESIS
    with engine.begin() as connection:
        for n in range(count):
            at = datetime(2026, 1, 1, 9, n, tzinfo=UTC)
            fields = {
                "at": at.isoformat(),
                "clinic_id": None,
                "actor_user_id": None,
                "actor_kind": "cli",
                "action": f"test.event{n}",
                "target_type": None,
                "target_id": None,
                "details": {"n": n},
            }
            digest = event_digest(None, prev, fields)
            connection.execute(
                sa.insert(table).values(
                    at=at,
                    actor_kind="cli",
                    action=fields["action"],
                    details=fields["details"],
                    prev_hash=prev,
                    hash=digest,
                )
            )
            hashes.append(digest)
            prev = digest
    engine.dispose()
    return hashes


def test_the_migration_re_keys_an_existing_chain_and_the_downgrade_undoes_it(at_0080, monkeypatch, tmp_path):
    from app.extensions import db
    from app.services.audit import verify_audit_chain

    monkeypatch.setenv("TALLYFORM_AUDIT_KEY", AUDIT_KEY)
    unkeyed = _write_unkeyed_chain(at_0080)
    migrate(at_0080, "head")
    app = create_app({"DATABASE_URL": at_0080, "SECRET_KEY": "k", "AUDIT_KEY": AUDIT_KEY})
    with app.app_context():
        stored = db.session.scalars(sa.select(AuditEvent.hash).order_by(AuditEvent.id)).all()
        assert set(stored).isdisjoint(unkeyed)
        assert verify_audit_chain(db.session) is None
        assert verify_audit_chain(db.session, key=b"another key") == 1
    app.extensions["tallyform.engine"].dispose()

    from alembic import command

    from app.cli import alembic_config

    config = alembic_config(at_0080)
    config.attributes["skip_logging"] = True
    command.downgrade(config, "0080")
    engine = sa.create_engine(at_0080)
    with engine.connect() as connection:
        assert connection.scalars(sa.select(AuditEvent.hash).order_by(AuditEvent.id)).all() == unkeyed
    engine.dispose()


def test_the_migration_refuses_to_re_key_a_chain_already_broken(at_0080, monkeypatch):
    monkeypatch.setenv("TALLYFORM_AUDIT_KEY", AUDIT_KEY)
    _write_unkeyed_chain(at_0080)
    engine = sa.create_engine(at_0080)
    with engine.begin() as connection:
        _lift_guards_0001(connection)
        connection.execute(sa.text("UPDATE audit_event SET action = 'test.forged' WHERE id = 2"))
    engine.dispose()
    with pytest.raises(RuntimeError, match="the audit trail is broken at event 2"):
        migrate(at_0080, "head")


def _lift_guards_0001(connection):
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("DROP TRIGGER audit_event_no_change ON audit_event"))
    else:
        connection.execute(sa.text("DROP TRIGGER audit_event_no_update"))


def test_review_and_referral_changes_are_audited_with_old_and_new_values(app, demo, session):
    from app.extensions import db
    from app.models import Clinic, Screening, User
    from app.services import reviews

    with app.app_context():
        clinic = db.session.get(Clinic, demo)
        clinic.referral_destinations = ["Behavioral health"]
        db.session.commit()
        user = db.session.scalar(sa.select(User).where(User.role == "clinician"))
        screening = db.session.scalar(
            sa.select(Screening).where(Screening.status == "completed", Screening.is_urgent.is_(False)).limit(1)
        )
        reviews.set_review_status(db.session, user, screening, "reviewed")
        reviews.set_review_status(db.session, user, screening, "no_action")
        for based_on, note in enumerate(("Maria prefers mornings", "Call after 5pm")):
            reviews.save_referral(
                db.session,
                clinic,
                user,
                screening,
                reason="Low mood",
                destination="Behavioral health",
                note=note,
                based_on=based_on,
            )
    events = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.target_id == str(screening.id)).order_by(AuditEvent.id)
    ).all()
    statuses = [e.details for e in events if e.action == "screening.review_status"]
    assert statuses == [{"status": "reviewed", "from": "needs_review"}, {"status": "no_action", "from": "reviewed"}]
    first, second = [e.details for e in events if e.action == "referral.save"]
    assert first["from_note"] is None
    assert second["from_note"] == first["note"] != second["note"]
    assert second["from_reason"] == second["reason"]
    assert second["destination"] == "Behavioral health"
    text = json.dumps([e.details for e in events])
    assert "Maria" not in text
    assert "Low mood" not in text
    assert "referral_document.request" in [e.action for e in events]
