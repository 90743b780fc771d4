"""The worklist's order kept on the screening (indexed per clinic), and the time a safety
flag was raised

Revision ID: 0050
Revises: 0040
Create Date: 2026-11-25 17:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0050'
down_revision = '0040'
branch_labels = None
depends_on = None

PINNED, OVER_THRESHOLD, ROUTINE = 2, 1, 0
BATCH = 1000

# Snapshots of the tables as this revision knows them (never the app's models).
screening = sa.table(
    'screening',
    sa.column('id', sa.Integer),
    sa.column('clinic_id', sa.Integer),
    sa.column('status', sa.String),
    sa.column('is_urgent', sa.Boolean),
    sa.column('created_at', sa.DateTime(timezone=True)),
    sa.column('completed_at', sa.DateTime(timezone=True)),
    sa.column('urgent_at', sa.DateTime(timezone=True)),
    sa.column('worklist_priority', sa.SmallInteger),
)
screening_review = sa.table(
    'screening_review',
    sa.column('screening_id', sa.Integer),
    sa.column('clinic_id', sa.Integer),
    sa.column('status', sa.String),
    sa.column('urgent_acknowledged_at', sa.DateTime(timezone=True)),
)
response = sa.table(
    'response',
    sa.column('screening_id', sa.Integer),
    sa.column('instrument_id', sa.String),
    sa.column('instrument_version', sa.String),
    sa.column('total', sa.Integer),
)
instrument_version = sa.table('instrument_version', sa.column('version', sa.String), sa.column('definition', sa.JSON))
clinic_instrument = sa.table(
    'clinic_instrument',
    sa.column('clinic_id', sa.Integer),
    sa.column('instrument_id', sa.String),
    sa.column('referral_threshold', sa.Integer),
)


def upgrade() -> None:
    with op.batch_alter_table('screening', schema=None) as batch_op:
        batch_op.add_column(sa.Column('urgent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('worklist_priority', sa.SmallInteger(), nullable=True))
    _backfill(op.get_bind())
    with op.batch_alter_table('screening', schema=None) as batch_op:
        batch_op.drop_index('ix_screening_clinic_worklist')
        batch_op.create_index('ix_screening_worklist', ['clinic_id', 'worklist_priority', 'created_at', 'id'], unique=False)
        batch_op.create_check_constraint(op.f('ck_screening_worklist_priority'), 'worklist_priority IN (0, 1, 2)')
        batch_op.create_check_constraint(op.f('ck_screening_urgent_at_iff_urgent'), 'is_urgent = (urgent_at IS NOT NULL)')
    # Not in batch mode: recreating response on SQLite would drop its immutability triggers.
    op.create_index('ix_response_instrument_band', 'response', ['instrument_id', 'band'], unique=False)


def _backfill(connection) -> None:
    # An urgent screening's flag was raised at the latest when it was sent.
    connection.execute(
        sa.update(screening)
        .where(screening.c.is_urgent.is_(True))
        .values(urgent_at=sa.func.coalesce(screening.c.completed_at, screening.c.created_at))
    )
    # The clinic's own threshold where it set one, else the default of the version each
    # response pinned; the app keeps the priority exact from here on.
    own = {
        (clinic_id, instrument_id): threshold
        for clinic_id, instrument_id, threshold in connection.execute(
            sa.select(clinic_instrument.c.clinic_id, clinic_instrument.c.instrument_id, clinic_instrument.c.referral_threshold)
        )
        if threshold is not None
    }
    defaults = {
        version: (definition or {}).get('scoring', {}).get('default_referral_threshold')
        for version, definition in connection.execute(sa.select(instrument_version.c.version, instrument_version.c.definition))
    }
    over = set()
    rows = connection.execute(
        sa.select(screening.c.id, screening.c.clinic_id, response.c.instrument_id, response.c.instrument_version, response.c.total)
        .join(response, response.c.screening_id == screening.c.id)
        .where(screening.c.status == 'completed', response.c.total.is_not(None))
    )
    for screening_id, clinic_id, instrument_id, version, total in rows:
        threshold = own.get((clinic_id, instrument_id), defaults.get(version))
        if threshold is not None and total >= threshold:
            over.add(screening_id)
    acknowledged = sa.exists().where(
        screening_review.c.screening_id == screening.c.id, screening_review.c.urgent_acknowledged_at.is_not(None)
    )
    connection.execute(
        sa.update(screening)
        .where(screening.c.is_urgent.is_(True), ~acknowledged)
        .values(worklist_priority=PINNED)
    )
    connection.execute(
        sa.update(screening)
        .where(screening.c.worklist_priority.is_(None), sa.or_(screening.c.status == 'completed', screening.c.is_urgent.is_(True)))
        .values(worklist_priority=ROUTINE)
    )
    # Every listed screening gets its review row, so a status filter reads the review index.
    has_review = sa.exists().where(screening_review.c.screening_id == screening.c.id)
    connection.execute(
        sa.insert(screening_review).from_select(
            ['screening_id', 'clinic_id', 'status'],
            sa.select(screening.c.id, screening.c.clinic_id, sa.literal('needs_review')).where(
                screening.c.worklist_priority.is_not(None), ~has_review
            ),
        )
    )
    over_ids = sorted(over)
    for start in range(0, len(over_ids), BATCH):
        connection.execute(
            sa.update(screening)
            .where(screening.c.id.in_(over_ids[start:start + BATCH]), screening.c.worklist_priority == ROUTINE)
            .values(worklist_priority=OVER_THRESHOLD)
        )


def downgrade() -> None:
    # The "needs review" rows added for listed screenings stay: such a row and no row mean
    # the same to the code before this revision.
    op.drop_index('ix_response_instrument_band', table_name='response')
    with op.batch_alter_table('screening', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_screening_urgent_at_iff_urgent'), type_='check')
        batch_op.drop_constraint(op.f('ck_screening_worklist_priority'), type_='check')
        batch_op.drop_index('ix_screening_worklist')
        batch_op.create_index('ix_screening_clinic_worklist', ['clinic_id', 'is_urgent', 'created_at'], unique=False)
        batch_op.drop_column('worklist_priority')
        batch_op.drop_column('urgent_at')
