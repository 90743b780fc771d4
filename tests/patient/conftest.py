"""Fixtures for the tablet: a screening with a fresh code, and a tablet that answers it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.models import Packet, Patient
from app.services import access_codes, screenings
from tests.conftest import csrf_token_from


@pytest.fixture
def start_screening(app, demo, session):
    """start_screening(mrn="103377", packet="New patient") -> (screening_id, code), made as the front desk would."""

    def start(mrn: str = "103377", packet: str = "New patient", minutes: int = 30):
        patient = session.scalar(sa.select(Patient).where(Patient.mrn == mrn))
        chosen = session.scalar(sa.select(Packet).where(Packet.name == packet))
        with app.app_context():
            screening = screenings.create_screening(session, patient, chosen, created_by_id=None)
            code = access_codes.issue_access_code(
                session,
                screening,
                secret_key=app.config["SECRET_KEY"],
                lifetime=timedelta(minutes=minutes),
                created_by_id=None,
            )
        return screening.id, code

    return start


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


@pytest.fixture
def tablet(client):
    return Tablet(client)
