"""All models, imported here so Alembic and the app see one complete metadata."""

from app.models.audit import AuditEvent
from app.models.clinic import Clinic, ClinicInstrument, Packet, PacketEntry
from app.models.patient import Patient
from app.models.review import ReferralDocument, ScreeningReview
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
    "ReferralDocument",
    "Response",
    "Screening",
    "ScreeningReview",
    "StaffSession",
    "User",
]
