"""`make bench`: run every benchmark and print its figures."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from app.config import PROJECT_ROOT
from app.instruments.registry import InstrumentRegistry
from app.instruments.scoring import score


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def bench_scoring() -> None:
    registry = InstrumentRegistry.from_directory(PROJECT_ROOT / "questionnaires")
    print("Scoring one complete response (median of 2,000):")
    for _instrument_id, loaded in sorted(registry.items()):
        definition = loaded.definition
        answers = {item.id: definition.options_for(item)[-1].value for item in definition.items}
        seconds = median_seconds(lambda d=definition, v=loaded.version, a=answers: score(d, v, a), 2000)
        print(f"  {definition.short_title:<8} {seconds * 1e6:8.1f} µs")


def bench_referral_pdf(repeat: int = 11) -> None:
    """The demo's urgent referral summary: our full rendering next to WeasyPrint alone on the same
    HTML, and the time to download it through the app once it is stored."""
    import re
    import tempfile
    from pathlib import Path

    import sqlalchemy as sa
    from alembic import command
    from weasyprint import HTML

    from app import create_app
    from app.cli import alembic_config
    from app.db import utcnow
    from app.extensions import db, instruments
    from app.models import Patient, Screening
    from app.reports.context import referral_context
    from app.reports.render import BASE_URL, referral_html, render_referral
    from app.seeding import load_demo_clinic

    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
        config = alembic_config(url)
        config.attributes["skip_logging"] = True
        command.upgrade(config, "head")
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "QUEUE_IMMEDIATE": True})
        with app.app_context():
            load_demo_clinic(db.session, instruments(), PROJECT_ROOT / "seeds" / "demo_clinic.yaml")
            screening_id = db.session.scalar(
                sa.select(Screening.id)
                .join(Patient, Patient.id == Screening.patient_id)
                .where(Patient.name == "James Okafor")
                .order_by(Screening.created_at.desc())
                .limit(1)
            )
            html = referral_html(referral_context(db.session, screening_id, generated_at=utcnow()))
            ours = median_seconds(lambda: render_referral(db.session, screening_id, generated_at=utcnow()), repeat)
            bare = median_seconds(lambda: HTML(string=html, base_url=BASE_URL).write_pdf(), repeat)

        client = app.test_client()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/auth/sign-in").text)
        client.post(
            "/auth/sign-in",
            data={"email": "clinician@example.com", "password": "demo-clinic-password", "csrf_token": token.group(1)},
        )
        pdf_url = f"/clinician/screenings/{screening_id}/referral-summary.pdf"
        assert client.get(pdf_url).status_code == 200  # rendered and stored once
        download = median_seconds(lambda: client.get(pdf_url), 51)
        app.extensions["tallyform.engine"].dispose()

    print(f"Referral summary PDF, demo urgent screening (median of {repeat}):")
    print(f"  Tallyform (context, template, locked fetcher) {ours * 1e3:8.1f} ms")
    print(f"  WeasyPrint alone, same HTML                   {bare * 1e3:8.1f} ms")
    print(f"  ratio                                         {ours / bare:8.2f}x (target <= 1.3x)")
    print(f"  download of the stored PDF through the app    {download * 1e3:8.1f} ms (median of 51)")


def bench_dashboard(screenings: int = 100_000, repeat: int = 5) -> None:
    """The clinic dashboard over a year of `screenings` (two responses each), on SQLite. The
    rows are inserted in bulk, not through the services: the figure is the read, not the load."""
    import random
    import tempfile
    from datetime import UTC, date, datetime, timedelta
    from pathlib import Path

    import sqlalchemy as sa
    from alembic import command

    from app import create_app
    from app.cli import alembic_config
    from app.extensions import db, instruments
    from app.models import Clinic, InstrumentVersion, Packet, PacketEntry, Patient, Response, Screening
    from app.services.dashboard import build_dashboard

    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
        config = alembic_config(url)
        config.attributes["skip_logging"] = True
        command.upgrade(config, "head")
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
        with app.app_context():
            session, registry = db.session, instruments()
            clinic = Clinic(slug="bench", name="Bench", timezone="America/Chicago")
            session.add(clinic)
            session.flush()
            packet = Packet(clinic_id=clinic.id, name="Follow-up")
            packet.entries = [PacketEntry(position=0, instrument_id="phq9", rescreen_weeks=4)]
            packet.entries.append(PacketEntry(position=1, instrument_id="gad7", rescreen_weeks=4))
            session.add(packet)
            for iid in ("phq9", "gad7"):
                loaded = registry[iid]
                session.add(InstrumentVersion(version=loaded.version, instrument_id=iid, definition={}))
            session.flush()
            patients = screenings // 5
            session.execute(
                sa.insert(Patient),
                [
                    {"clinic_id": clinic.id, "mrn": f"B{n}", "name": f"Bench {n}", "date_of_birth": date(1980, 1, 1)}
                    for n in range(patients)
                ],
            )
            first_patient = session.scalar(sa.select(sa.func.min(Patient.id)))
            start = datetime(2025, 12, 1, tzinfo=UTC)
            rows = []
            for n in range(screenings):
                at = start + timedelta(minutes=n * 5)
                rows.append(
                    {
                        "id": n + 1,
                        "clinic_id": clinic.id,
                        "patient_id": first_patient + n % patients,
                        "packet_id": packet.id,
                        "packet_name": "Follow-up",
                        "instrument_ids": ["phq9", "gad7"],
                        "status": "completed",
                        "is_urgent": rng.random() < 0.03,
                        "created_at": at,
                        "completed_at": at + timedelta(minutes=9),
                    }
                )
            session.execute(sa.insert(Screening), rows)
            session.execute(
                sa.insert(Response),
                [
                    {
                        "screening_id": n + 1,
                        "instrument_id": iid,
                        "instrument_version": registry[iid].version,
                        "answers": {},
                        "score": {},
                        "total": rng.randint(0, 21),
                        "is_complete": True,
                        "submitted_at": rows[n]["completed_at"],
                    }
                    for n in range(screenings)
                    for iid in ("phq9", "gad7")
                ],
            )
            session.commit()
            session.execute(sa.text("ANALYZE"))
            timing = median_seconds(
                lambda: build_dashboard(session, registry, clinic, date(2025, 12, 1), date(2026, 11, 30)), repeat
            )
        app.extensions["tallyform.engine"].dispose()
    print(f"Clinic dashboard, one year of {screenings:,} screenings on SQLite (median of {repeat}):")
    print(f"  every figure                                 {timing * 1e3:8.1f} ms")


def main() -> None:
    bench_scoring()
    bench_referral_pdf()
    bench_dashboard()


if __name__ == "__main__":
    main()
