"""`make bench`: each figure a ratio of two things measured side by side (bench/harness.py),
with its target, on SQLite and, when a server is named, on PostgreSQL.

    TALLYFORM_BENCH_DATABASE_URL  a PostgreSQL server (else TALLYFORM_TEST_DATABASE_URL); the
                                  bench creates its own scratch database there and drops it after
    python -m bench --only worklist,pdf   some figures only
"""

from __future__ import annotations

import argparse
import logging
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from app.config import PROJECT_ROOT
from bench.harness import Figure, Outcome, compare, cpu_seconds, seconds

SECRET_KEY = "bench-" + "k" * 58
FAST_HASHING = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024}
BIG, SMALL, CSV_SCREENINGS = 100_000, 1_000, 5_000  # the CSV clinic: 2 responses each, 10,000 rows
TABLETS = 50
QUICK_PACKET = ("Quick check", ["phq2"])
FIGURES = ("worklist", "tablet", "pdf", "csv", "startup")
SEEDED_CLINICS = {"worklist": ("small", "big"), "csv": ("csv",)}  # the seeded clinics each figure reads
EXTRAS = ("dashboard",)  # printed as figures of their own, with no baseline to compare against


@contextmanager
def databases(workdir: Path):
    """(label, url) of each database to measure on; scratch PostgreSQL databases are dropped after."""
    yield_list = [("SQLite", f"sqlite:///{workdir / 'bench.sqlite3'}")]
    server = os.environ.get("TALLYFORM_BENCH_DATABASE_URL") or os.environ.get("TALLYFORM_TEST_DATABASE_URL")
    admin = None
    name = f"tallyform_bench_{uuid.uuid4().hex[:8]}"
    if server:
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        yield_list.append(("PostgreSQL", sa.make_url(server).set(database=name).render_as_string(hide_password=False)))
    else:
        print("PostgreSQL: skipped (set TALLYFORM_BENCH_DATABASE_URL to a server the bench may create a database on)")
    try:
        yield yield_list
    finally:
        if admin is not None:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def bench_app(url: str):
    from app import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, "QUEUE_IMMEDIATE": True, **FAST_HASHING})


def prepare(url: str, clinics: set[str]) -> dict:
    """Migrate, load the demo clinic and seed the benchmark `clinics` ("small", "csv", "big");
    returns their ids. The tablet and PDF figures need only the demo clinic."""
    from alembic import command

    from app.cli import alembic_config
    from app.extensions import db, instruments
    from app.models import Clinic, User
    from app.seeding import load_demo_clinic
    from app.services.packets import save_packet
    from bench.bare_app import metadata
    from bench.seed import seed_clinic_history

    config = alembic_config(url)
    config.attributes["skip_logging"] = True
    logging.getLogger("alembic").setLevel(logging.WARNING)  # the bench prints its own figures only
    command.upgrade(config, "head")
    app = bench_app(url)
    ids = {}
    with app.app_context():
        demo = load_demo_clinic(db.session, instruments(), PROJECT_ROOT / "seeds" / "demo_clinic.yaml")
        save_packet(db.session, instruments(), db.session.get(Clinic, demo.id), *QUICK_PACKET)
        reviewer = db.session.scalar(sa.select(User.id).where(User.clinic_id == demo.id, User.role == "clinician"))
        metadata.create_all(db.engine)
        for key, count in (("small", SMALL), ("csv", CSV_SCREENINGS), ("big", BIG)):
            if key not in clinics:
                continue
            took = seconds(
                lambda k=key, c=count: ids.__setitem__(
                    k, seed_clinic_history(db.session, instruments(), f"bench-{k}", c, reviewer)
                )
            )
            print(
                f"  seeded {count:,} completed screenings (bulk Core inserts) in {took:.1f} s"
                + (" (target < 120 s)" if count == BIG else "")
            )
        # Statistics for the planner, as after any bulk load: a server's autovacuum would gather
        # them soon enough (and may be off on a test server), but the bench measures at once.
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    app.extensions["tallyform.engine"].dispose()
    return ids


def figure_worklist(url: str, ids: dict) -> Outcome:
    from app.extensions import db, instruments
    from app.models import Clinic
    from app.services.reviews import WorklistFilters, worklist

    app = bench_app(url)

    def first_page(clinic_id: int) -> float:
        with app.app_context():
            clinic = db.session.get(Clinic, clinic_id)
            return seconds(lambda: worklist(db.session, instruments(), clinic, WorklistFilters()))

    figure = Figure(
        "Worklist, first page", f"at {BIG:,} completed screenings", f"at {SMALL:,} completed screenings", 1.5
    )
    try:
        return compare(figure, lambda: first_page(ids["big"]), lambda: first_page(ids["small"]), rounds=7, warmup=1)
    finally:
        app.extensions["tallyform.engine"].dispose()


def figure_pdf(url: str, ids: dict) -> Outcome:
    from weasyprint import HTML

    from app.db import utcnow
    from app.extensions import db
    from app.models import Patient, Screening
    from app.reports.context import referral_context
    from app.reports.fetcher import PackagedAssetFetcher
    from app.reports.render import BASE_URL, pdf_options, referral_html, render_referral

    app = bench_app(url)
    with app.app_context():
        screening_id = db.session.scalar(
            sa.select(Screening.id)
            .join(Patient, Patient.id == Screening.patient_id)
            .where(Patient.name == "James Okafor")
            .order_by(Screening.created_at.desc())
            .limit(1)
        )
        html = referral_html(referral_context(db.session, screening_id, generated_at=utcnow()))

        # CPU time of this process: both sides are pure in-process work, and a busy machine's
        # other processes then weigh on neither (wall time swung 0.3x-1.3x pair to pair).
        def ours() -> float:
            return cpu_seconds(lambda: render_referral(db.session, screening_id, generated_at=utcnow()))

        def weasyprint_alone() -> float:
            return cpu_seconds(
                # the same tagged PDF/A output, so the ratio measures only what we add around WeasyPrint
                lambda: HTML(string=html, base_url=BASE_URL, url_fetcher=PackagedAssetFetcher()).write_pdf(
                    **pdf_options()
                )
            )

        figure = Figure(
            "Referral summary PDF, the demo's urgent screening",
            "Tallyform: context from the database, template, WeasyPrint",
            "WeasyPrint alone on the same HTML, same URL fetcher",
            1.05,
            unit="ms CPU",
        )
        # The two differ by a few per cent (the context and template) and a pair by more on a busy
        # machine: more pairs, and WeasyPrint's caches (fonts, styles) warmed by both sides first.
        outcome = compare(figure, ours, weasyprint_alone, rounds=11, warmup=2)
    app.extensions["tallyform.engine"].dispose()
    return outcome


def _dump_sql(dialect: str, clinic_id: int) -> str:
    flags = "json_extract(r.score, '$.flags')" if dialect == "sqlite" else "r.score -> 'flags'"
    return (
        "SELECT s.clinic_id, s.id, r.id, p.mrn, p.name, p.date_of_birth, s.packet_name, r.instrument_id, "  # noqa: S608
        f"r.instrument_version, r.answers, r.total, r.band, r.is_complete, {flags}, s.created_at, r.submitted_at "
        "FROM response r JOIN screening s ON s.id = r.screening_id JOIN patient p ON p.id = s.patient_id "
        f"WHERE s.clinic_id = {int(clinic_id)} ORDER BY r.submitted_at, r.id"
    )


def figure_csv(url: str, ids: dict, workdir: Path) -> Outcome:
    from app.extensions import db, instruments
    from app.services.exports import start_csv_export

    app = bench_app(url)
    out = workdir / "export.csv"
    parsed = sa.make_url(url)
    # On SQLite all of each side's work happens in its own process (the database is a library),
    # so CPU time compares them without a busy machine's noise; on PostgreSQL the server does
    # part of it, so wall time.
    in_process = parsed.get_backend_name() == "sqlite"
    clock, unit = (cpu_seconds, "ms CPU") if in_process else (seconds, "ms")
    if in_process:
        dump = ["sqlite3", "-csv", parsed.database, _dump_sql("sqlite", ids["csv"])]
        baseline = "sqlite3 -csv of the same join"
    else:
        libpq = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
        dump = ["psql", "-q", libpq, "-c", f"\\copy ({_dump_sql('postgresql', ids['csv'])}) TO '{out}.db' CSV"]
        baseline = "psql \\copy of the same join"

    def ours() -> float:
        with app.app_context(), out.open("w") as file:
            since = datetime(2000, 1, 1, tzinfo=UTC)
            return clock(
                lambda: file.writelines(
                    start_csv_export(
                        db.session,
                        instruments(),
                        since=since,
                        deidentify=False,
                        secret_key=SECRET_KEY,
                        clinic_id=ids["csv"],
                        actor_kind="cli",
                    )
                )
            )

    def database_dump() -> float:
        with open(f"{out}.db", "w") as file:
            if not in_process:
                return seconds(lambda: subprocess.run(dump, stdout=file, check=True))  # noqa: S603 - our own command
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run(dump, stdout=file, check=True)  # noqa: S603 - our own command
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    figure = Figure("CSV export, per 10,000 rows", "Tallyform export-csv (streamed lines)", baseline, 3.0, unit=unit)
    try:
        return compare(figure, ours, database_dump, rounds=7, warmup=1)
    finally:
        app.extensions["tallyform.engine"].dispose()


def figure_startup(url: str) -> Outcome:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY}
    memory: dict[str, list[int]] = {"app": [], "bench.bare_app": []}

    # The child reports its own peak memory (VmHWM, reset by exec): getrusage would count the
    # bench's own pages, which the child held between fork and exec.
    probe = (
        "import re, sys\nfrom flask.cli import main\n"
        "try:\n    main()\nexcept SystemExit as stop:\n    assert not stop.code, stop.code\n"
        "status = open('/proc/self/status').read()\n"
        "print(int(re.search(r'VmHWM:\\s+(\\d+)', status).group(1)) // 1024, file=sys.stderr)\n"
    )

    def start(module: str) -> float:
        command = [sys.executable, "-c", probe, "--app", module, "routes"]
        begun = time.perf_counter()
        done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # noqa: S603
        took = time.perf_counter() - begun
        assert done.returncode == 0, f"flask --app {module} routes failed: {done.stderr}"
        memory[module].append(int(done.stderr.split()[-1]))
        return took

    figure = Figure("App start-up, `flask routes`", "flask --app app routes", "flask --app bench.bare_app routes", 3.0)
    outcome = compare(figure, lambda: start("app"), lambda: start("bench.bare_app"), rounds=4, warmup=1)
    print(
        f"    peak memory: app {sorted(memory['app'])[len(memory['app']) // 2]} MiB, "
        f"bare {sorted(memory['bench.bare_app'])[len(memory['bench.bare_app']) // 2]} MiB"
    )
    return outcome


def figure_tablet(url: str, workdir: Path) -> Outcome:
    from app.instruments.registry import InstrumentRegistry
    from app.patient.flow import build_steps
    from tests.http_client import HttpClient
    from tests.stack import Processes, answering, free_port, issue_codes, process_env, sit_screening, wait_until

    rounds, warmup = 3, 1
    codes = iter(issue_codes(url, SECRET_KEY, TABLETS * (rounds + warmup), QUICK_PACKET[0], f"T{uuid.uuid4().hex[:4]}"))
    registry = InstrumentRegistry.from_directory(PROJECT_ROOT / "questionnaires")
    # A sitting's requests, in GET+POST pairs: the code, each screen, the review and "Send".
    pairs = 2 + len(build_steps(registry, QUICK_PACKET[1]))
    gunicorn = [str(Path(sys.executable).parent / "gunicorn"), "--workers", "2", "--bind"]
    env = process_env(
        DATABASE_URL=url, SECRET_KEY=SECRET_KEY, TALLYFORM_QUEUE_URL=f"sqlite:///{workdir / 'queue.sqlite3'}"
    )
    processes = Processes(workdir)
    ours, bare = free_port(), free_port()
    apps = {"ours": (ours, "app:create_app()"), "bare": (bare, "bench.bare_app:create_app()")}
    masters = {
        side: processes.start(f"tablet-{side}", [*gunicorn, f"127.0.0.1:{port}", module], env).pid
        for side, (port, module) in apps.items()
    }
    # The app servers' own CPU per sitting, beside the rate: the rate also carries this
    # process's 50 tablets, which share the machine's cores with the servers.
    server_cpu: dict[str, list[float]] = {"ours": [], "bare": []}

    def sittings_per_second(sit, side: str) -> float:
        before = workers_cpu_seconds(masters[side])
        with ThreadPoolExecutor(max_workers=TABLETS) as tablets:
            took = seconds(lambda: [done.result() for done in [tablets.submit(sit, n) for n in range(TABLETS)]])
        server_cpu[side].append((workers_cpu_seconds(masters[side]) - before) / TABLETS)
        return TABLETS / took

    def tablet_sitting(n: int) -> None:
        _, code = next(codes)
        sit_screening(f"http://127.0.0.1:{ours}", code, seed=n)

    def bare_sitting(_n: int) -> None:
        client = HttpClient(f"http://127.0.0.1:{bare}")
        for step in range(pairs):
            client.get(f"/step/{step}")
            assert client.post(f"/step/{step}", {"value": "1"}).status_code == 302

    try:
        wait_until(lambda: answering(f"http://127.0.0.1:{ours}"), 60, what="the app under gunicorn")
        wait_until(lambda: answering(f"http://127.0.0.1:{bare}", "/step/0"), 60, what="the bare app under gunicorn")
        figure = Figure(
            f"Tablet sittings per second, {TABLETS} tablets at once (gunicorn, 2 workers)",
            f"Tallyform tablet, packet {QUICK_PACKET[0]!r} ({pairs} GET+POST pairs a sitting)",
            f"bare Flask app, {pairs} GET+POST pairs, one row stored per POST",
            0.5,
            higher_is_better=True,
            unit="sittings/s",
        )
        outcome = compare(
            figure,
            lambda: sittings_per_second(tablet_sitting, "ours"),
            lambda: sittings_per_second(bare_sitting, "bare"),
            rounds=rounds,
            warmup=warmup,
        )
        cpu = {side: statistics.median(values[warmup:]) * 1000 for side, values in server_cpu.items()}
        print(
            f"    app servers' CPU per sitting: Tallyform {cpu['ours']:.1f} ms, bare {cpu['bare']:.1f} ms "
            f"({cpu['ours'] / cpu['bare']:.1f}x; 2 workers, {pairs * 2} requests a sitting)"
        )
        return outcome
    finally:
        processes.stop_all()


def workers_cpu_seconds(master: int) -> float:
    """CPU time (user and system) of a gunicorn master's workers so far, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a process that ended while we looked
        if int(fields[1]) == master:  # the parent's pid, the 4th field of /proc/<pid>/stat
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime and stime, the 14th and 15th
    return total


def run_figure(name: str, url: str, ids: dict, workdir: Path) -> Outcome:
    if name == "worklist":
        return figure_worklist(url, ids)
    if name == "tablet":
        return figure_tablet(url, workdir)
    if name == "pdf":
        return figure_pdf(url, ids)
    if name == "csv":
        return figure_csv(url, ids, workdir)
    return figure_startup(url)


def bench_dashboard(url: str, label: str, screenings: int = 100_000, repeat: int = 5) -> None:
    """The clinic dashboard over a year of `screenings` (two responses each). The rows are
    inserted in bulk, not through the services: the figure is the read, not the load. They are
    loaded at revision 0130 and the later migrations run over them, as over a clinic's history."""
    import random
    from datetime import date

    from alembic import command

    from app import create_app
    from app.cli import alembic_config
    from app.extensions import db, instruments
    from app.instruments.registry import InstrumentRegistry
    from app.models import Clinic
    from app.services import dashboard

    rng = random.Random(7)
    config = alembic_config(url)
    config.attributes["skip_logging"] = True
    logging.getLogger("alembic").setLevel(logging.WARNING)
    command.upgrade(config, "0130")
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    # The tables as they are at 0130 (not as the models are now): later migrations add columns.
    names = ("clinic", "packet", "packet_entry", "instrument_version", "patient", "screening", "response")
    meta.reflect(engine, only=names)
    clinic, packet, packet_entry, instrument_version, patient, screening, response = (meta.tables[n] for n in names)
    registry = InstrumentRegistry.from_directory(PROJECT_ROOT / "questionnaires")
    pinned = {
        iid: (registry[iid].version, registry[iid].definition.model_dump(mode="json")) for iid in ("phq9", "gad7")
    }
    versions = {iid: version for iid, (version, _definition) in pinned.items()}
    start = datetime(2025, 12, 1, tzinfo=UTC)
    with engine.begin() as connection:
        clinic_id = connection.execute(
            sa.insert(clinic).returning(clinic.c.id),
            {"slug": "bench", "name": "Bench", "address": "", "timezone": "America/Chicago", "paper_size": "Letter"}
            | {"crisis_text": "Call 988.", "created_at": start},
        ).scalar_one()
        packet_id = connection.execute(
            sa.insert(packet).returning(packet.c.id), {"clinic_id": clinic_id, "name": "Follow-up", "is_active": True}
        ).scalar_one()
        connection.execute(
            sa.insert(packet_entry),
            [
                {"packet_id": packet_id, "position": position, "instrument_id": iid, "rescreen_weeks": 4}
                for position, iid in enumerate(versions)
            ],
        )
        connection.execute(
            sa.insert(instrument_version),
            [
                # the definitions the app pins: the figures after this one read them from the same database
                {"version": version, "instrument_id": iid, "definition": definition, "recorded_at": start}
                for iid, (version, definition) in pinned.items()
            ],
        )
    patients = screenings // 5
    with engine.begin() as connection:
        connection.execute(
            sa.insert(patient),
            [
                {
                    "id": n + 1,
                    "clinic_id": clinic_id,
                    "mrn": f"B{n}",
                    "name": f"Bench {n}",
                    "date_of_birth": date(1980, 1, 1),
                    "created_at": start,
                }
                for n in range(patients)
            ],
        )
        rows = []
        for n in range(screenings):
            at = start + timedelta(minutes=n * 5)
            urgent = rng.random() < 0.03
            rows.append(
                {
                    "id": n + 1,
                    "clinic_id": clinic_id,
                    "patient_id": 1 + n % patients,
                    "packet_id": packet_id,
                    "packet_name": "Follow-up",
                    "instrument_ids": ["phq9", "gad7"],
                    "follow_ups": {},
                    "status": "completed",
                    "is_urgent": urgent,
                    "urgent_at": at if urgent else None,
                    "worklist_priority": 0,
                    "language": "en",
                    "created_at": at,
                    "completed_at": at + timedelta(minutes=9),
                }
            )
        connection.execute(sa.insert(screening), rows)
        connection.execute(
            sa.insert(response),
            [
                {
                    "screening_id": n + 1,
                    "instrument_id": iid,
                    "instrument_version": versions[iid],
                    "language": "en",
                    "answers": {},
                    "clinician_inputs": {},
                    "score": {},
                    "total": rng.randint(0, 21),
                    "is_complete": True,
                    "is_urgent": False,
                    "submitted_at": rows[n]["completed_at"],
                }
                for n in range(screenings)
                for iid in ("phq9", "gad7")
            ],
        )
        if connection.dialect.name == "postgresql":
            for table in ("patient", "screening", "response"):
                reset = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
                connection.execute(sa.text(reset))
    engine.dispose()
    took = seconds(lambda: command.upgrade(config, "head"))
    print(f"  migrations after 0130 over {screenings:,} screenings: {took:.1f} s")
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text("ANALYZE"))
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY})
    span = (date(2025, 12, 1), date(2026, 11, 30))
    with app.app_context():
        session, registry = db.session, instruments()
        clinic = session.get(Clinic, clinic_id)
        begin, end = dashboard._bounds(clinic, *span)
        now = end
        parts = {
            "screening counts": lambda: dashboard.screening_counts(session, clinic, begin, end, now),
            "share positive": lambda: dashboard.positive_shares(session, registry, clinic, begin, end),
            "urgent flags": lambda: dashboard.urgent_flags(session, clinic, begin, end),
            "referrals": lambda: dashboard.referrals_by_destination(session, clinic, begin, end),
            "due for re-screening": lambda: dashboard.rescreen_due(session, registry, clinic, now),
            "outcomes": lambda: dashboard.outcome_figures(session, registry, clinic, begin, end),
            "every figure": lambda: dashboard.build_dashboard(session, registry, clinic, *span, now=now),
        }
        print(f"Clinic dashboard, one year of {screenings:,} screenings on {label} (median of {repeat}):")
        for name, work in parts.items():
            timing = statistics.median(seconds(work) for _ in range(repeat))
            print(f"  {name:<44} {timing * 1e3:8.1f} ms")
    app.extensions["tallyform.engine"].dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    names = FIGURES + EXTRAS
    parser.add_argument("--only", default=",".join(names), help=f"comma-separated, of {', '.join(names)}")
    wanted = set(parser.parse_args().only.split(","))
    outcomes: list[tuple[str, Outcome]] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as directory, databases(Path(directory)) as targets:
        for label, url in targets:
            print(f"\n== {label} ==")
            workdir = Path(directory) / label
            workdir.mkdir()
            if "dashboard" in wanted:
                # first, on the empty database: it loads its rows at an earlier revision
                bench_dashboard(url, label)
            needed = {clinic for name in wanted for clinic in SEEDED_CLINICS.get(name, ())}
            ids = prepare(url, needed) if wanted & {"worklist", "tablet", "pdf", "csv"} else {}
            for name in FIGURES:
                if name in wanted:
                    outcomes.append((label, run_figure(name, url, ids, workdir)))
    print(f"\nSummary ({time.monotonic() - started:.0f} s):")
    for label, outcome in outcomes:
        figure = outcome.figure
        sign = ">=" if figure.higher_is_better else "<="
        print(
            f"  {label:<10} {figure.name:<75} {outcome.median:6.2f}x (target {sign} {figure.target}x) "
            f"{'met' if outcome.met else 'not met'}"
        )


if __name__ == "__main__":
    if shutil.which("sqlite3") is None:
        sys.exit("make bench needs the sqlite3 command (Debian: apt-get install sqlite3) for the CSV baseline")
    main()
