"""staff accounts and sign-in security (one-time password links, failed sign-ins, TOTP, admin
TOTP setting) and versioned clinic questions

Revision ID: 0020
Revises: 0010
Create Date: 2026-11-25 12:52:43.328306
"""

from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sign_in_failure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('account_key', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_failure'))
    )
    with op.batch_alter_table('sign_in_failure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_failure_account_key'), ['account_key'], unique=False)
        batch_op.create_index('ix_sign_in_failure_address_at', ['address', 'at'], unique=False)

    op.create_table('clinic_question_set',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('version >= 1', name=op.f('ck_clinic_question_set_version_positive')),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_clinic_question_set_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_user.id'], name=op.f('fk_clinic_question_set_created_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinic_question_set')),
    sa.UniqueConstraint('clinic_id', 'version', name=op.f('uq_clinic_question_set_clinic_id_version'))
    )
    with op.batch_alter_table('clinic_question_set', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clinic_question_set_clinic_id'), ['clinic_id'], unique=False)

    op.create_table('password_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=8), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("purpose IN ('set', 'reset')", name=op.f('ck_password_token_purpose')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_user.id'], name=op.f('fk_password_token_created_by_id_staff_user')),
    sa.ForeignKeyConstraint(['user_id'], ['staff_user.id'], name=op.f('fk_password_token_user_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_token_token_hash'))
    )
    with op.batch_alter_table('password_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_token_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('clinic', schema=None) as batch_op:
        batch_op.add_column(sa.Column('require_admin_totp', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_changed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_pending_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_pending_secret')
        batch_op.drop_column('totp_secret')
        batch_op.drop_column('password_changed_at')

    with op.batch_alter_table('clinic', schema=None) as batch_op:
        batch_op.drop_column('require_admin_totp')

    with op.batch_alter_table('password_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_token_user_id'))

    op.drop_table('password_token')
    with op.batch_alter_table('clinic_question_set', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clinic_question_set_clinic_id'))

    op.drop_table('clinic_question_set')
    with op.batch_alter_table('sign_in_failure', schema=None) as batch_op:
        batch_op.drop_index('ix_sign_in_failure_address_at')
        batch_op.drop_index(batch_op.f('ix_sign_in_failure_account_key'))

    op.drop_table('sign_in_failure')
