"""Each stored instrument version keeps its wording's language and, for a translation, the
English version it translates; versions pinned before are filled in from the responses that
pinned them

Until now only a response said which translation it showed, so telling a stored translation
from its English meant reading every response; the version row now says it once.

Revision ID: 0160
Revises: 0150
Create Date: 2026-12-02 10:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0160'
down_revision = '0150'
branch_labels = None
depends_on = None

instrument_version = sa.table(
    "instrument_version",
    sa.column("version", sa.String),
    sa.column("language", sa.String),
    sa.column("translates", sa.String),
)
response = sa.table(
    "response",
    sa.column("instrument_version", sa.String),
    sa.column("language", sa.String),
    sa.column("translation_version", sa.String),
)


def _of_responses_pinning(column):
    """The value the responses that showed this translated version give (one and the same
    for all of them: a translation's version hash covers its language and its English)."""
    return (
        sa.select(sa.func.min(column))
        .where(response.c.translation_version == instrument_version.c.version)
        .scalar_subquery()
    )


def upgrade() -> None:
    # Plain added columns: SQLite adds them in place, so the table is not rebuilt and no
    # trigger or reference to it is touched.
    with op.batch_alter_table('instrument_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), server_default='en', nullable=False))
        batch_op.add_column(sa.Column('translates', sa.String(length=64), nullable=True))
    op.execute(
        sa.update(instrument_version)
        .where(
            sa.exists().where(response.c.translation_version == instrument_version.c.version)
        )
        .values(
            language=_of_responses_pinning(response.c.language),
            translates=_of_responses_pinning(response.c.instrument_version),
        )
    )


def downgrade() -> None:
    with op.batch_alter_table('instrument_version', schema=None) as batch_op:
        batch_op.drop_column('translates')
        batch_op.drop_column('language')
