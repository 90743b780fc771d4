"""Calm error pages. Errors we cause are logged without PHI and the session rolled back."""

from __future__ import annotations

from flask import Flask, g, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError
from flask_wtf.csrf import CSRFError


def init_app(app: Flask) -> None:
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
    def server_error(error):
        session = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()
        if is_api_path(request.path):
            return http_error_response(InternalServerError())
        return render_template("errors/500.html"), 500
