"""Calm error pages. Errors we cause are logged without PHI and the session rolled back.

The 500 page must never fail itself: the transaction is rolled back (which keeps the
signed-in user's row loadable for the navigation), and if rendering still fails, for
instance because the database is gone, a plain page without the navigation is sent.
"""

from __future__ import annotations

import logging
import traceback

import sqlalchemy as sa
from flask import Flask, g, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError
from flask_wtf.csrf import CSRFError

log = logging.getLogger(__name__)


def scrub_database_errors(record: logging.LogRecord) -> bool:
    """A database error's message can quote the row it refused (PostgreSQL's "Failing row
    contains (…)" or "Key (mrn)=(…)"): log its kind, SQLSTATE, statement and stack instead."""
    error = record.exc_info[1] if record.exc_info else None
    if isinstance(error, sa.exc.DBAPIError):
        code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None) or "-"
        stack = "".join(traceback.format_tb(error.__traceback__))
        kind = f"{type(error).__name__}/{type(error.orig).__name__} (SQLSTATE {code})"
        record.msg = f"{record.getMessage()}: {kind} in: {error.statement}\n{stack}"
        record.args, record.exc_info, record.exc_text = None, None, None
    return True


PLAIN_SERVER_ERROR = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Something went wrong on our side</title>'
    "</head><body><main><h1>Something went wrong on our side</h1><p>Please try again in a moment; if it keeps "
    'happening, tell your clinic admin.</p><p><a href="/">Go to the start page</a></p></main></body></html>'
)


def init_app(app: Flask) -> None:
    app.logger.addFilter(scrub_database_errors)
    from app.api.auth import http_error_response, is_api_path

    # Under /fhir and /api an error is answered in the API's shape (an OperationOutcome under
    # /fhir), also for paths no route matches and methods no route takes: a FHIR client
    # cannot read an HTML page.
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if is_api_path(request.path):
            return http_error_response(error)
        return error

    @app.errorhandler(403)
    def forbidden(error):
        if is_api_path(request.path):
            return http_error_response(error)
        return render_template("errors/403.html"), 403

    @app.errorhandler(404)
    def not_found(error):
        if is_api_path(request.path):
            return http_error_response(error)
        return render_template("errors/404.html"), 404

    @app.errorhandler(CSRFError)
    def form_expired(_error):
        return render_template("errors/form_expired.html"), 400

    @app.errorhandler(500)
    def server_error(_error):
        try:
            session = g.get("db_session")
            if session is not None:
                session.rollback()
            if is_api_path(request.path):
                return http_error_response(InternalServerError())
            if request.path.startswith("/kiosk"):
                # A patient holds the tablet: the page tells them to hand it back, so a member of
                # staff learns of it (the answer just given, an urgent one too, may not be saved);
                # and, like every screen of a sitting, it clears the tablet when left idle.
                from app.patient.tablet import clear_when_idle

                response = clear_when_idle(render_template("errors/500_tablet.html"))
                response.status_code = 500
                return response
            return render_template("errors/500.html"), 500
        except Exception as error:  # the page about an error must not raise one of its own
            log.error("error page fell back to plain text: %s", type(error).__name__)
            g.staff_user = None
            return PLAIN_SERVER_ERROR, 500
