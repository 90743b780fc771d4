"""Rate limits, as the API applies them: fixed one-minute windows (the `limits` package's
fixed-window strategy) counted in the storage TALLYFORM_RATELIMIT_STORAGE_URI names:
memory:// in one process, redis://… when several app servers or workers must share the
counts (check-config refuses memory:// with more than one).

Used where a limit applies and nowhere else: an app-wide rate-limit hook ran on every
tablet and staff request, none of which has a limit, and its extension's imports took a
twentieth of every process's start-up."""

from __future__ import annotations

import math
import time

from flask import Flask, current_app
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

EXTENSION = "tallyform.rate_limits"


def init_app(app: Flask) -> None:
    # Each app its own counts: two apps in one process (tests, a CLI beside a server) never share memory:// counts.
    app.extensions[EXTENSION] = FixedWindowRateLimiter(storage_from_string(app.config["RATELIMIT_STORAGE_URI"]))


def _limiter() -> FixedWindowRateLimiter:
    return current_app.extensions[EXTENSION]


def hit(limit: str, scope: str, key: str) -> bool:
    """Count one call by `key` against `limit` ("100 per minute") in `scope`; False once over it."""
    return _limiter().hit(parse(limit), scope, key)


def window(limit: str, scope: str, key: str) -> tuple[int, int]:
    """(calls left in the current window, seconds until it resets, at least 1)."""
    stats = _limiter().get_window_stats(parse(limit), scope, key)
    return stats.remaining, max(1, math.ceil(stats.reset_time - time.time()))
