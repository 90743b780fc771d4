"""Running it in production: the configuration check, the probes, and start-up cost."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from app import tasks
from app.config import PROJECT_ROOT

GOOD_KEY = "k" * 64
PRODUCTION = {
    "SECRET_KEY": GOOD_KEY,
    "DATABASE_URL": "postgresql+psycopg://tallyform@db.internal/tallyform",
    "TALLYFORM_QUEUE_URL": "redis://redis.internal:6379/0",
    "TALLYFORM_RATELIMIT_STORAGE_URI": "redis://redis.internal:6379/0",
    "TALLYFORM_SECURE_COOKIES": "1",
}


@pytest.fixture(autouse=True)
def no_heartbeat_left_behind():
    """The immediate-mode queue keeps one in-memory store for the whole run: a heartbeat left
    here would make /readyz ready in every later test."""
    yield
    tasks.huey.delete(tasks.HEARTBEAT_KEY)


def check_config(runner, monkeypatch, environ: dict, *args: str):
    for name in ("SECRET_KEY", "TALLYFORM_QUEUE_URL", "TALLYFORM_QUEUE_IMMEDIATE", "WEB_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    app = runner.app
    app.config["QUEUE_IMMEDIATE"] = None  # as in production: set only by TESTING or the environment
    app.config["DATABASE_URL"] = environ.get("DATABASE_URL", app.config["DATABASE_URL"])
    app.config["RATELIMIT_STORAGE_URI"] = environ.get("TALLYFORM_RATELIMIT_STORAGE_URI", "memory://")
    app.config["SESSION_COOKIE_SECURE"] = environ.get("TALLYFORM_SECURE_COOKIES") == "1"
    return runner.invoke(args=["check-config", *args])


@pytest.fixture
def runner():
    from app import create_app

    app = create_app({"SECRET_KEY": "test", "DATABASE_URL": "sqlite:///:memory:"})
    return app.test_cli_runner()


def test_check_config_accepts_the_documented_production_stack(runner, monkeypatch):
    result = check_config(runner, monkeypatch, PRODUCTION, "--servers", "2", "--workers", "2")
    assert result.exit_code == 0, result.output
    assert "fit for production: 2 app server(s) of 2 worker(s)" in result.output


def test_check_config_refuses_a_missing_secret_key_saying_what_to_set(runner, monkeypatch):
    result = check_config(runner, monkeypatch, PRODUCTION | {"SECRET_KEY": ""})
    assert result.exit_code == 1
    assert "Refused: SECRET_KEY is not set" in result.output
    assert "Set SECRET_KEY to one long random value" in result.output


def test_check_config_refuses_memory_rate_limits_with_several_processes(runner, monkeypatch):
    environ = PRODUCTION | {"TALLYFORM_RATELIMIT_STORAGE_URI": "memory://", "WEB_CONCURRENCY": "4"}
    result = check_config(runner, monkeypatch, environ)
    assert result.exit_code == 1
    assert "each of the 4 app processes counts on its own" in result.output
    assert "Set TALLYFORM_RATELIMIT_STORAGE_URI=redis://" in result.output
    assert check_config(runner, monkeypatch, environ | {"WEB_CONCURRENCY": "1"}).exit_code == 0


def test_check_config_refuses_sqlite_and_a_sqlite_queue_with_several_app_servers(runner, monkeypatch):
    environ = PRODUCTION | {"DATABASE_URL": "sqlite:////srv/tallyform.sqlite3", "TALLYFORM_QUEUE_URL": ""}
    result = check_config(runner, monkeypatch, environ, "--servers", "3")
    assert result.exit_code == 1
    assert "Set DATABASE_URL=postgresql+psycopg://" in result.output
    assert "Set TALLYFORM_QUEUE_URL=redis://" in result.output
    assert check_config(runner, monkeypatch, environ, "--servers", "1").exit_code == 0


def test_check_config_refuses_rendering_pdfs_inside_web_requests(runner, monkeypatch):
    result = check_config(runner, monkeypatch, PRODUCTION | {"TALLYFORM_QUEUE_IMMEDIATE": "1"})
    assert result.exit_code == 1
    assert "Unset TALLYFORM_QUEUE_IMMEDIATE" in result.output


def test_check_config_warns_about_cookies_over_plain_http(runner, monkeypatch):
    result = check_config(runner, monkeypatch, PRODUCTION | {"TALLYFORM_SECURE_COOKIES": "0"})
    assert result.exit_code == 0
    assert "set TALLYFORM_SECURE_COOKIES=1" in result.output


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")
    assert (response.status_code, response.json) == (200, {"status": "ok"})
    assert response.headers["X-Request-ID"]


def test_readyz_is_ready_with_a_database_a_queue_and_a_fresh_worker_heartbeat(client):
    tasks.write_heartbeat()
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json["checks"] == {"database": "ok", "queue": "ok", "worker": "ok"}


def test_readyz_fails_with_a_reason_when_the_worker_heartbeat_is_missing_or_old(client):
    tasks.huey.delete(tasks.HEARTBEAT_KEY)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert response.json["checks"]["worker"].startswith("no worker heartbeat yet")
    tasks.huey.put(tasks.HEARTBEAT_KEY, time.time() - 600)
    assert "ago (more than 180 s)" in client.get("/readyz").json["checks"]["worker"]


def test_readyz_fails_when_the_queue_cannot_be_read(client, monkeypatch):
    def unreachable(*_args, **_kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(tasks.huey, "get", unreachable)  # the queue's storage, as /readyz reads it
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["queue"] == "unreachable (ConnectionError)"


def test_readyz_fails_when_the_database_cannot_be_reached():
    from app import create_app

    app = create_app(
        {"TESTING": True, "SECRET_KEY": "t", "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/none"}
    )
    tasks.write_heartbeat()
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == "unreachable (OperationalError)"
    assert "nobody" not in response.text


def test_starting_a_web_worker_neither_imports_weasyprint_nor_hashes_a_password():
    """Only the queue's workers render PDFs; a web worker that imported WeasyPrint paid for it in
    start-up time and memory, and a throwaway 64 MiB argon2 hash at start-up for nothing."""
    probe = (
        "import sys, argon2; from app import create_app\n"
        "calls = []\n"
        "real = argon2.PasswordHasher.hash\n"
        "argon2.PasswordHasher.hash = lambda self, *a, **k: calls.append(1) or real(self, *a, **k)\n"
        "app = create_app({'SECRET_KEY': 'x', 'DATABASE_URL': 'sqlite:///:memory:'})\n"
        "list(app.url_map.iter_rules())\n"
        "print(json.dumps({'weasyprint': 'weasyprint' in sys.modules, 'hashes': len(calls)}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", "import json\n" + probe], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout.splitlines()[-1]) == {"weasyprint": False, "hashes": 0}
