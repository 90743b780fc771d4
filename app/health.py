"""Probes for a load balancer or orchestrator: `/healthz` says the process answers; `/readyz`
says it can do its work (database, queue, and a worker that wrote its heartbeat recently).
Neither needs a sign-in, and neither says anything about a clinic."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify

from app import queue as job_queue
from app.extensions import db

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.route("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.route("/readyz")
def readyz():
    checks = {"database": _database(), "queue": None, "worker": None}
    try:
        age = job_queue.last_heartbeat_age()
        checks["queue"] = "ok"
    except Exception as error:  # any storage failure: name its kind, never a URL or password
        checks["queue"] = f"unreachable ({type(error).__name__})"
        age = None
    limit = current_app.config["WORKER_HEARTBEAT_MAX_AGE_SECONDS"]
    if checks["queue"] != "ok":
        checks["worker"] = "unknown: the queue cannot be read"
    elif age is None:
        checks["worker"] = "no worker heartbeat yet: start `huey_consumer app.tasks.huey`"
    elif age > limit:
        checks["worker"] = f"last worker heartbeat {age:.0f} s ago (more than {limit} s)"
    else:
        checks["worker"] = "ok"
    ready = all(value == "ok" for value in checks.values())
    if not ready:
        log.warning("not ready", extra={"checks": checks})
    return jsonify(status="ok" if ready else "unavailable", checks=checks), 200 if ready else 503


def _database() -> str:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception as error:
        db.session.rollback()
        return f"unreachable ({type(error).__name__})"
    return "ok"
