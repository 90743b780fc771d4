"""All models, imported here so Alembic and the app see one complete metadata."""

from app.models.account import PasswordToken, SignInFailure
from app.models.audit import AuditEvent
from app.models.clinic import Clinic, ClinicInstrument, Packet, PacketEntry
from app.models.clinic_question import ClinicQuestionSet
from app.models.patient import Patient
from app.models.screening import InstrumentVersion, Response, Screening
from app.models.user import StaffSession, User

__all__ = [
    "AuditEvent",
    "Clinic",
    "ClinicInstrument",
    "InstrumentVersion",
    "Packet",
    "PacketEntry",
    "Patient",
    "Response",
    "Screening",
    "StaffSession",
    "User",
    "PasswordToken",
    "SignInFailure",
    "ClinicQuestionSet",
]
