"""Extension objects, created here and bound to an app by create_app via init_app."""

from __future__ import annotations

from flask import current_app
from flask_wtf import CSRFProtect

from app.db import db
from app.instruments.registry import InstrumentRegistry

csrf = CSRFProtect()

__all__ = ["csrf", "db", "instruments"]


def instruments() -> InstrumentRegistry:
    """The current app's instrument registry."""
    return current_app.extensions["tallyform.instruments"]
