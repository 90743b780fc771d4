"""The sitting's language: remembered on the patient, chosen per screening, and stored with
each response together with the translated version the patient saw

Revision ID: 0130
Revises: 0120
Create Date: 2026-11-25 18:10:00.000000
"""

import importlib.util
from pathlib import Path

from alembic import op
import sqlalchemy as sa


revision = '0130'
down_revision = '0120'
branch_labels = None
depends_on = None

RESPONSES_ARE_IMMUTABLE = "responses are immutable: record a new one instead"


def _initial():
    """0001's trigger helpers: SQLite rebuilds the response table to add a foreign key, which
    drops its guards, so they are removed first and put back after, as 0001 wrote them."""
    spec = importlib.util.spec_from_file_location("_tallyform_0001", Path(__file__).with_name("0001_initial.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), server_default='en', nullable=False))
    with op.batch_alter_table('screening', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), server_default='en', nullable=False))
    initial = _initial()
    initial._drop_change_guards("response")
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), server_default='en', nullable=False))
        batch_op.add_column(sa.Column('translation_version', sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_response_translation_version_instrument_version'),
            'instrument_version', ['translation_version'], ['version'],
        )
    initial._forbid_changes("response", RESPONSES_ARE_IMMUTABLE)


def downgrade() -> None:
    initial = _initial()
    initial._drop_change_guards("response")
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_response_translation_version_instrument_version'), type_='foreignkey')
        batch_op.drop_column('translation_version')
        batch_op.drop_column('language')
    initial._forbid_changes("response", RESPONSES_ARE_IMMUTABLE)
    with op.batch_alter_table('screening', schema=None) as batch_op:
        batch_op.drop_column('language')
    with op.batch_alter_table('patient', schema=None) as batch_op:
        batch_op.drop_column('language')
