"""Check-in: the front desk finds or adds a patient and starts a screening with a code."""

from app.checkin.views import bp

__all__ = ["bp"]
