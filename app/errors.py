"""Calm error pages. Errors we cause are logged without PHI and the session rolled back."""

from __future__ import annotations

from flask import Flask, g, render_template
from flask_wtf.csrf import CSRFError


def init_app(app: Flask) -> None:
    @app.errorhandler(403)
    def forbidden(_error):
        return render_template("errors/403.html"), 403

    @app.errorhandler(404)
    def not_found(_error):
        return render_template("errors/404.html"), 404

    @app.errorhandler(CSRFError)
    def form_expired(_error):
        return render_template("errors/form_expired.html"), 400

    @app.errorhandler(500)
    def server_error(_error):
        session = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()
        return render_template("errors/500.html"), 500
