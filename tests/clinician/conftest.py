"""Builders for clinician and report tests: screenings made through the real services."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from tests.conftest import DEMO_PASSWORD, csrf_token_from
from tests.patient.conftest import start_screening, tablet  # noqa: F401


class ClinicBuilder:
    """Adds patients and completed screenings to a clinic through the services, each in
    its own app context as a request would."""

    def __init__(self, app, clinic_id: int):
        self.app, self.clinic_id = app, clinic_id

    def patient(self, name: str, mrn: str, date_of_birth: date = date(1980, 1, 1)) -> int:
        from app.extensions import db
        from app.services.patients import add_patient

        with self.app.app_context():
            return add_patient(db.session, self.clinic_id, mrn=mrn, name=name, date_of_birth=date_of_birth).id

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
        from app.extensions import db, instruments
        from app.models import Clinic, Packet, Patient
        from app.services.packets import save_packet
        from app.services.screenings import complete_screening, create_screening

        with self.app.app_context():
            registry = registry or instruments()
            session = db.session
            packet_row = session.scalar(
                sa.select(Packet).where(Packet.clinic_id == self.clinic_id, Packet.name == packet)
            )
            if packet_row is None:
                packet_row = save_packet(session, registry, session.get(Clinic, self.clinic_id), packet, list(answers))
            screening = create_screening(
                session,
                session.get(Patient, patient_id),
                packet_row,
                created_by_id=None,
                created_at=at,
                language=language,
            )
            by_item = {
                instrument_id: dict(
                    zip([item.id for item in registry[instrument_id].definition.items], values, strict=False)
                )
                for instrument_id, values in answers.items()
            }
            complete_screening(
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


@pytest.fixture
def demo_clinic(app, demo) -> ClinicBuilder:
    return ClinicBuilder(app, demo)


@pytest.fixture
def other_clinic(app, demo):
    """A second clinic with one clinician of its own; returns (builder, clinician e-mail)."""
    from app.extensions import db
    from app.services.clinics import create_clinic
    from app.services.staff import create_user

    with app.app_context():
        clinic = create_clinic(db.session, slug="lakeside", name="Lakeside Health", timezone="America/New_York")
        create_user(
            db.session,
            clinic,
            email="clinician@lakeside.example",
            name="Dr Lee Lake",
            role="clinician",
            password=DEMO_PASSWORD,
        )
        return ClinicBuilder(app, clinic.id), "clinician@lakeside.example"


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


def post_form(client, page_path: str, action: str, data: dict):
    """POST a form the way a browser does: with the CSRF token of the page it sits on."""
    token = csrf_token_from(client.get(page_path).text)
    return client.post(action, data={**data, "csrf_token": token})


def at(year: int, month: int, day: int, hour: int = 15) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def latest_screening_id(session, patient_name: str) -> int:
    from app.models import Patient, Screening

    return session.scalar(
        sa.select(Screening.id)
        .join(Patient, Patient.id == Screening.patient_id)
        .where(Patient.name == patient_name)
        .order_by(Screening.created_at.desc())
        .limit(1)
    )


def patient_id(session, name: str) -> int:
    from app.models import Patient

    return session.scalar(sa.select(Patient.id).where(Patient.name == name))


def page_text(html: str) -> str:
    """The words of a page as a reader sees them: tags dropped, whitespace collapsed."""
    import html as html_module
    import re

    return " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", html)).split())
