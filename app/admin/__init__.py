"""Clinic administration: instruments and packets, settings, staff accounts, the audit trail."""

from app.admin.views import bp

__all__ = ["bp"]
