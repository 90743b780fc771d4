"""Referral versions: every save of a referral is kept, append-only like responses

Revision ID: 0070
Revises: 0060
Create Date: 2026-11-25 17:40:00.000000
"""

import importlib.util
from pathlib import Path

from alembic import op
import sqlalchemy as sa


revision = '0070'
down_revision = '0060'
branch_labels = None
depends_on = None

MESSAGE = "referral versions are append-only: save a new version"


def _initial():
    """0001's trigger helpers, so referral versions are guarded exactly like responses."""
    spec = importlib.util.spec_from_file_location("_tallyform_0001", Path(__file__).with_name("0001_initial.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    op.create_table('referral_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('screening_id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('destination', sa.String(length=200), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('changed', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('version >= 1', name=op.f('ck_referral_version_version_positive')),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_referral_version_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff_user.id'], name=op.f('fk_referral_version_created_by_id_staff_user')),
    sa.ForeignKeyConstraint(['screening_id'], ['screening.id'], name=op.f('fk_referral_version_screening_id_screening')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_version')),
    sa.UniqueConstraint('screening_id', 'version', name=op.f('uq_referral_version_screening_id_version'))
    )
    with op.batch_alter_table('referral_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_version_clinic_id'), ['clinic_id'], unique=False)

    # A referral saved before versions existed becomes version 1, so it stays readable.
    review = sa.table(
        'screening_review',
        sa.column('screening_id', sa.Integer()), sa.column('clinic_id', sa.Integer()),
        sa.column('referral_reason', sa.Text()), sa.column('referral_destination', sa.String()),
        sa.column('referral_note', sa.Text()), sa.column('referral_by_id', sa.Integer()),
        sa.column('referral_at', sa.DateTime(timezone=True)),
    )
    version = sa.table(
        'referral_version',
        sa.column('screening_id', sa.Integer()), sa.column('clinic_id', sa.Integer()),
        sa.column('version', sa.Integer()), sa.column('reason', sa.Text()),
        sa.column('destination', sa.String()), sa.column('note', sa.Text()), sa.column('changed', sa.JSON()),
        sa.column('created_by_id', sa.Integer()), sa.column('created_at', sa.DateTime(timezone=True)),
    )
    bind = op.get_bind()
    saved = bind.execute(sa.select(review).where(review.c.referral_by_id.is_not(None))).mappings().all()
    if saved:
        op.bulk_insert(version, [
            {
                'screening_id': row['screening_id'], 'clinic_id': row['clinic_id'], 'version': 1,
                'reason': row['referral_reason'], 'destination': row['referral_destination'],
                'note': row['referral_note'],
                'changed': [name for name, value in (
                    ('reason', row['referral_reason']), ('destination', row['referral_destination']),
                    ('note', row['referral_note'])) if value],
                'created_by_id': row['referral_by_id'], 'created_at': row['referral_at'],
            }
            for row in saved
        ])
    _initial()._forbid_changes("referral_version", MESSAGE)


def downgrade() -> None:
    # the current referral of each screening is still in screening_review
    _initial()._drop_change_guards("referral_version")
    with op.batch_alter_table('referral_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_version_clinic_id'))

    op.drop_table('referral_version')
