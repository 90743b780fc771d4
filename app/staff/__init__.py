"""The staff home page: what a signed-in member of staff sees first."""

from app.staff.views import bp

__all__ = ["bp"]
