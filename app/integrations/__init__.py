"""Admin pages for integrations: API tokens and the CSV export, at /admin/integrations."""

from app.integrations.views import bp

__all__ = ["bp"]
