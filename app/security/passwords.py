"""Password hashing (argon2id) and the rules a new password must meet."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app

MIN_PASSWORD_LENGTH = 12


def init_app(app: Flask) -> None:
    hasher = PasswordHasher(time_cost=app.config["ARGON2_TIME_COST"], memory_cost=app.config["ARGON2_MEMORY_KIB"])
    app.extensions["tallyform.password_hasher"] = hasher
    # Verifying against this when no account matches keeps a wrong e-mail address as slow
    # as a wrong password, so response time does not reveal which addresses exist.
    app.extensions["tallyform.dummy_hash"] = hasher.hash("no account has this password")


def _hasher() -> PasswordHasher:
    return current_app.extensions["tallyform.password_hasher"]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    candidate = password_hash or current_app.extensions["tallyform.dummy_hash"]
    try:
        _hasher().verify(candidate, password)
    except (VerificationError, InvalidHashError):
        return False
    return password_hash is not None


def password_problem(password: str) -> str | None:
    """Why a new password is refused, in words for the person choosing it; None if it is fine."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters; a short phrase is easiest to remember."
    return None
