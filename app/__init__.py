"""Tallyform: validated mental-health screening for integrated-care clinics."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, redirect, url_for

from app.config import PROJECT_ROOT, instance_secret_key, settings_from_environment
from app.instruments.loader import InstrumentFileError
from app.instruments.registry import InstrumentRegistry


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app: defaults and environment first, then `overrides` (tests use them).
    Nothing is migrated or written here: `flask --app app migrate` does that."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    app.config.from_mapping(settings_from_environment())
    app.config.from_mapping(overrides or {})
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = instance_secret_key(Path(app.instance_path))

    try:
        registry = InstrumentRegistry.from_directory(Path(app.config["QUESTIONNAIRES_DIR"]))
    except InstrumentFileError as error:
        # One line naming file, field and problem: serving a wrongly worded or scored
        # instrument is worse than not starting.
        raise SystemExit(f"Tallyform cannot start: questionnaire error: {error}") from None
    app.extensions["tallyform.instruments"] = registry

    from app import cli, errors, i18n, queue, request_log, staff_auth, templating
    from app.admin import bp as admin_bp
    from app.api import bp as api_bp
    from app.auth import bp as auth_bp
    from app.checkin import bp as checkin_bp
    from app.clinician import bp as clinician_bp
    from app import export_commands
    from app.extensions import csrf, db
    from app.health import bp as health_bp
    from app.integration_admin import bp as integration_admin_bp
    from app.patient import bp as patient_bp
    from app.security import data_keys, headers, passwords, rate_limits
    from app.services import audit
    from app.staff import bp as staff_bp

    data_keys.init_app(app)
    request_log.init_app(app)
    audit.init_app(app)
    db.init_app(app)
    csrf.init_app(app)
    passwords.init_app(app)
    staff_auth.init_app(app)
    headers.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    i18n.init_app(app)
    cli.init_app(app)
    queue.init_app(app)
    rate_limits.init_app(app)
    export_commands.init_app(app)

    csrf.exempt(api_bp)  # bearer tokens only: no cookie session can reach it (app/api/auth.py)
    blueprints = (
        auth_bp,
        staff_bp,
        checkin_bp,
        patient_bp,
        clinician_bp,
        admin_bp,
        integration_admin_bp,
        api_bp,
        health_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    if app.config["PROXY_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    app.add_url_rule("/", "index", lambda: redirect(url_for("staff.home")))
    # Browsers ask for /favicon.ico whatever a page links; the pages link the same file.
    app.add_url_rule("/favicon.ico", "favicon", lambda: app.send_static_file("favicon.ico"))
    return app
