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
    from app.reports.render import BASE_URL, pdf_options, referral_html, render_referral
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
            # the same tagged PDF/A output, so the ratio measures only what we add around WeasyPrint
            bare = median_seconds(lambda: HTML(string=html, base_url=BASE_URL).write_pdf(**pdf_options()), repeat)

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


def main() -> None:
    bench_scoring()
    bench_referral_pdf()


if __name__ == "__main__":
    main()
