"""The patient's tablet: code entry, one question per screen, review, submit, forget."""

from app.patient.views import bp

__all__ = ["bp"]
