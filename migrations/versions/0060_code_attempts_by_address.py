"""Code attempts are counted by network address only (no device cookie) and can be cleared
by the front desk

Revision ID: 0060
Revises: 0050
Create Date: 2026-11-25 17:40:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0060'
down_revision = '0050'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('access_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_access_attempt_device_at')
        batch_op.drop_column('device_key')
        batch_op.add_column(sa.Column('cleared_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('access_attempt', schema=None) as batch_op:
        batch_op.drop_column('cleared_at')
        batch_op.add_column(sa.Column('device_key', sa.String(length=64), nullable=True))
    # The device of a past attempt is not known any more; its address stands in for it.
    attempt = sa.table('access_attempt', sa.column('device_key', sa.String), sa.column('ip_key', sa.String))
    op.execute(attempt.update().values(device_key=attempt.c.ip_key))
    with op.batch_alter_table('access_attempt', schema=None) as batch_op:
        batch_op.alter_column('device_key', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index('ix_access_attempt_device_at', ['device_key', 'at'], unique=False)
