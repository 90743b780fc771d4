"""Settings, from the environment, with safe defaults.

Every variable is listed in README.md ("Configuration"). `create_app(overrides)` applies
these first, then the overrides (tests use them).
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path


def _project_root() -> Path:
    """Where templates, static files, instruments, migrations and seeds are: beside the package
    in a checkout, or under <prefix>/share/tallyform when installed with `pip install .`."""
    checkout = Path(__file__).resolve().parent.parent
    installed = Path(sys.prefix) / "share" / "tallyform"
    if not (checkout / "questionnaires").is_dir() and (installed / "questionnaires").is_dir():
        return installed
    return checkout


PROJECT_ROOT = _project_root()


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def default_database_url() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'instance' / 'tallyform.sqlite3'}"


def instance_secret_key(instance_path: Path, name: str = "secret_key", make=lambda: secrets.token_hex(32)) -> str:
    """A random key kept in instance/ (mode 0600) so it survives a restart on a single
    machine, used when its environment variable is not set. Never a literal in the code."""
    key_file = instance_path / name
    if key_file.exists():
        return key_file.read_text().strip()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = make()
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key)
    return key


def settings_from_environment() -> dict:
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "DATABASE_URL": os.environ.get("DATABASE_URL") or default_database_url(),
        "QUESTIONNAIRES_DIR": os.environ.get("TALLYFORM_QUESTIONNAIRES_DIR") or str(PROJECT_ROOT / "questionnaires"),
        "ACCESS_CODE_MINUTES": _int("TALLYFORM_ACCESS_CODE_MINUTES", 30),
        "KIOSK_IDLE_SECONDS": _int("TALLYFORM_KIOSK_IDLE_SECONDS", 180),
        # The final page (and any support message on it) goes back to the code screen after this.
        "KIOSK_DONE_SECONDS": _int("TALLYFORM_KIOSK_DONE_SECONDS", 60),
        # The tablet's "about N minutes": a planning figure of ours, not a published one (one
        # question a screen, read and tapped, then Next). A clinic that times its own patients
        # sets its figure here.
        "SECONDS_PER_QUESTION": _int("TALLYFORM_SECONDS_PER_QUESTION", 20),
        "STAFF_IDLE_MINUTES": _int("TALLYFORM_STAFF_IDLE_MINUTES", 15),
        "STAFF_MAX_SESSION_HOURS": _int("TALLYFORM_STAFF_MAX_SESSION_HOURS", 12),
        # Cookies are sent over HTTPS only unless this is set to 0 (plain-HTTP development).
        "SESSION_COOKIE_SECURE": os.environ.get("TALLYFORM_SECURE_COOKIES", "0") == "1",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "tallyform_session",
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the (server-checked) session
        # argon2id parameters: the library's defaults (RFC 9106 low-memory profile).
        "ARGON2_TIME_COST": _int("TALLYFORM_ARGON2_TIME_COST", 3),
        "ARGON2_MEMORY_KIB": _int("TALLYFORM_ARGON2_MEMORY_KIB", 65536),
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        # The longest a sign-in attempt from an address with many recent failures is held.
        "SIGN_IN_MAX_PAUSE_SECONDS": float(os.environ.get("TALLYFORM_SIGN_IN_MAX_PAUSE_SECONDS") or 2),
        # Invalid API tokens allowed per address before it is refused with 429.
        "API_INVALID_TOKEN_LIMIT": os.environ.get("TALLYFORM_API_INVALID_TOKEN_LIMIT") or "20 per minute",
        # Keys the audit trail's hash chain (HMAC-SHA256); None: instance/audit_key. Never in the database.
        "AUDIT_KEY": os.environ.get("TALLYFORM_AUDIT_KEY") or None,
        # Append-only file where the chain's head is written after each commit; None: instance/audit_anchor.
        "AUDIT_ANCHOR_PATH": os.environ.get("TALLYFORM_AUDIT_ANCHOR") or None,
        # Fernet keys for secrets at rest, newest first (app/security/data_keys.py); None: instance/data_key.
        "DATA_KEYS": [key for key in (os.environ.get("TALLYFORM_DATA_KEYS") or "").split(",") if key.strip()] or None,
        # Canonical base of our FHIR Questionnaires and MRN identifier systems (not of the local
        # code system, whose URL is fixed: app/fhir/codes.py). It names
        # things rather than locating them: change it only before the first export, because an
        # EHR keys what it received on these URLs.
        "FHIR_BASE_URL": (os.environ.get("TALLYFORM_FHIR_BASE_URL") or "https://tallyform.org/fhir").rstrip("/"),
        "API_RATE_LIMIT": os.environ.get("TALLYFORM_API_RATE_LIMIT") or "120 per minute",
        # memory:// suits one app process; several processes share redis:// or memcached:// storage.
        "RATELIMIT_STORAGE_URI": os.environ.get("TALLYFORM_RATELIMIT_STORAGE_URI") or "memory://",
        # Reverse proxies in front of the app: their X-Forwarded-For is trusted this many hops deep.
        "PROXY_HOPS": _int("TALLYFORM_PROXY_HOPS", 0),
        # A referral summary still `rendering` after this lost its worker and is queued again.
        "RENDER_TIMEOUT_SECONDS": _int("TALLYFORM_RENDER_TIMEOUT_SECONDS", 120),
        # Workers write a heartbeat each minute; /readyz fails when the last is older than this.
        "WORKER_HEARTBEAT_MAX_AGE_SECONDS": _int("TALLYFORM_WORKER_HEARTBEAT_MAX_AGE_SECONDS", 180),
    }
