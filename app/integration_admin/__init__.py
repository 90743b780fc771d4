"""Admin pages for integrations: API tokens and the CSV export, at /admin/integrations.
The API itself is app/api; what it and the exports read is app/services/interchange.py.
The blueprint keeps the name `integrations`, so its endpoints and URLs are unchanged."""

from app.integration_admin.views import bp

__all__ = ["bp"]
