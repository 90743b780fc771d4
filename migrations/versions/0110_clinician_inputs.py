"""Clinician inputs (ACE-associated health condition): append-only records beside a response

Revision ID: 0110
Revises: 0081
Create Date: 2026-11-25 17:30:00
"""

import importlib.util
from pathlib import Path

from alembic import op
import sqlalchemy as sa


revision = '0110'
down_revision = '0081'
branch_labels = None
depends_on = None


def _initial():
    """0001's trigger helpers, so clinician inputs are guarded exactly like responses."""
    spec = importlib.util.spec_from_file_location("_tallyform_0001", Path(__file__).with_name("0001_initial.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    op.create_table('clinician_input',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('value', sa.String(length=32), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_clinician_input_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff_user.id'], name=op.f('fk_clinician_input_recorded_by_id_staff_user')),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_clinician_input_response_id_response')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinician_input'))
    )
    with op.batch_alter_table('clinician_input', schema=None) as batch_op:
        batch_op.create_index('ix_clinician_input_response_recorded', ['response_id', 'recorded_at'], unique=False)
    _initial()._forbid_changes("clinician_input", "clinician inputs are immutable: record a new value")


def downgrade() -> None:
    _initial()._drop_change_guards("clinician_input")
    with op.batch_alter_table('clinician_input', schema=None) as batch_op:
        batch_op.drop_index('ix_clinician_input_response_recorded')
    op.drop_table('clinician_input')
