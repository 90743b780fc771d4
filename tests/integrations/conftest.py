from tests.integration_fixtures import demo_patient, incomplete_screening, new_patient_packet, other_clinic, token  # noqa: F401
from tests.patient.conftest import start_screening  # noqa: F401
