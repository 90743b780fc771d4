"""Clinic question answers: stored per screening against the question-set version seen,
immutable like responses; a draft can hold a short-text answer

Revision ID: 0040
Revises: 0030
Create Date: 2026-11-25 13:31:16.366584
"""

import importlib.util
from pathlib import Path

from alembic import op
import sqlalchemy as sa


revision = '0040'
down_revision = '0030'
branch_labels = None
depends_on = None


def _initial():
    """0001's trigger helpers, so clinic answers are guarded exactly like responses."""
    spec = importlib.util.spec_from_file_location("_tallyform_0001", Path(__file__).with_name("0001_initial.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    op.create_table('clinic_question_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('screening_id', sa.Integer(), nullable=False),
    sa.Column('question_set_id', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['question_set_id'], ['clinic_question_set.id'], name=op.f('fk_clinic_question_response_question_set_id_clinic_question_set')),
    sa.ForeignKeyConstraint(['screening_id'], ['screening.id'], name=op.f('fk_clinic_question_response_screening_id_screening')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_clinic_question_response')),
    sa.UniqueConstraint('screening_id', name=op.f('uq_clinic_question_response_screening_id'))
    )
    _initial()._forbid_changes("clinic_question_response", "clinic question answers are immutable")
    # draft_answer carries no trigger, so recreating it on SQLite loses nothing
    with op.batch_alter_table('draft_answer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text_value', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('draft_answer', schema=None) as batch_op:
        batch_op.drop_column('text_value')

    _initial()._drop_change_guards("clinic_question_response")
    op.drop_table('clinic_question_response')
