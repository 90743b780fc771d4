"""clinician review and referral documents

Revision ID: 0010
Revises: 0003
Create Date: 2026-11-25 12:14:53.469534
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('referral_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('screening_id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('generation', sa.Integer(), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rendered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('byte_size', sa.Integer(), nullable=True),
    sa.CheckConstraint("(status = 'ready') = (pdf IS NOT NULL)", name=op.f('ck_referral_document_pdf_iff_ready')),
    sa.CheckConstraint("status IN ('queued', 'ready', 'failed')", name=op.f('ck_referral_document_status')),
    sa.CheckConstraint('(pdf IS NULL) = (sha256 IS NULL)', name=op.f('ck_referral_document_sha256_iff_pdf')),
    sa.CheckConstraint('generation >= 1', name=op.f('ck_referral_document_generation_positive')),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_referral_document_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['screening_id'], ['screening.id'], name=op.f('fk_referral_document_screening_id_screening')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral_document')),
    sa.UniqueConstraint('screening_id', name=op.f('uq_referral_document_screening_id'))
    )
    op.create_index(op.f('ix_referral_document_clinic_id'), 'referral_document', ['clinic_id'], unique=False)

    op.create_table('screening_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('screening_id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_by_id', sa.Integer(), nullable=True),
    sa.Column('status_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('urgent_acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('urgent_acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('referral_reason', sa.Text(), nullable=True),
    sa.Column('referral_destination', sa.String(length=200), nullable=True),
    sa.Column('referral_note', sa.Text(), nullable=True),
    sa.Column('referral_by_id', sa.Integer(), nullable=True),
    sa.Column('referral_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status <> 'referred' OR referral_destination IS NOT NULL", name=op.f('ck_screening_review_referred_has_destination')),
    sa.CheckConstraint("status = 'needs_review' OR (status_by_id IS NOT NULL AND status_at IS NOT NULL)", name=op.f('ck_screening_review_status_has_author')),
    sa.CheckConstraint("status IN ('needs_review', 'reviewed', 'referred', 'no_action')", name=op.f('ck_screening_review_status')),
    sa.CheckConstraint('(urgent_acknowledged_at IS NULL) = (urgent_acknowledged_by_id IS NULL)', name=op.f('ck_screening_review_acknowledgement_has_author')),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_screening_review_clinic_id_clinic')),
    sa.ForeignKeyConstraint(['referral_by_id'], ['staff_user.id'], name=op.f('fk_screening_review_referral_by_id_staff_user')),
    sa.ForeignKeyConstraint(['screening_id'], ['screening.id'], name=op.f('fk_screening_review_screening_id_screening')),
    sa.ForeignKeyConstraint(['status_by_id'], ['staff_user.id'], name=op.f('fk_screening_review_status_by_id_staff_user')),
    sa.ForeignKeyConstraint(['urgent_acknowledged_by_id'], ['staff_user.id'], name=op.f('fk_screening_review_urgent_acknowledged_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_review')),
    sa.UniqueConstraint('screening_id', name=op.f('uq_screening_review_screening_id'))
    )
    op.create_index('ix_screening_review_clinic_status', 'screening_review', ['clinic_id', 'status'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_screening_review_clinic_status', table_name='screening_review')

    op.drop_table('screening_review')
    op.drop_index(op.f('ix_referral_document_clinic_id'), table_name='referral_document')

    op.drop_table('referral_document')
