"""The tests' one fixtures plugin (loaded by tests/conftest.py through `pytest_plugins`).

Clinics, staff, patients and screenings are made here through the real services, so a test
arranges state the way the app itself would, and the tests import the app's services and
models in this one place. Pages are driven through their real forms, CSRF token included.
"""

from __future__ import annotations

import html as html_module
import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from fhir.resources.R4B import get_fhir_model_class

from app.db import utcnow
from app.extensions import db, instruments
from app.models import ApiToken, Clinic, Packet, Patient, Response, Screening, User
from app.reports.context import referral_context
from app.reports.render import referral_html
from app.services import access_codes, api_tokens, clinics, languages, packets, patients, screenings, staff
from tests.conftest import DEMO_PASSWORD, AuthActions, csrf_token_from

OTHER_CLINIC = {"slug": "hillside", "name": "Hillside Family Practice"}
OTHER_ADMIN = "admin@hillside.example.org"
OTHER_CLINICIAN = "clinician@hillside.example.org"


# ---- pages and forms ------------------------------------------------------------------------


def post_form(client, page: str, data: dict, url: str | None = None, **kwargs):
    """GET the page that shows the form, then POST `data` (to `url`, or back to the page) with
    that page's CSRF token, as a browser would."""
    token = csrf_token_from(client.get(page).text)
    return client.post(url or page, data={**data, "csrf_token": token}, **kwargs)


def page_text(html: str) -> str:
    """The words of a page as a reader sees them: tags dropped, whitespace collapsed."""
    return " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def at(year: int, month: int, day: int, hour: int = 15) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


class Tablet:
    """Drives the tablet pages through the real forms, as a patient's taps would."""

    def __init__(self, client):
        self.client = client

    def enter_code(self, code: str):
        page = self.client.get("/kiosk/")
        return self.client.post("/kiosk/", data={"code": code, "csrf_token": csrf_token_from(page.text)})

    def step(self, index: int):
        return self.client.get(f"/kiosk/step/{index}")

    def answer(self, index: int, value: int | None, nav: str = "next"):
        page = self.step(index)
        assert page.status_code == 200, page.status_code
        data = {"csrf_token": csrf_token_from(page.text), "nav": nav}
        field = re.search(r'name="(item_[a-z0-9_]+)"', page.text)
        if field and value is not None:
            data[field.group(1)] = str(value)
        return self.client.post(f"/kiosk/step/{index}", data=data)

    def chosen(self, index: int) -> int | None:
        """The answer the screen shows as selected."""
        match = re.search(r'<input checked[^>]*value="(-?\d+)"', self.step(index).text)
        return int(match.group(1)) if match else None

    def submit(self):
        page = self.client.get("/kiosk/review")
        return self.client.post("/kiosk/submit", data={"csrf_token": csrf_token_from(page.text)})

    def complete(self, answers_by_step: dict[int, int | None], step_count: int):
        for index in range(step_count):
            self.answer(index, answers_by_step.get(index))
        return self.submit()


# ---- FHIR and API -----------------------------------------------------------------------------


def parse_fhir(resource: dict):
    """The resource read by the fhir.resources R4B model of its type (raises if invalid)."""
    return get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def make_token(session, clinic_id: int, name: str = "EHR interface") -> str:
    creator = session.scalar(sa.select(User).where(User.clinic_id == clinic_id))
    _, secret = api_tokens.create_api_token(session, clinic_id, name, created_by_id=creator.id if creator else None)
    return secret


# ---- screenings made through the services ---------------------------------------------------


def by_position(registry, instrument_id: str, values: list) -> dict:
    """Answers given in published item order (None = unanswered), keyed by item id."""
    return dict(zip((item.id for item in registry[instrument_id].definition.items), values, strict=False))


def complete_new_screening(session, registry, patient: Patient, packet: Packet, answers: dict, **kwargs) -> Screening:
    screening = screenings.create_screening(session, patient, packet, created_by_id=None)
    screenings.complete_screening(session, registry, screening, answers, actor_kind="cli", **kwargs)
    return screening


def complete_follow_up(session, registry, patient: Patient, phq9: list, gad7: list, **kwargs) -> Screening:
    """A completed "Follow-up" packet (PHQ-9 with item 10, GAD-7) of the patient's clinic."""
    packet = session.scalar(sa.select(Packet).where(Packet.clinic_id == patient.clinic_id, Packet.name == "Follow-up"))
    answers = {"phq9": by_position(registry, "phq9", phq9), "gad7": by_position(registry, "gad7", gad7)}
    return complete_new_screening(session, registry, patient, packet, answers, **kwargs)


def completed_screenings(session, clinic_id: int) -> list[Screening]:
    return list(
        session.scalars(
            sa.select(Screening)
            .where(Screening.clinic_id == clinic_id, Screening.status == "completed")
            .order_by(Screening.id)
        )
    )


def clinic_slug(session, clinic_id: int) -> str:
    return session.get(Clinic, clinic_id).slug


def latest_screening_id(session, patient_name: str) -> int:
    return session.scalar(
        sa.select(Screening.id)
        .join(Patient, Patient.id == Screening.patient_id)
        .where(Patient.name == patient_name)
        .order_by(Screening.created_at.desc())
        .limit(1)
    )


def patient_id(session, name: str) -> int:
    return session.scalar(sa.select(Patient.id).where(Patient.name == name))


def demo_user(session, role: str) -> User:
    return session.scalar(sa.select(User).where(User.email == f"{role}@example.com"))


def demo_clinic_row(session) -> Clinic:
    return session.scalar(sa.select(Clinic).where(Clinic.slug == "riverside"))


class ClinicBuilder:
    """Adds patients and completed screenings to a clinic through the services, each in
    its own app context as a request would."""

    def __init__(self, app, clinic_id: int):
        self.app, self.clinic_id = app, clinic_id

    def patient(self, name: str, mrn: str, date_of_birth: date = date(1980, 1, 1)) -> int:
        with self.app.app_context():
            return patients.add_patient(db.session, self.clinic_id, mrn=mrn, name=name, date_of_birth=date_of_birth).id

    def screening(
        self,
        patient_id: int,
        answers: dict[str, list[int | None]],
        at: datetime,
        *,
        packet: str = "Follow-up",
        clinician_inputs: dict | None = None,
        queue_referral: bool = False,
        registry=None,
        language: str = "en",
    ) -> int:
        with self.app.app_context():
            registry = registry or instruments()
            session = db.session
            packet_row = session.scalar(
                sa.select(Packet).where(Packet.clinic_id == self.clinic_id, Packet.name == packet)
            )
            if packet_row is None:
                packet_row = packets.save_packet(
                    session, registry, session.get(Clinic, self.clinic_id), packet, list(answers)
                )
            screening = screenings.create_screening(
                session,
                session.get(Patient, patient_id),
                packet_row,
                created_by_id=None,
                created_at=at,
                language=language,
            )
            by_item = {
                instrument_id: by_position(registry, instrument_id, values) for instrument_id, values in answers.items()
            }
            screenings.complete_screening(
                session,
                registry,
                screening,
                by_item,
                clinician_inputs=clinician_inputs,
                submitted_at=at,
                actor_kind="kiosk",
                queue_referral=queue_referral,
            )
            return screening.id


# ---- factories --------------------------------------------------------------------------------


@pytest.fixture
def make_clinic(app):
    """make_clinic(slug, name, **settings) -> the new clinic's id (its settings as create_clinic takes them)."""

    def make(slug: str, name: str, **settings) -> int:
        with app.app_context():
            return clinics.create_clinic(db.session, slug=slug, name=name, **settings).id

    return make


@pytest.fixture
def make_staff(app):
    """make_staff(clinic_id, role, email, name=...) -> the new user's id; they sign in with the demo password."""

    def make(clinic_id: int, role: str, email: str, name: str | None = None) -> int:
        with app.app_context():
            clinic = db.session.get(Clinic, clinic_id)
            user = staff.create_user(
                db.session, clinic, email=email, name=name or email, role=role, password=DEMO_PASSWORD
            )
            return user.id

    return make


@pytest.fixture
def make_screening(app):
    """make_screening(clinic_id, patient_id, {instrument: [values in item order]}, at, packet=...) -> its id,
    completed on the tablet at `at`."""

    def make(clinic_id: int, patient_id: int, answers: dict, at: datetime, **kwargs) -> int:
        return ClinicBuilder(app, clinic_id).screening(patient_id, answers, at, **kwargs)

    return make


# ---- the demo clinic and a second one ---------------------------------------------------------


@dataclass(frozen=True)
class OtherClinic:
    """A second clinic: its patient has the same MRN as a demo patient, with one completed
    screening; it has an API token, an admin and a clinician of its own."""

    clinic_id: int
    patient_id: int
    screening_id: int
    token: str
    admin_email: str
    clinician_email: str


@pytest.fixture
def other_clinic(app, registry, session, demo, make_clinic, make_staff) -> OtherClinic:
    clinic_id = make_clinic(**OTHER_CLINIC)
    make_staff(clinic_id, "admin", OTHER_ADMIN, name="Robin Hill")
    make_staff(clinic_id, "clinician", OTHER_CLINICIAN, name="Dr Lee Hill")
    patient = patients.add_patient(
        session, clinic_id, mrn="100234", name="Robin Hillside", date_of_birth=date(1980, 1, 2)
    )
    packets.save_packet(session, registry, session.get(Clinic, clinic_id), "Follow-up", ["phq9", "gad7"])
    screening = complete_follow_up(
        session, registry, patient, [0] * 10, [0] * 7, submitted_at=datetime(2026, 11, 20, 12, tzinfo=UTC)
    )
    return OtherClinic(
        clinic_id=clinic_id,
        patient_id=patient.id,
        screening_id=screening.id,
        token=make_token(session, clinic_id),
        admin_email=OTHER_ADMIN,
        clinician_email=OTHER_CLINICIAN,
    )


@pytest.fixture
def admin(login_as, client):
    """The demo clinic's admin, signed in; the test client is theirs."""
    login_as("admin")
    return client


@pytest.fixture
def other_clinic_admin(demo, client, auth, make_clinic, make_staff):
    """A second clinic holding nothing but its admin, signed in on the test client."""
    make_staff(make_clinic(**OTHER_CLINIC), "admin", OTHER_ADMIN, name="Robin Hill")
    assert auth.sign_in(OTHER_ADMIN).status_code == 302
    return client


@pytest.fixture
def demo_clinic(app, demo) -> ClinicBuilder:
    return ClinicBuilder(app, demo)


@pytest.fixture
def token(app, demo, session) -> str:
    return make_token(session, demo)


@pytest.fixture
def demo_patient(demo, session) -> Patient:
    return session.scalar(sa.select(Patient).where(Patient.clinic_id == demo, Patient.mrn == "100234"))


@pytest.fixture
def new_patient_packet(demo, session) -> Packet:
    return session.scalar(sa.select(Packet).where(Packet.clinic_id == demo, Packet.name == "New patient"))


@pytest.fixture
def incomplete_screening(registry, session, demo_patient, new_patient_packet) -> Screening:
    """Every instrument answered in part; PHQ-9 item 9 endorsed, so the safety flag is raised
    although the PHQ-9 has no total."""
    return complete_new_screening(
        session,
        registry,
        demo_patient,
        new_patient_packet,
        {
            "phq9": by_position(registry, "phq9", [1, 1, None, 1, 0, 0, 0, 0, 2]),
            "gad7": by_position(registry, "gad7", [1, 1, 1]),
            "pss10": by_position(registry, "pss10", [2, 2]),
            "aceaware": by_position(registry, "aceaware", [1, 0, 1]),
        },
    )


# ---- the tablet --------------------------------------------------------------------------------


def issue_code(app, session, screening: Screening, minutes: int = 30) -> str:
    """A tablet code for the screening, as the front desk's "give a code" would issue it."""
    return access_codes.issue_access_code(
        session,
        screening,
        secret_key=app.config["SECRET_KEY"],
        lifetime=timedelta(minutes=minutes),
        created_by_id=None,
    )


@pytest.fixture
def start_screening(app, demo, session):
    """start_screening(mrn="103377", packet="New patient") -> (screening_id, code), made as the front desk would."""

    def start(mrn: str = "103377", packet: str = "New patient", minutes: int = 30):
        patient = session.scalar(sa.select(Patient).where(Patient.mrn == mrn))
        chosen = session.scalar(sa.select(Packet).where(Packet.name == packet))
        with app.app_context():
            screening = screenings.create_screening(session, patient, chosen, created_by_id=None)
            code = issue_code(app, session, screening, minutes)
        return screening.id, code

    return start


@pytest.fixture
def start_in(app, demo, session):
    """start_in(language, packet, gap_choice) -> (screening_id, code), as the front desk would."""

    def start(language: str, packet: str = "Follow-up", gap_choice: str | None = None):
        patient = session.scalar(sa.select(Patient).where(Patient.mrn == "103377"))
        chosen = session.scalar(sa.select(Packet).where(Packet.name == packet))
        with app.app_context():
            screening = languages.start_screening(
                session,
                instruments(),
                patient,
                chosen,
                language=language,
                gap_choice=gap_choice,
                created_by_id=None,
            )
            code = issue_code(app, session, screening)
        return screening.id, code

    return start


@pytest.fixture
def tablet(client):
    return Tablet(client)


@pytest.fixture
def count_queries(app):
    """with count_queries() as statements: ... -> every SQL statement the app ran inside."""

    @contextmanager
    def counting():
        statements: list[str] = []
        engine = app.extensions["tallyform.engine"]

        def record(_conn, _cursor, statement, *_args):
            statements.append(statement)

        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)

    return counting


# ---- the six visitors of the access matrix -----------------------------------------------------

ROLE_TOKEN_PAGES = {"anonymous": "/auth/sign-in", "tablet": "/kiosk/welcome"}


class Visitor:
    """One browser: its own cookies, and the CSRF token its own session was given."""

    def __init__(self, client, token_page: str):
        self.client, self.token_page = client, token_page

    def open(self, method: str, path: str):
        if method == "POST":
            token = csrf_token_from(self.client.get(self.token_page).text)
            return self.client.post(path, data={"csrf_token": token})
        return self.client.open(path, method=method)


@pytest.fixture
def role_clients(app, demo, other_clinic, start_screening) -> dict[str, Visitor]:
    """{role: Visitor} for anonymous, tablet (a kiosk sitting of the demo patient 103377),
    frontdesk, clinician, admin (the demo clinic's) and other_admin (the other clinic's)."""
    visitors = {"anonymous": Visitor(app.test_client(), ROLE_TOKEN_PAGES["anonymous"])}
    tablet = Tablet(app.test_client())
    assert tablet.enter_code(start_screening()[1]).status_code == 302
    visitors["tablet"] = Visitor(tablet.client, ROLE_TOKEN_PAGES["tablet"])
    emails = {role: f"{role}@example.com" for role in ("frontdesk", "clinician", "admin")}
    for role, email in (emails | {"other_admin": other_clinic.admin_email}).items():
        client = app.test_client()
        assert AuthActions(client).sign_in(email).status_code == 302, role
        visitors[role] = Visitor(client, "/check-in/")
    return visitors


@pytest.fixture
def access_ids(demo, session, token) -> dict[str, object]:
    """The demo clinic's records named in the access matrix's URLs."""
    packet = session.scalar(sa.select(Packet.id).where(Packet.clinic_id == demo, Packet.name == "Follow-up"))
    patient = session.scalar(sa.select(Patient).where(Patient.clinic_id == demo, Patient.mrn == "103377"))
    sitting = session.scalar(
        sa.select(Screening.id)
        .where(Screening.patient_id == patient.id, Screening.status != "completed")
        .order_by(Screening.id.desc())
        .limit(1)
    )
    answered = session.scalar(
        sa.select(Screening.id)
        .join(Response, Response.screening_id == Screening.id)
        .where(Screening.clinic_id == demo, Response.instrument_id == "aceaware")
        .order_by(Screening.id)
        .limit(1)
    )
    clinician = session.scalar(sa.select(User.id).where(User.email == "clinician@example.com"))
    api_token = session.scalar(sa.select(ApiToken.id).where(ApiToken.clinic_id == demo))
    return {
        "patient": patient.id,
        "sitting": sitting,
        "screening": answered,
        "packet": packet,
        "user": clinician,
        "api_token": api_token,
    }


@pytest.fixture
def make_packet(app, registry, session):
    """make_packet(clinic_id, name, [instrument ids]) -> the packet's name, saved as an admin would."""

    def make(clinic_id: int, name: str, instrument_ids: list[str]) -> str:
        packets.save_packet(session, registry, session.get(Clinic, clinic_id), name, instrument_ids)
        return name

    return make


def referral_html_of(app, screening_id: int) -> str:
    """The referral summary's HTML, the page the PDF is printed from."""
    with app.app_context():
        return referral_html(referral_context(db.session, screening_id, generated_at=utcnow()))
