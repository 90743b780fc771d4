"""Clinic settings: valid values are saved and used; a bad value is refused with the
message the admin reads, and nothing of that submission is saved."""

import html
import io

import pytest
import sqlalchemy as sa
from PIL import Image

from app.extensions import instruments
from app.models import AuditEvent
from app.models.clinic import DEFAULT_CRISIS_TEXT, DEFAULT_CRISIS_TEXTS
from app.services import languages
from tests.conftest import csrf_token_from
from tests.fixtures import demo_clinic_row, post_form

VALID = {
    "name": "Riverside Integrated Care",
    "address": "1200 River Road",
    "timezone": "America/Chicago",
    "paper_size": "Letter",
    "crisis_text": "Please tell the front desk now. Call or text 988 at any time.",
    "care_intro_text": "These questions are about hard times. Skip any you like; your nurse will talk them over.",
    "referral_destinations": "Behavioral health – Dr Kim\n\n  Community counselling  \n",
    # the page posts the languages offered as they are: Spanish, with its message
    "offer_es": "y",
    "crisis_text_es": DEFAULT_CRISIS_TEXTS["es"],
}
SPANISH_CRISIS_TEXT = "Por favor, avise ahora a la recepción. Puede llamar o enviar un mensaje de texto al 988."


def _image(kind: str, size=(120, 60)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (31, 95, 168)).save(buffer, kind)
    return buffer.getvalue()


def _clinic(session):
    session.expire_all()
    return demo_clinic_row(session)


def test_valid_settings_are_saved_and_destinations_kept_in_order(admin, session):
    response = post_form(admin, "/admin/settings", {**VALID, "paper_size": "A4"})
    assert response.status_code == 302
    clinic = _clinic(session)
    assert clinic.crisis_text == VALID["crisis_text"]
    assert clinic.paper_size == "A4"
    assert clinic.referral_destinations == ["Behavioral health – Dr Kim", "Community counselling"]
    assert "Clinic settings saved." in admin.get("/admin/settings").text
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "clinic.settings")).one()
    changed = ["address", "care_intro_text", "crisis_text", "paper_size", "referral_destinations"]
    assert event.details["changed"] == changed
    # each changed setting's old and new value, so the trail says what the wording was
    assert event.details["old"]["crisis_text"] == DEFAULT_CRISIS_TEXT
    assert event.details["new"]["crisis_text"] == VALID["crisis_text"]
    assert event.details["old"]["paper_size"] == "Letter"
    assert event.details["new"]["referral_destinations"] == ["Behavioral health – Dr Kim", "Community counselling"]
    assert set(event.details["old"]) == set(event.details["changed"])


def test_time_zone_is_used_to_show_times(admin, session):
    post_form(admin, "/admin/settings", {**VALID, "timezone": "Asia/Tokyo"})
    assert _clinic(session).timezone == "Asia/Tokyo"
    # The demo's 2026-11-10 15:45 UTC screening is 00:45 the next day in Tokyo.
    assert "11 Nov 2026, 00:45" in admin.get("/clinician/?date_from=2026-11-10&date_to=2026-11-11").text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("timezone", "Mars/Olympus_Mons", "&#39;Mars/Olympus_Mons&#39; is not a time zone name"),
        ("timezone", "../../etc/passwd", "is not a time zone name"),
        ("paper_size", "Legal", "Not a valid choice"),
        ("name", "   ", "Give the clinic&#39;s name as patients know it."),
        ("crisis_text", "", "The crisis message cannot be empty"),
        ("crisis_text", "x" * 1001, "Keep the message under 1000 characters."),
        ("care_intro_text", "", "The introduction cannot be empty"),
        ("care_intro_text", "x" * 1001, "Keep the introduction under 1000 characters."),
        ("referral_destinations", "\n".join(f"Service {n}" for n in range(31)), "List at most 30 destinations."),
    ],
)
def test_bad_value_is_refused_with_a_message_and_nothing_is_half_saved(admin, session, field, value, message):
    response = post_form(admin, "/admin/settings", {**VALID, "address": "A new address", field: value})
    assert response.status_code == 200
    assert message in response.text
    clinic = _clinic(session)
    assert clinic.address != "A new address"
    assert clinic.timezone == "America/Chicago"


@pytest.mark.parametrize(("kind", "mime_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg")])
def test_png_or_jpeg_logo_is_stored_with_its_real_type_whatever_its_name(admin, session, kind, mime_type):
    data = _image(kind)
    upload = {"logo": (io.BytesIO(data), "logo.gif"), "action": "upload"}
    response = post_form(
        admin, "/admin/settings", upload, url="/admin/settings/logo", content_type="multipart/form-data"
    )
    assert response.status_code == 302
    clinic = _clinic(session)
    assert clinic.logo_image == data
    assert clinic.logo_mime_type == mime_type
    assert f'src="data:{mime_type};base64,' in admin.get("/admin/settings").text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a" + _image("GIF")[6:], "The logo must be a PNG or JPEG image; this file is GIF."),
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "not a PNG or JPEG image that can be read"),
        (_image("PNG")[:60], "not a PNG or JPEG image that can be read"),
    ],
    ids=["gif", "svg-named-png", "truncated-png"],
)
def test_logo_that_is_not_a_readable_png_or_jpeg_is_refused(admin, session, data, message):
    upload = {"logo": (io.BytesIO(data), "logo.png"), "action": "upload"}
    response = post_form(
        admin, "/admin/settings", upload, url="/admin/settings/logo", content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert message in response.text
    assert _clinic(session).logo_image is None


def test_logo_over_512_kb_is_refused_before_it_is_decoded(admin, session):
    # A body built by hand: the test client spools large uploads to a temporary file it
    # never closes, which this suite's warnings-as-errors would report.
    token = csrf_token_from(admin.get("/admin/settings").text)
    boundary = "tallyformboundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="logo"; filename="logo.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + b"\x89PNG"
        + b"\0" * (600 * 1024)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = admin.post("/admin/settings/logo", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 400
    assert "The logo is 600 KB; use an image of at most 512 KB." in response.text
    assert _clinic(session).logo_image is None


def test_logo_can_be_removed(admin, session):
    upload = {"logo": (io.BytesIO(_image("PNG")), "logo.png"), "action": "upload"}
    post_form(admin, "/admin/settings", upload, url="/admin/settings/logo", content_type="multipart/form-data")
    post_form(admin, "/admin/settings", {"action": "remove"}, url="/admin/settings/logo")
    assert _clinic(session).logo_image is None
    actions = session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("clinic.logo_%"))).all()
    assert actions == ["clinic.logo_upload", "clinic.logo_remove"]


def test_requiring_two_factor_sends_an_admin_without_it_to_set_it_up(admin, session):
    response = post_form(admin, "/admin/settings", {**VALID, "require_admin_totp": "y"})
    assert _clinic(session).require_admin_totp is True
    follow = admin.get(response.headers["Location"])
    assert follow.status_code == 302
    assert follow.headers["Location"] == "/auth/two-factor"
    assert "requires two-factor sign-in for admins" in admin.get("/auth/two-factor").text


def test_spanish_support_text_is_saved_and_audited_word_for_word(admin, session):
    response = post_form(admin, "/admin/settings", {**VALID, "crisis_text_es": f"  {SPANISH_CRISIS_TEXT}\r\n"})

    assert response.status_code == 302
    clinic = _clinic(session)
    assert clinic.crisis_texts == {"es": SPANISH_CRISIS_TEXT}
    assert clinic.offered_languages == ["es"]
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "clinic.settings")).one()
    assert "crisis_texts" in event.details["changed"]
    assert event.details["old"]["crisis_texts"] == {"es": DEFAULT_CRISIS_TEXTS["es"]}
    assert event.details["new"]["crisis_texts"] == {"es": SPANISH_CRISIS_TEXT}
    audit_page = html.unescape(admin.get("/admin/audit").text)
    assert SPANISH_CRISIS_TEXT in audit_page
    assert "Crisis text in other languages" in audit_page


def test_offering_spanish_without_its_support_text_is_refused_and_nothing_is_lost(admin, session):
    posted = {**VALID, "address": "A new address", "crisis_text_es": "   "}

    response = post_form(admin, "/admin/settings", posted)

    assert response.status_code == 200
    page = html.unescape(response.text)
    assert "Spanish cannot be offered without a crisis message in Spanish" in page
    assert 'id="crisis_text_es-error"' in page
    # what the admin typed is still in the form, and nothing of it was saved
    assert "A new address" in page
    assert VALID["crisis_text"] in page
    clinic = _clinic(session)
    assert clinic.address != "A new address"
    assert clinic.crisis_texts == {"es": DEFAULT_CRISIS_TEXTS["es"]}
    assert not session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "clinic.settings")).all()


def test_the_service_refuses_a_language_offered_without_support_text(admin, session):
    from app.services.clinic_settings import ClinicDetails, save_clinic_details
    from app.services.clinics import ClinicError
    from tests.fixtures import demo_user

    clinic = demo_clinic_row(session)
    details = ClinicDetails(
        name=clinic.name,
        address=clinic.address,
        timezone=clinic.timezone,
        paper_size=clinic.paper_size,
        crisis_text=clinic.crisis_text,
        referral_destinations=clinic.referral_destinations,
        require_admin_totp=False,
        crisis_texts={"es": ""},
        offered_languages=["es"],
    )
    with pytest.raises(ClinicError, match="Spanish cannot be offered without a crisis message in Spanish"):
        save_clinic_details(session, demo_user(session, "admin"), details)


def test_stopping_spanish_takes_it_off_check_in_and_the_welcome_screen(admin, session):
    post_form(admin, "/admin/settings", {key: value for key, value in VALID.items() if key != "offer_es"})

    clinic = _clinic(session)
    assert clinic.offered_languages == []
    assert clinic.crisis_texts == {"es": DEFAULT_CRISIS_TEXTS["es"]}  # kept, for when it is offered again
    with admin.application.app_context():
        offered = [language.code for language in languages.offered_languages(instruments(), clinic)]
    assert offered == ["en"]


def test_read_aloud_is_off_by_default_and_can_be_switched_on(admin, session):
    assert _clinic(session).read_aloud is False

    post_form(admin, "/admin/settings", {**VALID, "read_aloud": "y"})

    assert _clinic(session).read_aloud is True
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "clinic.settings")).one()
    assert event.details["new"]["read_aloud"] is True
