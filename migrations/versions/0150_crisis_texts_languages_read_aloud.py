"""The clinic's support message per language, the languages it offers, and reading aloud

Revision ID: 0150
Revises: 0140
Create Date: 2026-11-25 20:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0150'
down_revision = '0140'
branch_labels = None
depends_on = None

# The shipped defaults when this revision was written (app.models.clinic). A clinic still on
# the English default gets the Spanish default and keeps offering Spanish; a clinic that wrote
# its own message offers Spanish again once its admin writes that message in Spanish.
DEFAULT_CRISIS_TEXT = (
    "Thank you for telling us. A member of your care team will talk with you today before you leave. "
    "If you are in danger right now or think you may act on these thoughts, call 911 or the 988 "
    "Suicide & Crisis Lifeline (call or text 988)."
)
DEFAULT_CRISIS_TEXTS = {
    "es": (
        "Gracias por decírnoslo. Un miembro de su equipo de atención hablará con usted hoy, antes de que se "
        "vaya. Si está en peligro en este momento o cree que podría actuar según estos pensamientos, llame al "
        "911 o a la Línea 988 de Prevención del Suicidio y Crisis (llame o envíe un mensaje de texto al 988)."
    )
}


def upgrade() -> None:
    with op.batch_alter_table('clinic', schema=None) as batch_op:
        batch_op.add_column(sa.Column('crisis_texts', sa.JSON(), server_default=sa.text("'{}'"), nullable=False))
        batch_op.add_column(sa.Column('offered_languages', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
        batch_op.add_column(sa.Column('read_aloud', sa.Boolean(), server_default=sa.false(), nullable=False))
    clinic = sa.table(
        'clinic',
        sa.column('crisis_text', sa.Text),
        sa.column('crisis_texts', sa.JSON),
        sa.column('offered_languages', sa.JSON),
    )
    op.execute(
        clinic.update()
        .where(clinic.c.crisis_text == DEFAULT_CRISIS_TEXT)
        .values(
            crisis_texts=DEFAULT_CRISIS_TEXTS,
            offered_languages=list(DEFAULT_CRISIS_TEXTS),
        )
    )


def downgrade() -> None:
    with op.batch_alter_table('clinic', schema=None) as batch_op:
        batch_op.drop_column('read_aloud')
        batch_op.drop_column('offered_languages')
        batch_op.drop_column('crisis_texts')
