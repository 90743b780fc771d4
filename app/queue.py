"""The job queue and the worker's heartbeat. Jobs are defined beside what they do (the
referral PDF's in services/referral_pdf.py); app/tasks.py loads them for the worker.

The queue is Huey. Storage comes from TALLYFORM_QUEUE_URL: a SQLite file under instance/
by default (one machine), or `redis://…` (several machines; the production stack). Tests,
and TALLYFORM_QUEUE_IMMEDIATE=1, run jobs at once in the calling process. The worker is
`huey_consumer app.tasks.huey`; each job builds or reuses its own app, takes ids, and
reloads what it needs. Every worker also writes a heartbeat each minute, which `/readyz` checks.
"""

from __future__ import annotations

import os
import sys
import time

from flask import Flask, current_app, has_app_context

from app.config import PROJECT_ROOT

# huey's storage module imports psycopg for a PostgreSQL queue, which Tallyform never uses:
# on SQLite that import was a twentieth of every process's start-up. It is hidden while huey
# loads (`import psycopg` then raises ImportError, which huey expects); SQLAlchemy still
# imports it as usual when the database is PostgreSQL.
_HIDE_PSYCOPG = "psycopg" not in sys.modules
if _HIDE_PSYCOPG:
    sys.modules["psycopg"] = None  # type: ignore[assignment]
try:
    from huey import Huey, RedisHuey, SqliteHuey, crontab
finally:
    if _HIDE_PSYCOPG:
        del sys.modules["psycopg"]

QUEUE_NAME = "tallyform"
HEARTBEAT_KEY = "tallyform.worker-heartbeat"


def queue_from_url(url: str | None) -> Huey:
    if not url:
        path = PROJECT_ROOT / "instance" / "queue.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(QUEUE_NAME, filename=str(path), results=False)
    if url.startswith("sqlite:///"):
        return SqliteHuey(QUEUE_NAME, filename=url.removeprefix("sqlite:///"), results=False)
    if url.startswith(("redis://", "rediss://")):
        return RedisHuey(QUEUE_NAME, url=url, results=False)
    raise SystemExit(f"Tallyform cannot start: TALLYFORM_QUEUE_URL {url!r} is not sqlite:/// or redis://")


huey = queue_from_url(os.environ.get("TALLYFORM_QUEUE_URL"))
_worker_app: Flask | None = None


def init_app(app: Flask) -> None:
    immediate = app.config.get("QUEUE_IMMEDIATE")
    if immediate is None:
        immediate = bool(app.config.get("TESTING")) or os.environ.get("TALLYFORM_QUEUE_IMMEDIATE") == "1"
    huey.immediate = immediate


def job_app() -> Flask:
    """The app a job runs in: the caller's in immediate mode, else one built once per worker."""
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    return _worker_app


@huey.on_startup()
def write_heartbeat() -> None:
    """Written when a worker starts and each minute after, in the queue's own storage: a
    fresh one shows a worker is running and can reach the queue."""
    huey.put(HEARTBEAT_KEY, time.time())


@huey.periodic_task(crontab(minute="*"))
def worker_heartbeat() -> None:
    write_heartbeat()


def last_heartbeat_age() -> float | None:
    """Seconds since a worker last wrote its heartbeat; None if none ever did. Reads the
    queue's storage, so a queue that cannot be reached raises."""
    beat = huey.get(HEARTBEAT_KEY, peek=True)
    return None if beat is None else max(0.0, time.time() - beat)
