"""All models, imported here so Alembic and the app see one complete metadata."""

from app.models.audit import AuditEvent
from app.models.clinic import Clinic, ClinicInstrument, Packet, PacketEntry
from app.models.kiosk import AccessAttempt, AccessCode, DraftAnswer, KioskSession
from app.models.clinic_question import ClinicQuestionResponse, ClinicQuestionSet
from app.models.patient import Patient
from app.models.patient_total import PatientTotal
from app.models.review import ReferralDocument, ReferralVersion, ScreeningReview
from app.models.screening import InstrumentVersion, Response, Screening
from app.models.staff import PasswordToken, SignInChallenge, SignInFailure, StaffSession, User
from app.models.integration import ApiToken
from app.models.clinician_input import ClinicianInput

__all__ = [
    "AccessAttempt",
    "AccessCode",
    "DraftAnswer",
    "KioskSession",
    "ApiToken",
    "AuditEvent",
    "Clinic",
    "ClinicInstrument",
    "InstrumentVersion",
    "Packet",
    "PacketEntry",
    "Patient",
    "PatientTotal",
    "ReferralDocument",
    "ReferralVersion",
    "Response",
    "Screening",
    "ScreeningReview",
    "SignInChallenge",
    "StaffSession",
    "User",
    "PasswordToken",
    "SignInFailure",
    "ClinicQuestionSet",
    "ClinicQuestionResponse",
    "ClinicianInput",
]
