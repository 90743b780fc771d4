"""A clinic's settings for the installed instruments, with the instruments' defaults
filling what the clinic has not set."""

from __future__ import annotations

import io
from dataclasses import dataclass

import sqlalchemy as sa
from PIL import Image
from sqlalchemy.orm import Session

from app.instruments.loader import LoadedInstrument
from app.instruments.registry import InstrumentRegistry
from app.models import ClinicInstrument, Packet, User
from app.instruments.translations import ENGLISH, LANGUAGE_NAMES
from app.services.audit import record_staff_event
from app.services.clinics import ClinicError, clinic_fields_problem
from app.services.urgency import recompute_clinic_priorities


# Built once (every submit reads it), the clinic bound when it runs.
_OWN_THRESHOLDS = sa.select(ClinicInstrument.instrument_id, ClinicInstrument.referral_threshold).where(
    ClinicInstrument.clinic_id == sa.bindparam("clinic_id"), ClinicInstrument.referral_threshold.is_not(None)
)


def referral_thresholds(session: Session, registry: InstrumentRegistry, clinic_id: int) -> dict[str, int | None]:
    """Instrument id -> the total at or above which a screening is over the clinic's
    referral threshold (None: the instrument has no threshold and the clinic set none)."""
    own = dict(session.execute(_OWN_THRESHOLDS, {"clinic_id": clinic_id}).all())
    return {
        instrument_id: own.get(instrument_id, loaded.definition.scoring.default_referral_threshold)
        for instrument_id, loaded in registry.items()
    }


@dataclass(frozen=True)
class InstrumentSetting:
    """One installed instrument as this clinic uses it."""

    loaded: LoadedInstrument
    is_enabled: bool
    #: the clinic's own threshold, None when it uses the instrument's default
    own_threshold: int | None
    #: the packets (active ones) that list the instrument
    packet_names: tuple[str, ...]

    @property
    def threshold(self) -> int | None:
        return self.own_threshold if self.own_threshold is not None else self.default_threshold

    @property
    def default_threshold(self) -> int | None:
        return self.loaded.definition.scoring.default_referral_threshold


def instrument_settings(session: Session, registry: InstrumentRegistry, clinic_id: int) -> list[InstrumentSetting]:
    rows = {
        row.instrument_id: row
        for row in session.scalars(sa.select(ClinicInstrument).where(ClinicInstrument.clinic_id == clinic_id))
    }
    in_packets: dict[str, list[str]] = {}
    for packet in session.scalars(sa.select(Packet).where(Packet.clinic_id == clinic_id, Packet.is_active)):
        for instrument_id in packet.instrument_ids:
            in_packets.setdefault(instrument_id, []).append(packet.name)
    return [
        InstrumentSetting(
            loaded=loaded,
            is_enabled=rows[instrument_id].is_enabled if instrument_id in rows else True,
            own_threshold=rows[instrument_id].referral_threshold if instrument_id in rows else None,
            packet_names=tuple(sorted(in_packets.get(instrument_id, ()))),
        )
        for instrument_id, loaded in sorted(registry.items(), key=lambda pair: pair[1].definition.short_title)
    ]


def instrument_setting(
    session: Session, registry: InstrumentRegistry, clinic_id: int, instrument_id: str
) -> InstrumentSetting | None:
    return next((s for s in instrument_settings(session, registry, clinic_id) if s.loaded.id == instrument_id), None)


def enabled_instrument_ids(session: Session, registry: InstrumentRegistry, clinic_id: int) -> list[str]:
    return [s.loaded.id for s in instrument_settings(session, registry, clinic_id) if s.is_enabled]


def threshold_problem(loaded: LoadedInstrument, threshold: int | None) -> str | None:
    """Why a referral threshold cannot apply to this instrument, in words for the admin."""
    if threshold is None:
        return None
    low, high = loaded.definition.total_range
    if not low <= threshold <= high:
        return (
            f"{loaded.definition.short_title} totals run from {low} to {high}, so a threshold of {threshold} "
            f"could never be reached as meant. Choose a number from {low} to {high}, or leave it empty for the default."
        )
    cut_off = loaded.definition.scoring.cut_off
    if cut_off is not None and threshold not in cut_off.values:
        published = "; ".join(f"{choice.value} ({choice.label})" for choice in cut_off.choices)
        return (
            f"{loaded.definition.short_title} is read against a published cut-off, so the threshold is one of: "
            f"{published}. Source: {cut_off.source}"
        )
    return None


def save_instrument_setting(
    session: Session,
    registry: InstrumentRegistry,
    actor: User,
    instrument_id: str,
    *,
    is_enabled: bool,
    referral_threshold: int | None,
) -> None:
    """Enable or disable an instrument for the clinic and set its referral threshold,
    both or neither."""
    setting = instrument_setting(session, registry, actor.clinic_id, instrument_id)
    if setting is None:
        raise ClinicError(f"No installed instrument is called {instrument_id}.")
    problem = threshold_problem(setting.loaded, referral_threshold)
    if problem:
        raise ClinicError(problem)
    if not is_enabled and setting.packet_names:
        raise ClinicError(
            f"{setting.loaded.definition.short_title} is in the packet(s) {', '.join(setting.packet_names)}; "
            "remove it from them, or deactivate them, before disabling it."
        )
    row = session.scalar(
        sa.select(ClinicInstrument).where(
            ClinicInstrument.clinic_id == actor.clinic_id, ClinicInstrument.instrument_id == instrument_id
        )
    )
    if row is None:
        row = ClinicInstrument(clinic_id=actor.clinic_id, instrument_id=instrument_id)
        session.add(row)
    row.is_enabled, row.referral_threshold = is_enabled, referral_threshold
    session.flush()
    # The worklist's stored order follows the new threshold in the same transaction.
    recompute_clinic_priorities(session, actor.clinic_id, referral_thresholds(session, registry, actor.clinic_id))
    record_staff_event(
        session,
        "clinic.instrument_settings",
        actor,
        "instrument",
        instrument_id,
        {"enabled": is_enabled, "referral_threshold": referral_threshold},
    )
    session.commit()


@dataclass(frozen=True)
class ClinicDetails:
    name: str
    address: str
    timezone: str
    paper_size: str
    crisis_text: str
    referral_destinations: list[str]
    require_admin_totp: bool
    #: None leaves the clinic's introduction to painful-experience sections as it is
    care_intro_text: str | None = None
    #: the support message per language other than English; None leaves them as they are
    crisis_texts: dict[str, str] | None = None
    #: the languages other than English offered on the tablet; None leaves them as they are
    offered_languages: list[str] | None = None
    #: the tablet's "Listen" button; None leaves it as it is
    read_aloud: bool | None = None


MAX_CRISIS_TEXT = 1000
MAX_CARE_INTRO_TEXT = 1000
MAX_DESTINATIONS = 30


def clinic_details_problem(details: ClinicDetails) -> str | None:
    """Why these details cannot be saved, in words for the admin; None when they can."""
    problem = clinic_fields_problem(details.name, details.timezone, details.paper_size)
    if problem:
        return problem
    if not details.crisis_text.strip():
        return "The crisis message cannot be empty: it is what a patient at risk reads."
    if len(details.crisis_text) > MAX_CRISIS_TEXT:
        return f"Keep the crisis message under {MAX_CRISIS_TEXT} characters so a patient can read it at once."
    problem = _language_problem(details)
    if problem:
        return problem
    if details.care_intro_text is not None and not details.care_intro_text.strip():
        return "The introduction cannot be empty: patients read it before questions about painful experiences."
    if details.care_intro_text is not None and len(details.care_intro_text) > MAX_CARE_INTRO_TEXT:
        return f"Keep the introduction under {MAX_CARE_INTRO_TEXT} characters so a patient can read it at once."
    if len(details.referral_destinations) > MAX_DESTINATIONS:
        return f"List at most {MAX_DESTINATIONS} referral destinations."
    if any(len(destination) > 200 for destination in details.referral_destinations):
        return "Keep each referral destination under 200 characters."
    return None


def crisis_text_problem(language: str, text: str, *, offered: bool) -> str | None:
    """Why a clinic's support message in a language other than English cannot be saved."""
    if language not in LANGUAGE_NAMES or language == ENGLISH:
        return "That language cannot be offered here."
    name = LANGUAGE_NAMES[language][1]
    if offered and not text.strip():
        return (
            f"{name} cannot be offered without a crisis message in {name}: a patient at risk who sits in "
            f"{name} must read it in {name}. Write the message, or stop offering {name}."
        )
    if len(text) > MAX_CRISIS_TEXT:
        return f"Keep the crisis message in {name} under {MAX_CRISIS_TEXT} characters so a patient can read it at once."
    return None


def _language_problem(details: ClinicDetails) -> str | None:
    texts = details.crisis_texts or {}
    offered = details.offered_languages or []
    for language in sorted(set(texts) | set(offered)):
        problem = crisis_text_problem(language, texts.get(language) or "", offered=language in offered)
        if problem:
            return problem
    return None


def save_clinic_details(session: Session, actor: User, details: ClinicDetails) -> None:
    problem = clinic_details_problem(details)
    if problem:
        raise ClinicError(problem)
    clinic = actor.clinic
    changed = sorted(
        field
        for field, value in vars(details).items()
        if value is not None and getattr(clinic, field) != _clean(field, value)
    )
    # Settings hold no PHI, so the trail keeps each changed value, before and after: a
    # changed crisis message can be read back word for word.
    old = {field: getattr(clinic, field) for field in changed}
    for field in changed:
        setattr(clinic, field, _clean(field, getattr(details, field)))
    new = {field: getattr(clinic, field) for field in changed}
    record_staff_event(
        session,
        "clinic.settings",
        actor,
        "clinic",
        clinic.id,
        {"changed": changed, "old": old, "new": new},
    )
    session.commit()


def _clean(field: str, value):
    if isinstance(value, str):
        return value.strip().replace("\r\n", "\n")
    if isinstance(value, list):
        return [line.strip() for line in value if line.strip()]
    if isinstance(value, dict):  # a message per language: an emptied one is dropped
        return {key: _clean(field, text) for key, text in sorted(value.items()) if text.strip()}
    return value


LOGO_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}
MAX_LOGO_BYTES = 512 * 1024
MAX_LOGO_PIXELS = 4000 * 4000


def logo_problem(data: bytes) -> tuple[str | None, str | None]:
    """(mime type, None) for a PNG or JPEG that decodes, else (None, the reason)."""
    if not data:
        return None, "Choose an image file to upload."
    if len(data) > MAX_LOGO_BYTES:
        return None, f"The logo is {len(data) // 1024} KB; use an image of at most {MAX_LOGO_BYTES // 1024} KB."
    try:
        # verify() reads the whole file and fails on a truncated one whatever the global
        # ImageFile.LOAD_TRUNCATED_IMAGES says (WeasyPrint turns it on when imported).
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            if image.width * image.height > MAX_LOGO_PIXELS:
                return None, "The logo is too large in pixels; use one under 4000 × 4000."
            image.load()  # decodes every pixel: a disguised file fails here
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None, "That file is not a PNG or JPEG image that can be read. Export the logo as PNG or JPEG."
    if kind not in LOGO_TYPES:
        return None, f"The logo must be a PNG or JPEG image; this file is {kind or 'another kind of file'}."
    return LOGO_TYPES[kind], None


def save_clinic_logo(session: Session, actor: User, data: bytes | None) -> None:
    """Store a new logo, or remove it (data None)."""
    clinic = actor.clinic
    if data is None:
        clinic.logo_image = clinic.logo_mime_type = None
    else:
        mime_type, problem = logo_problem(data)
        if problem:
            raise ClinicError(problem)
        clinic.logo_image, clinic.logo_mime_type = data, mime_type
    record_staff_event(
        session,
        "clinic.logo_remove" if data is None else "clinic.logo_upload",
        actor,
        "clinic",
        clinic.id,
    )
    session.commit()
