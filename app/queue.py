"""The job queue and the worker's heartbeat. Jobs are declared beside what they do, with
`job` and `periodic_job` (the referral PDF's in services/referral_pdf.py); app/tasks.py loads
them for the worker.

The queue is Huey. Storage comes from TALLYFORM_QUEUE_URL: a SQLite file under instance/
by default (one machine), or `redis://…` (several machines; the production stack). Tests,
and TALLYFORM_QUEUE_IMMEDIATE=1, run jobs at once in the calling process. The worker is
`huey_consumer app.tasks.huey`; each job builds or reuses its own app, takes ids, and
reloads what it needs. Every worker also writes a heartbeat each minute, which `/readyz` checks.

Huey (and the Redis client it imports) is loaded when the queue is first used, not when a
process starts: a web worker needs it only when it queues a summary, and loading it took a
sixth of every process's start-up.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from flask import Flask, current_app, has_app_context

from app.config import PROJECT_ROOT

if TYPE_CHECKING:
    from huey import Huey

QUEUE_NAME = "tallyform"
HEARTBEAT_KEY = "tallyform.worker-heartbeat"

# Jobs declared so far, by the name huey knows them under (module and function, as huey
# names a task itself), and how to register each on the queue when it is built.
_declared: dict[str, Callable[[Huey, str], object]] = {}
_tasks: dict[str, object] = {}  # name -> huey's task wrapper, once registered
_queue: Huey | None = None
_immediate = False
_worker_app: Flask | None = None


def _import_huey():
    # huey's storage module imports psycopg for a PostgreSQL queue, which Tallyform never
    # uses: it is hidden while huey loads (`import psycopg` then raises ImportError, which huey
    # expects). SQLAlchemy still imports it as usual when the database is PostgreSQL.
    hide = "psycopg" not in sys.modules
    if hide:
        sys.modules["psycopg"] = None  # type: ignore[assignment]
    try:
        import huey
    finally:
        if hide:
            del sys.modules["psycopg"]
    return huey


def queue_from_url(url: str | None) -> Huey:
    huey = _import_huey()
    if not url:
        path = PROJECT_ROOT / "instance" / "queue.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        return huey.SqliteHuey(QUEUE_NAME, filename=str(path), results=False)
    if url.startswith("sqlite:///"):
        return huey.SqliteHuey(QUEUE_NAME, filename=url.removeprefix("sqlite:///"), results=False)
    if url.startswith(("redis://", "rediss://")):
        return huey.RedisHuey(QUEUE_NAME, url=url, results=False)
    raise SystemExit(f"Tallyform cannot start: TALLYFORM_QUEUE_URL {url!r} is not sqlite:/// or redis://")


def queue() -> Huey:
    """The process's queue, built on first use with every job declared so far (a job
    declared later is registered as it is declared)."""
    global _queue
    if _queue is None:
        built = queue_from_url(os.environ.get("TALLYFORM_QUEUE_URL"))
        built.immediate = _immediate
        built.on_startup()(write_heartbeat)
        _queue = built
        for name, register in _declared.items():
            _tasks[name] = register(built, name)
    return _queue


def _declare(function: Callable, register: Callable[[Huey, str], object]) -> str:
    name = f"{function.__module__}.{function.__name__}"
    _declared[name] = register
    if _queue is not None:
        _tasks[name] = register(_queue, name)
    return name


def job(**options) -> Callable[[Callable], Callable]:
    """Declare a job (huey.task's options: retries, retry_delay …). Calling what it returns
    queues the job (or, in immediate mode, runs it at once)."""

    def declare(function: Callable) -> Callable:
        name = _declare(function, lambda built, name: built.task(name=name, **options)(function))

        @functools.wraps(function)
        def enqueue(*args, **kwargs):
            queue()
            return _tasks[name](*args, **kwargs)

        return enqueue

    return declare


def periodic_job(**schedule) -> Callable[[Callable], Callable]:
    """Declare a job the worker runs on a crontab `schedule` (minute="*": every minute). The
    function itself is returned unchanged: called, it runs here."""

    def declare(function: Callable) -> Callable:
        def register(built: Huey, name: str):
            return built.periodic_task(_import_huey().crontab(**schedule), name=name)(function)

        _declare(function, register)
        return function

    return declare


def init_app(app: Flask) -> None:
    global _immediate
    immediate = app.config.get("QUEUE_IMMEDIATE")
    if immediate is None:
        immediate = bool(app.config.get("TESTING")) or os.environ.get("TALLYFORM_QUEUE_IMMEDIATE") == "1"
    _immediate = immediate
    if _queue is not None:
        _queue.immediate = immediate


def job_app() -> Flask:
    """The app a job runs in: the caller's in immediate mode, else one built once per worker."""
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    return _worker_app


def write_heartbeat() -> None:
    """Written when a worker starts and each minute after, in the queue's own storage: a
    fresh one shows a worker is running and can reach the queue."""
    queue().put(HEARTBEAT_KEY, time.time())


@periodic_job(minute="*")
def worker_heartbeat() -> None:
    write_heartbeat()


def last_heartbeat_age() -> float | None:
    """Seconds since a worker last wrote its heartbeat; None if none ever did. Reads the
    queue's storage, so a queue that cannot be reached raises."""
    beat = queue().get(HEARTBEAT_KEY, peek=True)
    return None if beat is None else max(0.0, time.time() - beat)
