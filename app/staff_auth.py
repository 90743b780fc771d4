"""Who is signed in, and the role check each staff blueprint runs before its views. Not in
app/security, which holds only primitives and imports no service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, redirect, request, session, url_for

from app.extensions import db
from app.services.sign_in import SessionLimits, current_staff

SESSION_KEY = "staff_token"


def init_app(app: Flask) -> None:
    app.before_request(_load_staff_user)
    app.context_processor(lambda: {"staff_user": g.get("staff_user")})


def session_limits() -> SessionLimits:
    config = current_app.config
    return SessionLimits(
        idle=timedelta(minutes=config["STAFF_IDLE_MINUTES"]),
        absolute=timedelta(hours=config["STAFF_MAX_SESSION_HOURS"]),
    )


def _load_staff_user() -> None:
    g.staff_user = None
    token = session.get(SESSION_KEY)
    if request.path.startswith("/static/") or not token:
        return
    g.staff_user = current_staff(db.session, token, session_limits())
    if g.staff_user is None:
        session.pop(SESSION_KEY, None)


def require_staff(*roles: str) -> Callable[[], object]:
    """A before_request hook for a blueprint: signed-in staff only, and of these roles."""

    def check():
        user = g.get("staff_user")
        if user is None:
            return redirect(url_for("auth.sign_in", next=request.path))
        if roles and user.role not in roles:
            abort(403)
        return None

    return check


def safe_next(target: str | None, fallback: str) -> str:
    """Follow `next` only to a path on this site, never to another host."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target
