"""The baselines' bare Flask app: the least a web app on our stack does. `flask --app
bench.bare_app routes` is the start-up baseline; under gunicorn
(`bench.bare_app:create_app()`) it is the tablet baseline, answering each GET with a small form
and storing one row per POST in the same database (table `bench_tap`, made by the bench)."""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, redirect, request

metadata = sa.MetaData()
tap = sa.Table(
    "bench_tap",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("step", sa.Integer, nullable=False),
    sa.Column("value", sa.String(16)),
)
FORM = (
    '<!doctype html><title>Step</title><form method="post"><input name="value" value="1"><button>Next</button></form>'
)


def create_app() -> Flask:
    app = Flask(__name__)
    engine = sa.create_engine(os.environ.get("DATABASE_URL", "sqlite://"))

    @app.get("/step/<int:index>")
    def show(index: int):
        return FORM

    @app.post("/step/<int:index>")
    def store(index: int):
        with engine.begin() as connection:
            connection.execute(sa.insert(tap).values(step=index, value=request.form.get("value")))
        return redirect(f"/step/{index + 1}")

    return app
