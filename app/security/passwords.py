"""Password hashing (argon2id) and the rules a new password must meet."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app

MIN_PASSWORD_LENGTH = 12
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")
# What people add to a common password to get past a length rule: "password2024!!".
_PADDING = re.compile(r"[\d\W_]+$")


def init_app(app: Flask) -> None:
    hasher = PasswordHasher(time_cost=app.config["ARGON2_TIME_COST"], memory_cost=app.config["ARGON2_MEMORY_KIB"])
    app.extensions["tallyform.password_hasher"] = hasher


def _dummy_hash() -> str:
    """Verifying against this when no account matches keeps a wrong e-mail address as slow
    as a wrong password, so response time does not reveal which addresses exist. Made on the
    first sign-in that needs it, not at start-up: a 64 MiB hash in every process that never
    signs anyone in (workers, commands) is wasted."""
    extensions = current_app.extensions
    if "tallyform.dummy_hash" not in extensions:
        extensions["tallyform.dummy_hash"] = _hasher().hash("no account has this password")
    return extensions["tallyform.dummy_hash"]


def _hasher() -> PasswordHasher:
    return current_app.extensions["tallyform.password_hasher"]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    candidate = password_hash or _dummy_hash()
    try:
        _hasher().verify(candidate, password)
    except (VerificationError, InvalidHashError):
        return False
    return password_hash is not None


def password_problem(password: str) -> str | None:
    """Why a new password is refused, in words for the person choosing it; None if it is fine."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters; a short phrase is easiest to remember."
    lowered = password.lower()
    if lowered in common_passwords() or _PADDING.sub("", lowered) in common_passwords():
        return "That password is on a list of common passwords that attackers try first; choose another."
    if len(set(lowered)) < 4:
        return "Use more different characters; a short phrase of several words works well."
    return None


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))
