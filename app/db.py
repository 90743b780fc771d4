"""Engine, per-app-context session, and the declarative Base.

One session per application context (a request, a CLI command, a job): services
commit it, and it is closed when the context ends. Views never commit.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict: sa.JSON, list: sa.JSON}

    def __repr__(self) -> str:  # ids only: a repr must never carry PHI into a log
        return f"<{type(self).__name__} id={getattr(self, 'id', None)}>"


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored in UTC. Naive datetimes are refused: they are how a local time
    silently becomes a wrong UTC one."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: give a timezone-aware UTC value")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str) -> sa.Engine:
    """The engine. hide_parameters keeps the values of a failed statement (an MRN, a name, a
    date of birth) out of its error message, and so out of every log."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    engine = sa.create_engine(url, hide_parameters=True)
    _test_idle_connections(engine)
    return engine


# A pooled connection idle this long is tested before a request uses it: the server may have
# restarted, or a proxy dropped it, meanwhile. One in steady use is not: testing on every
# checkout (pool_pre_ping) cost a round trip on every request. Should the server go away under
# load, the request that finds out fails and the pool drops every connection as old as that
# one (SQLAlchemy invalidates the pool on a disconnect), so the next requests reconnect.
PING_AFTER_IDLE_SECONDS = 1.0


def _test_idle_connections(engine: sa.Engine) -> None:
    @sa.event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _test_if_idle(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool throws this connection away and checks out a fresh one.
            raise sa.exc.DisconnectionError("a pooled connection was dropped while idle") from error


class Database:
    def init_app(self, app: Flask) -> None:
        engine = make_engine(app.config["DATABASE_URL"])
        app.extensions["tallyform.engine"] = engine
        app.extensions["tallyform.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
        app.teardown_appcontext(self._close_session)

    @property
    def engine(self) -> sa.Engine:
        return current_app.extensions["tallyform.engine"]

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            g.db_session = current_app.extensions["tallyform.sessionmaker"]()
        return g.db_session

    @staticmethod
    def _close_session(_exc) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


db = Database()
