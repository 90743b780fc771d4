"""Referral summaries: a `rendering` status with the time rendering started, so a summary whose
worker died mid-render is found and queued again

Revision ID: 0075
Revises: 0070
Create Date: 2026-11-25 17:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0075'
down_revision = '0070'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('referral_document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('render_started_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(batch_op.f('ck_referral_document_status'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_referral_document_status'), "status IN ('queued', 'rendering', 'ready', 'failed')"
        )


def downgrade() -> None:
    # A summary caught mid-render goes back to waiting in the queue.
    op.execute("UPDATE referral_document SET status = 'queued' WHERE status = 'rendering'")
    with op.batch_alter_table('referral_document', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_referral_document_status'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_referral_document_status'), "status IN ('queued', 'ready', 'failed')"
        )
        batch_op.drop_column('render_started_at')
