"""What the tablet keeps in its cookie, and how it forgets.

The cookie holds only a random kiosk-session token; answers live server-side. Code guessing
is slowed by network address, never by anything the tablet keeps and could drop. Ending a
sitting clears the session, replaces the cookie, and tells the browser to drop everything it
kept for this site.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Response, current_app, g, redirect, request, session, url_for

from app.extensions import db
from app.i18n import use_language
from app.services.kiosk import current_kiosk_session

KIOSK_KEY = "kiosk_token"
DONE_KEY = "kiosk_done"
# Cookies and storage for this origin, and the HTTP cache (Chrome's back/forward cache
# is also evicted when cookies change).
CLEAR_SITE_DATA = '"cache", "cookies", "storage"'


# The screens that show the clinic's own settings (read-aloud, care introduction, languages):
# their kiosk query loads the clinic too; the other requests need only the screening.
CLINIC_SCREENS = {"patient.welcome", "patient.step", "patient.language"}


def idle_limit() -> timedelta:
    return timedelta(seconds=current_app.config["KIOSK_IDLE_SECONDS"])


def load_kiosk() -> None:
    g.kiosk = current_kiosk_session(
        db.session, session.get(KIOSK_KEY), idle_limit(), with_clinic=request.endpoint in CLINIC_SCREENS
    )
    if g.kiosk is None and KIOSK_KEY in session:
        session.clear()
    use_language(g.kiosk.screening.language if g.kiosk else None)


def require_kiosk():
    """A before_request hook: screens of a sitting need a live kiosk session."""
    if g.kiosk is None:
        return redirect(url_for("patient.start", cleared=1))
    return None


def client_address() -> str:
    """The tablet's address as the app sees it (behind a proxy, the one PROXY_HOPS trusts)."""
    return request.remote_addr or ""


def begin_sitting(token: str) -> None:
    session.clear()  # a new session id for every patient
    session[KIOSK_KEY] = token


def forget(response: Response) -> Response:
    response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    response.headers["Cache-Control"] = "no-store"
    return response


def clear_when_idle(page: str) -> Response:
    """A sitting's screen, which sends the tablet to the timeout page after the idle limit.
    An HTTP Refresh header rather than a meta refresh: the same behaviour without
    JavaScript, and the warning with a one-tap extension comes from kiosk.js."""
    response = current_app.make_response(page)
    response.headers["Refresh"] = f"{idle_limit().seconds}; url={url_for('patient.timeout')}"
    return response


def done_seconds() -> int:
    return current_app.config["KIOSK_DONE_SECONDS"]


def return_to_start(page: str) -> Response:
    """The final page: forgotten by the browser, and back to the code screen after a pause,
    by a Refresh header (no JavaScript needed) and by kiosk.js (which leaves no history entry)."""
    response = forget(current_app.make_response(page))
    response.headers["Refresh"] = f"{done_seconds()}; url={url_for('patient.start')}"
    return response
