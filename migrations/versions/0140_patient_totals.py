"""Each patient's course on each instrument (baseline, latest, when a re-screening falls due),
kept beside the responses for the clinic dashboard, and filled from the responses so far

Revision ID: 0140
Revises: 0130
Create Date: 2026-11-25 20:40:00
"""

from alembic import op
import sqlalchemy as sa

from app.services.patient_totals import CompleteTotal, course_rows


revision = "0140"
down_revision = "0130"
branch_labels = None
depends_on = None

BATCH = 5000
LATEST = sa.text("superseded_at IS NULL")

# Snapshots of the tables as this revision knows them (never the app's models).
screening = sa.table(
    "screening",
    sa.column("id", sa.Integer),
    sa.column("clinic_id", sa.Integer),
    sa.column("patient_id", sa.Integer),
    sa.column("packet_id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("completed_at", sa.DateTime(timezone=True)),
)
response = sa.table(
    "response",
    sa.column("id", sa.Integer),
    sa.column("screening_id", sa.Integer),
    sa.column("instrument_id", sa.String),
    sa.column("total", sa.Integer),
)
packet_entry = sa.table(
    "packet_entry",
    sa.column("packet_id", sa.Integer),
    sa.column("instrument_id", sa.String),
    sa.column("rescreen_weeks", sa.Integer),
)


def upgrade() -> None:
    patient_total = op.create_table(
        "patient_total",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("instrument_id", sa.String(length=64), nullable=False),
        sa.Column("packet_id", sa.Integer(), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("baseline_total", sa.Integer(), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rescreen_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("sequence >= 1", name=op.f("ck_patient_total_sequence_from_one")),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name=op.f("fk_patient_total_clinic_id_clinic")),
        sa.ForeignKeyConstraint(["packet_id"], ["packet.id"], name=op.f("fk_patient_total_packet_id_packet")),
        sa.ForeignKeyConstraint(["patient_id"], ["patient.id"], name=op.f("fk_patient_total_patient_id_patient")),
        sa.ForeignKeyConstraint(["response_id"], ["response.id"], name=op.f("fk_patient_total_response_id_response")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patient_total")),
        sa.UniqueConstraint(
            "patient_id", "instrument_id", "sequence", name=op.f("uq_patient_total_patient_id_instrument_id_sequence")
        ),
        sa.UniqueConstraint("response_id", name=op.f("uq_patient_total_response_id")),
    )
    _backfill(op.get_bind(), patient_total)
    op.create_index(
        "ix_patient_total_latest_at",
        "patient_total",
        ["clinic_id", "instrument_id", "at"],
        unique=False,
        sqlite_where=LATEST,
        postgresql_where=LATEST,
    )
    op.create_index(
        "ix_patient_total_latest_due",
        "patient_total",
        ["clinic_id", "rescreen_due_at"],
        unique=False,
        sqlite_where=LATEST,
        postgresql_where=LATEST,
    )
    op.create_index("ix_patient_total_superseded", "patient_total", ["clinic_id", "superseded_at"], unique=False)
    op.create_index("ix_patient_total_packet", "patient_total", ["packet_id", "instrument_id"], unique=False)


def _backfill(connection, patient_total) -> None:
    """Every course from the responses so far, streamed in course order and inserted in batches."""
    weeks = {
        (packet_id, instrument_id): interval
        for packet_id, instrument_id, interval in connection.execute(
            sa.select(packet_entry.c.packet_id, packet_entry.c.instrument_id, packet_entry.c.rescreen_weeks).where(
                packet_entry.c.rescreen_weeks.is_not(None)
            )
        )
    }
    totals = connection.execute(
        sa.select(
            response.c.id,
            screening.c.clinic_id,
            screening.c.patient_id,
            response.c.instrument_id,
            screening.c.packet_id,
            response.c.total,
            screening.c.completed_at,
        )
        .join(screening, screening.c.id == response.c.screening_id)
        .where(screening.c.status == "completed", response.c.total.is_not(None))
        .order_by(screening.c.patient_id, response.c.instrument_id, screening.c.completed_at, response.c.id)
        .execution_options(stream_results=True, yield_per=BATCH)
    )
    pending = []
    for row in totals:
        total = CompleteTotal(*row)
        # a course is never split across batches: each is computed from all its totals
        if len(pending) >= BATCH and (pending[-1].patient_id, pending[-1].instrument_id) != (
            total.patient_id,
            total.instrument_id,
        ):
            connection.execute(sa.insert(patient_total), course_rows(pending, weeks))
            pending = []
        pending.append(total)
    if pending:
        connection.execute(sa.insert(patient_total), course_rows(pending, weeks))


def downgrade() -> None:
    op.drop_index("ix_patient_total_packet", table_name="patient_total")
    op.drop_index("ix_patient_total_superseded", table_name="patient_total")
    op.drop_index("ix_patient_total_latest_due", table_name="patient_total")
    op.drop_index("ix_patient_total_latest_at", table_name="patient_total")
    op.drop_table("patient_total")
