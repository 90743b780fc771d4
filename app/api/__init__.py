"""The read-only API for integrations: FHIR R4 under /fhir/, JSON under /api/.

Only an API token (Authorization: Bearer …) opens it; a staff sign-in cookie does not, so
CSRF, which protects cookie-authenticated forms, does not apply here.
"""

from app.api import fhir_views  # noqa: F401 - registers the FHIR server's routes on bp
from app.api.views import bp

__all__ = ["bp"]
