"""The two-factor step's half-signed state held server-side and consumed once; TOTP secrets
encrypted at rest with the data keys (TALLYFORM_DATA_KEYS or instance/data_key)

Revision ID: 0080
Revises: 0075
Create Date: 2026-11-25 17:45:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0080'
down_revision = '0075'
branch_labels = None
depends_on = None

SECRET_COLUMNS = ("totp_secret", "totp_pending_secret")


def _keyring():
    from app.config import PROJECT_ROOT, settings_from_environment
    from app.security import data_keys

    keys = settings_from_environment()["DATA_KEYS"] or data_keys.load_keys(PROJECT_ROOT / "instance")
    return data_keys, data_keys.keyring(keys)


def _rewrite_secrets(transform) -> None:
    users = sa.table("staff_user", sa.column("id", sa.Integer), *(sa.column(name, sa.String) for name in SECRET_COLUMNS))
    connection = op.get_bind()
    for row in connection.execute(sa.select(users)).mappings().all():
        values = {name: transform(row[name]) for name in SECRET_COLUMNS if row[name] is not None}
        if values:
            connection.execute(sa.update(users).where(users.c.id == row["id"]).values(**values))


def upgrade() -> None:
    op.create_table('sign_in_challenge',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('consumed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['staff_user.id'], name=op.f('fk_sign_in_challenge_user_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_challenge')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_sign_in_challenge_token_hash'))
    )
    with op.batch_alter_table('sign_in_challenge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_challenge_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        for name in SECRET_COLUMNS:
            batch_op.alter_column(name, existing_type=sa.String(length=64), type_=sa.String(length=255))
    data_keys, ring = _keyring()
    _rewrite_secrets(lambda value: data_keys.reencrypt(value, ring))


def downgrade() -> None:
    data_keys, ring = _keyring()
    _rewrite_secrets(lambda value: data_keys.decrypt(value, ring))
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        for name in SECRET_COLUMNS:
            batch_op.alter_column(name, existing_type=sa.String(length=255), type_=sa.String(length=64))
    with op.batch_alter_table('sign_in_challenge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_challenge_user_id'))
    op.drop_table('sign_in_challenge')
