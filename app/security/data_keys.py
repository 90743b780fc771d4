"""Encryption at rest for the few secrets the app must read back (TOTP secrets).

Keys come from TALLYFORM_DATA_KEYS: comma-separated Fernet keys, the newest first. Values
are encrypted with the first and read with any, so a key is rotated by putting a new key in
front, running `flask --app app rotate-data-key` (which re-encrypts every stored value with
it), then removing the old key. Without the variable, a key is generated once and kept in
instance/data_key (mode 0600), as the signing key is: fine on one machine, but set the
variable (from a secrets store) in production, and never keep it in the database.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app, has_app_context

from app.config import instance_secret_key

ENV = "TALLYFORM_DATA_KEYS"
PREFIX = "fernet:"
_last_configured: MultiFernet | None = None


class DataKeyError(RuntimeError):
    """A stored secret cannot be read with the configured keys."""


def load_keys(instance_path: Path) -> list[str]:
    """The key kept in instance/data_key, made on first use (when TALLYFORM_DATA_KEYS is unset)."""
    return [instance_secret_key(instance_path, "data_key", make=lambda: Fernet.generate_key().decode())]


def keyring(keys: list[str]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def init_app(app: Flask) -> None:
    global _last_configured
    keys = [key.strip() for key in app.config.get("DATA_KEYS") or ()] or load_keys(Path(app.instance_path))
    app.extensions["tallyform.data_keys"] = _last_configured = keyring(keys)


def _current() -> MultiFernet:
    if has_app_context() and "tallyform.data_keys" in current_app.extensions:
        return current_app.extensions["tallyform.data_keys"]
    if _last_configured is None:
        raise DataKeyError("no data keys configured: create the app first")
    return _last_configured


def encrypt(plaintext: str, ring: MultiFernet | None = None) -> str:
    return PREFIX + (ring or _current()).encrypt(plaintext.encode()).decode()


def decrypt(stored: str, ring: MultiFernet | None = None) -> str:
    if not stored.startswith(PREFIX):
        return stored  # written before encryption at rest; `rotate-data-key` encrypts it
    try:
        return (ring or _current()).decrypt(stored.removeprefix(PREFIX).encode()).decode()
    except InvalidToken:
        raise DataKeyError(f"a stored secret cannot be decrypted with the keys in {ENV}") from None


def reencrypt(stored: str, ring: MultiFernet | None = None) -> str:
    """The value encrypted with the newest key (plaintext from before encryption too)."""
    ring = ring or _current()
    if not stored.startswith(PREFIX):
        return encrypt(stored, ring)
    return PREFIX + ring.rotate(stored.removeprefix(PREFIX).encode()).decode()


class EncryptedString(sa.types.TypeDecorator):
    """A string column whose value is encrypted with the data keys before it is stored."""

    impl = sa.String(255)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else encrypt(value)

    def process_result_value(self, value, dialect):
        return None if value is None else decrypt(value)
