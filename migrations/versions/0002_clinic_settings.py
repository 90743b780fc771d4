"""clinic settings: logo, referral destinations, per-instrument enablement and thresholds

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 12:09:12.620001
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('clinic_instrument',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('instrument_id', sa.String(length=64), nullable=False),
    sa.Column('is_enabled', sa.Boolean(), nullable=False),
    sa.Column('referral_threshold', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_clinic_instrument_clinic_id_clinic')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinic_instrument')),
    sa.UniqueConstraint('clinic_id', 'instrument_id', name=op.f('uq_clinic_instrument_clinic_id_instrument_id'))
    )
    with op.batch_alter_table('clinic', schema=None) as batch_op:
        batch_op.add_column(sa.Column('logo_image', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('logo_mime_type', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('referral_destinations', sa.JSON(), nullable=False, server_default='[]'))



def downgrade() -> None:
    with op.batch_alter_table('clinic', schema=None) as batch_op:
        batch_op.drop_column('referral_destinations')
        batch_op.drop_column('logo_mime_type')
        batch_op.drop_column('logo_image')

    op.drop_table('clinic_instrument')
