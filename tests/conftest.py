"""Fixtures: real apps on real, migrated databases; staff who sign in through the real form.

SQLite (a temp file migrated to head) always; PostgreSQL too when
TALLYFORM_TEST_DATABASE_URL names a reachable server. Under CI an unreachable server is
an error, not a skip.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.frontend import CommandLineInterface

from app import create_app
from app.config import PROJECT_ROOT
from app.db import Base
from app.instruments.registry import InstrumentRegistry

# Apps a test builds itself anchor the audit trail's head here, never in the project's instance/.
os.environ.setdefault(
    "TALLYFORM_AUDIT_ANCHOR", os.path.join(tempfile.mkdtemp(prefix="tallyform-anchor-"), "audit_anchor")
)
# Clinics, staff, screenings and forms for every test: one plugin, no fixture imported across conftests.
pytest_plugins = ["tests.fixtures"]
PG_ENV = "TALLYFORM_TEST_DATABASE_URL"
DEMO_PASSWORD = "demo-clinic-password"
DEMO_SEEDS = PROJECT_ROOT / "seeds" / "demo_clinic.yaml"
FAST_HASHING = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024}


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues() -> None:
    """The interface catalogues compiled as `make setup` compiles them (.mo files are not committed)."""
    CommandLineInterface().run(["pybabel", "-q", "compile", "-d", str(PROJECT_ROOT / "app" / "translations")])


@pytest.fixture(scope="session")
def registry() -> InstrumentRegistry:
    return InstrumentRegistry.from_directory(PROJECT_ROOT / "questionnaires")


def _pg_unavailable_reason() -> str | None:
    url = os.environ.get(PG_ENV)
    if not url:
        return f"PostgreSQL tests skipped: {PG_ENV} is not set"
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except sa.exc.OperationalError as error:
        return f"PostgreSQL tests skipped: cannot connect to {PG_ENV} ({str(error).splitlines()[0]})"
    return None


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """The server URL, or a skip with the reason (a failure under CI)."""
    reason = _pg_unavailable_reason()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run the PostgreSQL tests")
        pytest.skip(reason)
    return os.environ[PG_ENV]


class ScratchDatabases:
    """Creates throw-away PostgreSQL databases on the test server and drops them after."""

    def __init__(self, server_url: str):
        self.server_url = sa.make_url(server_url)
        self.admin = sa.create_engine(self.server_url, isolation_level="AUTOCOMMIT")
        self.names: list[str] = []

    def create(self, template: str | None = None) -> str:
        name = f"tallyform_t_{uuid.uuid4().hex[:12]}"
        clause = f' TEMPLATE "{template}"' if template else ""
        with self.admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"{clause}'))
        self.names.append(name)
        return self.server_url.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        name = sa.make_url(url).database
        with self.admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.names.remove(name)

    def drop_all(self) -> None:
        with self.admin.connect() as connection:
            for name in self.names:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_scratch(pg_server_url):
    scratch = ScratchDatabases(pg_server_url)
    yield scratch
    scratch.drop_all()


def migrate(url: str, revision: str = "head") -> None:
    from alembic import command

    from app.cli import alembic_config

    config = alembic_config(url)
    config.attributes["skip_logging"] = True
    command.upgrade(config, revision)


def seed_demo(url: str) -> None:
    """Load the demo clinic through the real loader, into the database at url."""
    from app.extensions import db, instruments
    from app.seeding import load_demo_clinic

    seeding_app = create_app({"DATABASE_URL": url, "SECRET_KEY": "seed", **FAST_HASHING})
    with seeding_app.app_context():
        load_demo_clinic(db.session, instruments(), DEMO_SEEDS)
    seeding_app.extensions["tallyform.engine"].dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """One SQLite file migrated to head; each test gets a copy of it."""
    path = tmp_path_factory.mktemp("template") / "tallyform.sqlite3"
    migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def sqlite_demo_template(tmp_path_factory, sqlite_template) -> Path:
    """The migrated file with the demo clinic loaded, seeded once per run."""
    path = tmp_path_factory.mktemp("demo-template") / "tallyform.sqlite3"
    shutil.copy(sqlite_template, path)
    seed_demo(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_migrated_url(pg_scratch) -> str:
    url = pg_scratch.create()
    migrate(url)
    return url


@pytest.fixture(scope="session")
def pg_demo_template(pg_scratch) -> str:
    """A PostgreSQL database holding the demo clinic, copied (CREATE DATABASE … TEMPLATE)
    for each test that wants it."""
    url = pg_scratch.create()
    migrate(url)
    seed_demo(url)
    return sa.make_url(url).database


def _empty_pg_tables(url: str) -> None:
    engine = sa.create_engine(url)
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        # The guards refuse TRUNCATE of the kept tables; a scratch test database is emptied
        # as a replica would be, with ordinary triggers off (the test server's superuser may).
        connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
        connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database_url(request, tmp_path, sqlite_template):
    """A database migrated to head for one test: empty, or holding the demo clinic when the
    test asks for `demo` (copied from a template seeded once, not re-seeded per test)."""
    wants_demo = "demo" in request.fixturenames
    if request.param == "sqlite":
        path = tmp_path / "tallyform.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_demo_template") if wants_demo else sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    if wants_demo:
        scratch = request.getfixturevalue("pg_scratch")
        url = scratch.create(template=request.getfixturevalue("pg_demo_template"))
        yield url
        scratch.drop(url)
        return
    url = request.getfixturevalue("pg_migrated_url")
    _empty_pg_tables(url)
    yield url


def scratch_database(request, tmp_path, revision: str = "head") -> str:
    """A database of the test's own, migrated to `revision`: for tests that lift guards (the
    audit table's triggers) that no shared database may lose."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / f'scratch-{revision}.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_scratch").create()
    migrate(url, revision)
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def scratch_url(request, tmp_path):
    return scratch_database(request, tmp_path)


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-" + uuid.uuid4().hex,
            "AUDIT_ANCHOR_PATH": str(tmp_path / "audit_anchor"),
            **FAST_HASHING,
        }
    )
    yield app
    app.extensions["tallyform.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """A database session of the test's own, for arranging and checking state. It pushes no
    app context, so each test-client request still gets a fresh one, as in production."""
    session = app.extensions["tallyform.sessionmaker"]()
    yield session
    session.close()


@pytest.fixture
def demo(app) -> int:
    """The demo clinic from seeds/ (the database fixture copied it in); its id."""
    from app.models import Clinic

    session = app.extensions["tallyform.sessionmaker"]()
    try:
        return session.scalar(sa.select(Clinic.id).where(Clinic.slug == "riverside"))
    finally:
        session.close()


CSRF_PATTERN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = CSRF_PATTERN.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


class AuthActions:
    """Signs in and out through the real form, CSRF token included."""

    def __init__(self, client):
        self.client = client

    def sign_in(self, email: str, password: str = DEMO_PASSWORD, next_path: str | None = None):
        page = self.client.get("/auth/sign-in")
        url = "/auth/sign-in" + (f"?next={next_path}" if next_path else "")
        return self.client.post(
            url, data={"email": email, "password": password, "csrf_token": csrf_token_from(page.text)}
        )

    def sign_out(self):
        page = self.client.get("/check-in/")
        return self.client.post("/auth/sign-out", data={"csrf_token": csrf_token_from(page.text)})


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def login_as(demo, auth):
    """Sign in as the demo clinic's user of a role: login_as("clinician")."""

    def sign_in(role: str):
        response = auth.sign_in(f"{role}@example.com")
        assert response.status_code == 302, "demo sign-in failed"
        return auth

    return sign_in
