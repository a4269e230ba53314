"""delivery channels

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sweep_marks',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('swept_to', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_sweep_marks'))
    )
    op.create_table('delivery_prefs',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('bell', sa.Boolean(), nullable=False),
    sa.Column('quiet_start', sa.String(length=5), nullable=False),
    sa.Column('quiet_end', sa.String(length=5), nullable=False),
    sa.Column('webhook_url', sa.String(length=500), nullable=True),
    sa.Column('webhook_format', sa.String(length=16), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("webhook_format IS NULL OR webhook_format IN ('wecom','dingtalk','feishu')", name=op.f('ck_delivery_prefs_webhook_format')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_delivery_prefs_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_delivery_prefs'))
    )
    op.create_table('webhook_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('fmt', sa.String(length=16), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending','sent','failed')", name=op.f('ck_webhook_outbox_status')),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], name=op.f('fk_webhook_outbox_notification_id_notifications')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_webhook_outbox_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_outbox')),
    sa.UniqueConstraint('notification_id', name=op.f('uq_webhook_outbox_notification_id'))
    )
    with op.batch_alter_table('webhook_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_outbox_due', ['status', 'next_attempt_at'], unique=False)
    # The scheduler's range queries: the next air time and the next stock plan still under review.
    op.create_index('ix_live_tasks_status_air', 'live_tasks', ['status', 'sub_status', 'air_at'], unique=False)
    op.create_index('ix_stock_plans_status_live', 'stock_plans', ['status', 'live_at'], unique=False)



def downgrade() -> None:
    op.drop_index('ix_stock_plans_status_live', table_name='stock_plans')
    op.drop_index('ix_live_tasks_status_air', table_name='live_tasks')
    with op.batch_alter_table('webhook_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_outbox_due')

    op.drop_table('webhook_outbox')
    op.drop_table('delivery_prefs')
    op.drop_table('sweep_marks')
