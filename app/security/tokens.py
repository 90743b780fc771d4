"""Keeping secrets out of the database: what is stored of a token, a code or a device id."""

from __future__ import annotations

import hashlib


def token_hash(token: str) -> str:
    """sha256 of a long random token (session, link, API token, device id). A fast hash is
    enough because the input is unguessable; short human-typed codes use a keyed HMAC instead."""
    return hashlib.sha256(token.encode()).hexdigest()
