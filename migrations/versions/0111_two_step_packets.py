"""Two-step packets: a packet's follow-up instruments, and each screening's copy of them

Revision ID: 0111
Revises: 0110
Create Date: 2026-11-25 17:45:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0111'
down_revision = '0110'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing packets and screenings have no follow-ups: every instrument is asked, as before.
    with op.batch_alter_table('packet', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follow_ups', sa.JSON(), server_default=sa.text("'{}'"), nullable=False))
    with op.batch_alter_table('screening', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follow_ups', sa.JSON(), server_default=sa.text("'{}'"), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('screening', schema=None) as batch_op:
        batch_op.drop_column('follow_ups')
    with op.batch_alter_table('packet', schema=None) as batch_op:
        batch_op.drop_column('follow_ups')
