"""The clinic's introduction before sections about painful experiences (ACE, PTSD)

Revision ID: 0112
Revises: 0111
Create Date: 2026-11-25 17:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0112'
down_revision = '0111'
branch_labels = None
depends_on = None

# The shipped default, as in app.models.clinic.DEFAULT_CARE_INTRO when this revision was written:
# every existing clinic starts with it and can edit it in its settings.
DEFAULT_CARE_INTRO = (
    "The next questions ask about hard things that may have happened to you, such as difficult "
    "experiences in childhood or very frightening events. Some people find them upsetting. You can "
    "skip any question: choose Next without picking an answer. Someone from your care team will "
    "talk with you about your answers."
)


def upgrade() -> None:
    with op.batch_alter_table('clinic', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('care_intro_text', sa.Text(), server_default=sa.text(f"'{DEFAULT_CARE_INTRO}'"), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table('clinic', schema=None) as batch_op:
        batch_op.drop_column('care_intro_text')
