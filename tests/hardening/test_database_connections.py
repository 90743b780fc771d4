"""The database server drops a connection the app holds in its pool (a restart, a proxy's idle
timeout): the next request still gets a working connection. A connection in steady use is
not tested on every request, which cost a round trip each."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app import db as database
from app.db import make_engine


def _backend_pid(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()


@pytest.fixture
def pg_engine(pg_migrated_url):
    engine = make_engine(pg_migrated_url)
    yield engine
    engine.dispose()


@pytest.fixture
def pings(pg_engine, monkeypatch) -> list[int]:
    """One entry each time a pooled connection is tested before use."""
    seen: list[int] = []
    real_ping = pg_engine.dialect.do_ping
    monkeypatch.setattr(pg_engine.dialect, "do_ping", lambda connection: seen.append(1) or real_ping(connection))
    return seen


def _drop_on_the_server(url: str, pid: int) -> None:
    admin = sa.create_engine(url)
    with admin.connect() as connection:
        assert connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
    admin.dispose()


def test_a_pooled_connection_the_server_dropped_is_replaced_before_use(pg_engine, pg_migrated_url, monkeypatch):
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)  # every pooled connection counts as idle
    dropped = _backend_pid(pg_engine)
    _drop_on_the_server(pg_migrated_url, dropped)

    with pg_engine.connect() as connection:  # no error: the dead connection was tested and replaced
        assert connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one() != dropped


def test_a_connection_in_steady_use_is_not_tested_on_every_checkout(pg_engine, pings, monkeypatch):
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 60.0)

    pids = {_backend_pid(pg_engine) for _ in range(5)}

    assert len(pids) == 1  # the same pooled connection each time
    assert pings == []


def test_a_connection_idle_for_longer_is_tested_once_before_use(pg_engine, pings, monkeypatch):
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.0)

    _backend_pid(pg_engine)  # a new connection: nothing to test
    _backend_pid(pg_engine)  # back from the pool: tested first

    assert pings == [1]
