"""`flask --app app check-config`: the settings that are fine on one laptop but hurt a clinic
in production, each refused with the exact variable to set."""

from __future__ import annotations

from collections.abc import Mapping

MIN_SECRET_KEY_LENGTH = 32
GENERATE_KEY = "python3 -c 'import secrets; print(secrets.token_hex(32))'"


def production_problems(config: Mapping, environ: Mapping[str, str], *, servers: int, workers: int) -> list[str]:
    """What must change before serving patients with `servers` app servers of `workers`
    processes each; empty when nothing must."""
    problems = []
    secret = environ.get("SECRET_KEY", "")
    if not secret:
        problems.append(
            "SECRET_KEY is not set, so each server invents its own and signs cookies and code hashes "
            f"the others reject. Set SECRET_KEY to one long random value (e.g. `{GENERATE_KEY}`) in the "
            "environment of every app server and worker."
        )
    elif len(secret) < MIN_SECRET_KEY_LENGTH:
        problems.append(
            f"SECRET_KEY is {len(secret)} characters. Set SECRET_KEY to at least {MIN_SECRET_KEY_LENGTH} "
            f"random characters (e.g. `{GENERATE_KEY}`)."
        )
    processes = servers * workers
    if processes > 1 and config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        problems.append(
            f"Rate limits are counted in memory, so each of the {processes} app processes counts on its own and "
            "lets through that many times the limit. Set TALLYFORM_RATELIMIT_STORAGE_URI=redis://<redis host>:6379/0."
        )
    if servers > 1 and config["DATABASE_URL"].startswith("sqlite"):
        problems.append(
            f"DATABASE_URL is a SQLite file, which {servers} app servers cannot share. "
            "Set DATABASE_URL=postgresql+psycopg://<user>@<database host>/<database>."
        )
    queue_url = environ.get("TALLYFORM_QUEUE_URL", "")
    if servers > 1 and not queue_url.startswith(("redis://", "rediss://")):
        problems.append(
            f"The job queue is a SQLite file, which {servers} app servers and their workers cannot share. "
            "Set TALLYFORM_QUEUE_URL=redis://<redis host>:6379/0."
        )
    if config.get("QUEUE_IMMEDIATE") or environ.get("TALLYFORM_QUEUE_IMMEDIATE") == "1":
        problems.append(
            "TALLYFORM_QUEUE_IMMEDIATE=1 renders every PDF inside the web request that asked for it. "
            "Unset TALLYFORM_QUEUE_IMMEDIATE and run `huey_consumer app.tasks.huey`."
        )
    return problems


def production_warnings(config: Mapping) -> list[str]:
    warnings = []
    if not config["SESSION_COOKIE_SECURE"]:
        warnings.append(
            "Cookies may be sent over plain HTTP. Behind HTTPS (always, with patient data) "
            "set TALLYFORM_SECURE_COOKIES=1."
        )
    return warnings
