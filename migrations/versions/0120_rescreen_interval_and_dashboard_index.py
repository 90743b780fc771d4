"""Re-screening interval per packet entry; an index for the clinic dashboard's date range

Revision ID: 0120
Revises: 0112
Create Date: 2026-11-25 17:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0120'
down_revision = '0112'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('packet_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rescreen_weeks', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            'rescreen_weeks_range', 'rescreen_weeks IS NULL OR (rescreen_weeks >= 1 AND rescreen_weeks <= 104)'
        )
    with op.batch_alter_table('screening', schema=None) as batch_op:
        batch_op.create_index('ix_screening_clinic_created', ['clinic_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('screening', schema=None) as batch_op:
        batch_op.drop_index('ix_screening_clinic_created')
    with op.batch_alter_table('packet_entry', schema=None) as batch_op:
        batch_op.drop_constraint('rescreen_weeks_range', type_='check')
        batch_op.drop_column('rescreen_weeks')
