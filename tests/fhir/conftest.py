"""Fixtures of the FHIR tests: the integration fixtures, an earlier Questionnaire version, a rendered summary."""

import shutil

import pytest
import sqlalchemy as sa

from app.config import PROJECT_ROOT
from app.extensions import db
from app.instruments.loader import load_instrument
from app.models import Screening
from app.services.referral_pdf import request_referral_document
from app.services.screenings import pin_instrument_version


@pytest.fixture
def earlier_gad7(app, tmp_path) -> str:
    """The version of a GAD-7 whose title was worded differently, pinned as a response pins
    the version it answered; its version hash."""
    changed = tmp_path / "questionnaires"
    shutil.copytree(PROJECT_ROOT / "questionnaires", changed)
    path = changed / "gad7.yaml"
    path.write_text(path.read_text().replace("title: ", "title: Earlier wording of ", 1))
    earlier = load_instrument(path)
    with app.app_context():
        pin_instrument_version(db.session, earlier)
        db.session.commit()
    return earlier.version


@pytest.fixture
def ready_summary(app, session, demo) -> int:
    """The id of a demo screening whose referral summary has been rendered and stored."""
    screening = session.scalars(sa.select(Screening).where(Screening.clinic_id == demo, Screening.is_urgent)).first()
    with app.app_context():
        request_referral_document(db.session, db.session.get(Screening, screening.id))
        db.session.commit()
    return screening.id
