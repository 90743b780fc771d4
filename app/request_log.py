"""Structured logs: one JSON object per line, one line per request, each with a request id.

A request's line names its route pattern (`/auth/password/<token>`), never the path it was
called with, and never its query string: paths and queries can carry tablet codes, set-password
tokens and search terms (names, MRNs). Werkzeug's own request lines quote the raw path, so
they are silenced.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, has_request_context, request

log = logging.getLogger("tallyform.request")
REQUEST_ID_HEADER = "X-Request-ID"
# A request id a proxy sends is kept only when it cannot smuggle anything into a log line.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_RECORD_FIELDS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context() and "request_id" in g:
            entry["request_id"] = g.request_id
        entry |= {key: value for key, value in vars(record).items() if key not in _RECORD_FIELDS}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging() -> None:
    """JSON lines on stderr, unless something (gunicorn's --log-config, pytest) already set up
    the root logger."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        # The queue worker (huey_consumer) set up its own handler before it built the app: keep
        # that one, formatted as ours, so each of its lines is logged once and as JSON.
        huey_log = logging.getLogger("huey")
        for own in huey_log.handlers:
            own.setFormatter(JsonFormatter())
        huey_log.propagate = not huey_log.handlers
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # a line per layout step
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # a line per plugin, every migrate


def init_app(app: Flask) -> None:
    configure_logging()
    app.before_request(_start)
    app.after_request(_finish)


def _start() -> None:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = given if _SAFE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response: Response) -> Response:
    if "request_id" not in g:  # a request refused before our first hook ran
        _start()
    response.headers[REQUEST_ID_HEADER] = g.request_id
    log.info(
        "request",
        extra={
            "method": request.method,
            "route": request.url_rule.rule if request.url_rule else None,
            "endpoint": request.endpoint,
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - g.request_started) * 1000, 1),
            "bytes": response.content_length,
        },
    )
    return response
