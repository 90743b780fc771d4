from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow

DEFAULT_CRISIS_TEXT = (
    "Thank you for telling us. A member of your care team will talk with you today before you leave. "
    "If you are in danger right now or think you may act on these thoughts, call 911 or the 988 "
    "Suicide & Crisis Lifeline (call or text 988)."
)

# The same message for a patient sitting in another language: what a new clinic starts with,
# as a careful translation of the English default. A clinic offers a language only with a
# support message written in it.
DEFAULT_CRISIS_TEXTS = {
    "es": (
        "Gracias por decírnoslo. Un miembro de su equipo de atención hablará con usted hoy, antes de que se "
        "vaya. Si está en peligro en este momento o cree que podría actuar según estos pensamientos, llame al "
        "911 o a la Línea 988 de Prevención del Suicidio y Crisis (llame o envíe un mensaje de texto al 988)."
    )
}

# Shown before a section about painful experiences (childhood adversity, trauma): what the
# questions are about, that any may be skipped, and that the care team will talk about them.
DEFAULT_CARE_INTRO = (
    "The next questions ask about hard things that may have happened to you, such as difficult "
    "experiences in childhood or very frightening events. Some people find them upsetting. You can "
    "skip any question: choose Next without picking an answer. Someone from your care team will "
    "talk with you about your answers."
)


class Clinic(Base):
    __tablename__ = "clinic"
    __table_args__ = (sa.CheckConstraint("paper_size IN ('A4', 'Letter')", name="paper_size"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: short stable name used on the command line and in seeds
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    address: Mapped[str] = mapped_column(sa.Text, default="")
    #: IANA time zone; times are stored in UTC and shown in this zone
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    paper_size: Mapped[str] = mapped_column(sa.String(8), default="Letter")
    #: shown to a patient who answers PHQ-9 item 9 above 0
    crisis_text: Mapped[str] = mapped_column(sa.Text, default=DEFAULT_CRISIS_TEXT)
    #: the support message in each language other than English, by language code
    crisis_texts: Mapped[dict] = mapped_column(
        default=lambda: dict(DEFAULT_CRISIS_TEXTS), server_default=sa.text("'{}'")
    )
    #: the languages other than English a patient may sit in at this clinic; each one has a
    #: support message in crisis_texts (the settings refuse one without)
    offered_languages: Mapped[list] = mapped_column(
        default=lambda: list(DEFAULT_CRISIS_TEXTS), server_default=sa.text("'[]'")
    )
    #: the tablet's "Listen" button, reading each question aloud with the device's own voice
    read_aloud: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: shown before a section of questions about painful experiences
    care_intro_text: Mapped[str] = mapped_column(
        sa.Text, default=DEFAULT_CARE_INTRO, server_default=sa.text(f"'{DEFAULT_CARE_INTRO}'")
    )
    #: PNG or JPEG bytes, checked by decoding before they are stored
    logo_image: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    logo_mime_type: Mapped[str | None] = mapped_column(sa.String(32))
    #: where a referral can be sent, offered as a list on the referral form
    referral_destinations: Mapped[list] = mapped_column(default=list)
    #: admins must sign in with a TOTP code as well as their password
    require_admin_totp: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    packets: Mapped[list[Packet]] = relationship(back_populates="clinic", order_by="Packet.name")

    def crisis_text_in(self, language: str) -> tuple[str, str]:
        """(language of the message, message) for a patient sitting in `language`: the
        clinic's own wording in it, else the English one (marked as English on the page)."""
        text = (self.crisis_texts or {}).get(language) if language != "en" else None
        return (language, text) if text else ("en", self.crisis_text)


class ClinicInstrument(Base):
    """A clinic's own settings for one installed instrument. No row means the defaults:
    enabled, with the instrument's own default referral threshold."""

    __tablename__ = "clinic_instrument"
    __table_args__ = (sa.UniqueConstraint("clinic_id", "instrument_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"))
    instrument_id: Mapped[str] = mapped_column(sa.String(64))
    is_enabled: Mapped[bool] = mapped_column(default=True)
    #: a total at or above this raises the screening on the worklist; None = instrument default
    referral_threshold: Mapped[int | None]


class Packet(Base):
    """A named, ordered set of instruments a clinic gives together."""

    __tablename__ = "packet"
    __table_args__ = (sa.UniqueConstraint("clinic_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(sa.ForeignKey("clinic.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    is_active: Mapped[bool] = mapped_column(default=True)
    #: follow-up instrument -> the earlier instrument whose result must reach the clinic's
    #: threshold for it to be asked (two-step packets)
    follow_ups: Mapped[dict] = mapped_column(default=dict, server_default=sa.text("'{}'"))

    clinic: Mapped[Clinic] = relationship(back_populates="packets")
    entries: Mapped[list[PacketEntry]] = relationship(order_by="PacketEntry.position", cascade="all, delete-orphan")

    @property
    def instrument_ids(self) -> list[str]:
        return [entry.instrument_id for entry in self.entries]


class PacketEntry(Base):
    __tablename__ = "packet_entry"
    __table_args__ = (
        sa.UniqueConstraint("packet_id", "position"),
        sa.UniqueConstraint("packet_id", "instrument_id"),
        sa.CheckConstraint("position >= 0", name="position_not_negative"),
        sa.CheckConstraint(
            "rescreen_weeks IS NULL OR (rescreen_weeks >= 1 AND rescreen_weeks <= 104)", name="rescreen_weeks_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    packet_id: Mapped[int] = mapped_column(sa.ForeignKey("packet.id", ondelete="CASCADE"))
    position: Mapped[int]
    instrument_id: Mapped[str] = mapped_column(sa.String(64))
    #: offer the instrument again this many weeks after a total at or over the clinic's
    #: referral threshold (None: no re-screening reminder); shown on the clinic dashboard
    rescreen_weeks: Mapped[int | None]
