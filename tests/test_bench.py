"""`make bench` is not run by CI (it takes minutes and measures the machine), so its parts are
run here at a small size: a schema or model change that breaks them shows up in the suite, not
the next time someone measures."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from app.instruments.definition import Instrument
from bench.__main__ import bench_dashboard, prepare
from bench.harness import Figure, compare


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    return request.getfixturevalue("pg_scratch").create()


def test_the_dashboard_figure_loads_its_history_and_reads_every_part(empty_database, capsys):
    bench_dashboard(empty_database, "test", screenings=200, repeat=1)

    printed = capsys.readouterr().out
    assert "migrations after 0130 over 200 screenings" in printed
    for part in ("share positive", "due for re-screening", "outcomes", "every figure"):
        assert part in printed
    # The figures after it run on the same database and read these pins (the summary PDF's).
    engine = sa.create_engine(empty_database)
    with engine.connect() as connection:
        definitions = connection.execute(sa.text("SELECT definition FROM instrument_version")).scalars().all()
    engine.dispose()
    assert sorted(Instrument.model_validate(d if isinstance(d, dict) else json.loads(d)).id for d in definitions) == [
        "gad7",
        "phq9",
    ]


def test_preparing_the_tablet_and_pdf_figures_needs_no_seeded_history(empty_database):
    assert prepare(empty_database, set()) == {}


def test_a_ratio_alternates_its_sides_after_the_warm_up_and_says_whether_it_is_met():
    calls = []

    def side(name, value):
        def measure():
            calls.append(name)
            return value

        return measure

    outcome = compare(Figure("f", "a", "b", 1.5), side("a", 3.0), side("b", 2.0), rounds=3, warmup=1)

    assert calls == ["a", "b"] * 4
    assert outcome.ratios == [1.5, 1.5, 1.5]
    assert outcome.met
