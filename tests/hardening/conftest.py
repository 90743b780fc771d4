"""Fixtures shared with the admin and tablet tests."""

from tests.admin.conftest import admin  # noqa: F401
from tests.patient.conftest import start_screening  # noqa: F401
