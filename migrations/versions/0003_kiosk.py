"""kiosk: one-time access codes, code attempts, tablet sessions, draft answers

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 12:14:34.014293
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('access_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('device_key', sa.String(length=64), nullable=False),
    sa.Column('ip_key', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('is_success', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_attempt'))
    )
    with op.batch_alter_table('access_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_access_attempt_device_at', ['device_key', 'at'], unique=False)
        batch_op.create_index('ix_access_attempt_ip_at', ['ip_key', 'at'], unique=False)

    op.create_table('access_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('screening_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_user.id'], name=op.f('fk_access_code_created_by_id_staff_user')),
    sa.ForeignKeyConstraint(['screening_id'], ['screening.id'], name=op.f('fk_access_code_screening_id_screening')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_code')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_access_code_code_hash'))
    )
    with op.batch_alter_table('access_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_access_code_screening_id'), ['screening_id'], unique=False)

    op.create_table('draft_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('screening_id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.String(length=64), nullable=False),
    sa.Column('item_id', sa.String(length=32), nullable=False),
    sa.Column('value', sa.Integer(), nullable=True),
    sa.Column('instrument_version', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['screening_id'], ['screening.id'], name=op.f('fk_draft_answer_screening_id_screening')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draft_answer')),
    sa.UniqueConstraint('screening_id', 'instrument_id', 'item_id', name=op.f('uq_draft_answer_screening_id_instrument_id_item_id'))
    )
    op.create_table('kiosk_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('screening_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['screening_id'], ['screening.id'], name=op.f('fk_kiosk_session_screening_id_screening')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosk_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_kiosk_session_token_hash'))
    )
    with op.batch_alter_table('kiosk_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kiosk_session_screening_id'), ['screening_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('kiosk_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kiosk_session_screening_id'))

    op.drop_table('kiosk_session')
    op.drop_table('draft_answer')
    with op.batch_alter_table('access_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_code_screening_id'))

    op.drop_table('access_code')
    with op.batch_alter_table('access_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_access_attempt_ip_at')
        batch_op.drop_index('ix_access_attempt_device_at')

    op.drop_table('access_attempt')
