"""Fixtures shared with the admin tests: the demo admin signed in on the test client."""

from tests.admin.conftest import admin  # noqa: F401
