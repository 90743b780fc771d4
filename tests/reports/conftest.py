from tests.clinician.conftest import demo_clinic  # noqa: F401 - shared fixture
