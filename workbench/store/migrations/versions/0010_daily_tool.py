"""daily tool: list preferences, saved views, sample reports, ratings, hidden notifications

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('list_prefs',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('list_key', sa.String(length=32), nullable=False),
    sa.Column('filters', sa.Text(), nullable=False),
    sa.Column('sort', sa.String(length=40), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_list_prefs_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'list_key', name=op.f('pk_list_prefs'))
    )
    op.create_table('ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=8), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('rater_id', sa.Integer(), nullable=False),
    sa.Column('ratee_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.String(length=300), nullable=False),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("subject IN ('order','task')", name=op.f('ck_ratings_subject')),
    sa.CheckConstraint('score BETWEEN 1 AND 5', name=op.f('ck_ratings_score')),
    sa.ForeignKeyConstraint(['ratee_id'], ['users.id'], name=op.f('fk_ratings_ratee_id_users')),
    sa.ForeignKeyConstraint(['rater_id'], ['users.id'], name=op.f('fk_ratings_rater_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ratings')),
    sa.UniqueConstraint('subject', 'subject_id', 'rater_id', name='uq_ratings_subject_rater')
    )
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.create_index('ix_ratings_ratee', ['ratee_id', 'rated_at'], unique=False)

    op.create_table('saved_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('list_key', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('filters', sa.Text(), nullable=False),
    sa.Column('sort', sa.String(length=40), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_saved_views_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_views')),
    sa.UniqueConstraint('user_id', 'list_key', 'name', name='uq_saved_views_user_list_name')
    )
    op.create_table('sample_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('creator_id', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('detail', sa.String(length=300), nullable=False),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('ruled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ruled_by', sa.Integer(), nullable=True),
    sa.Column('ruling', sa.String(length=300), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint("reason IN ('fake','damaged','wrong','missing','other')", name=op.f('ck_sample_reports_reason')),
    sa.CheckConstraint("status IN ('open','upheld','dismissed')", name=op.f('ck_sample_reports_status')),
    sa.ForeignKeyConstraint(['creator_id'], ['creators.user_id'], name=op.f('fk_sample_reports_creator_id_creators')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.user_id'], name=op.f('fk_sample_reports_merchant_id_merchants')),
    sa.ForeignKeyConstraint(['order_id'], ['coop_orders.id'], name=op.f('fk_sample_reports_order_id_coop_orders')),
    sa.ForeignKeyConstraint(['ruled_by'], ['users.id'], name=op.f('fk_sample_reports_ruled_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sample_reports')),
    sa.UniqueConstraint('order_id', name=op.f('uq_sample_reports_order_id'))
    )
    with op.batch_alter_table('sample_reports', schema=None) as batch_op:
        batch_op.create_index('ix_sample_reports_merchant', ['merchant_id', 'status'], unique=False)
        batch_op.create_index('ix_sample_reports_status', ['status', 'filed_at'], unique=False)

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('hidden_at')

    with op.batch_alter_table('sample_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_sample_reports_status')
        batch_op.drop_index('ix_sample_reports_merchant')

    op.drop_table('sample_reports')
    op.drop_table('saved_views')
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_ratings_ratee')

    op.drop_table('ratings')
    op.drop_table('list_prefs')
