"""live tasks, task accounts, targeted plans, disputes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('live_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('creator_id', sa.Integer(), nullable=False),
    sa.Column('contact_name', sa.String(length=50), nullable=False),
    sa.Column('contact_phone', sa.String(length=20), nullable=False),
    sa.Column('air_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('return_sample', sa.Boolean(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('hours', sa.Integer(), nullable=False),
    sa.Column('quote_cents', sa.BigInteger(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('plan', sa.String(length=16), nullable=False),
    sa.Column('commission_rate', sa.Numeric(precision=5, scale=4), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('sub_status', sa.String(length=24), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_action_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_reason', sa.String(length=300), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('dedicated','shared')", name=op.f('ck_live_tasks_kind')),
    sa.CheckConstraint("plan IN ('normal','targeted')", name=op.f('ck_live_tasks_plan')),
    sa.CheckConstraint("status IN ('pending','in_progress','disputed','completed','cancelled')", name=op.f('ck_live_tasks_status')),
    sa.CheckConstraint('amount_cents > 0', name=op.f('ck_live_tasks_amount')),
    sa.CheckConstraint('hours > 0', name=op.f('ck_live_tasks_hours')),
    sa.ForeignKeyConstraint(['creator_id'], ['creators.user_id'], name=op.f('fk_live_tasks_creator_id_creators')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.user_id'], name=op.f('fk_live_tasks_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_tasks'))
    )
    with op.batch_alter_table('live_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_live_tasks_creator_status', ['creator_id', 'status', 'id'], unique=False)
        batch_op.create_index('ix_live_tasks_merchant_status', ['merchant_id', 'status', 'id'], unique=False)
        batch_op.create_index('ix_live_tasks_status_created', ['status', 'created_at'], unique=False)

    op.create_table('task_accounts',
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('account_no', sa.String(length=64), nullable=False),
    sa.Column('created', sa.Boolean(), nullable=False),
    sa.Column('bound_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.user_id'], name=op.f('fk_task_accounts_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('merchant_id', name=op.f('pk_task_accounts')),
    sa.UniqueConstraint('account_no', name=op.f('uq_task_accounts_account_no'))
    )
    op.create_table('disputes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_by', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('ruled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ruled_by', sa.Integer(), nullable=True),
    sa.Column('compensation_cents', sa.BigInteger(), nullable=True),
    sa.Column('ruling', sa.String(length=300), nullable=False),
    sa.CheckConstraint("status IN ('open','ruled')", name=op.f('ck_disputes_status')),
    sa.ForeignKeyConstraint(['opened_by'], ['users.id'], name=op.f('fk_disputes_opened_by_users')),
    sa.ForeignKeyConstraint(['ruled_by'], ['users.id'], name=op.f('fk_disputes_ruled_by_users')),
    sa.ForeignKeyConstraint(['task_id'], ['live_tasks.id'], name=op.f('fk_disputes_task_id_live_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disputes')),
    sa.UniqueConstraint('task_id', name=op.f('uq_disputes_task_id'))
    )
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.create_index('ix_disputes_status', ['status', 'opened_at'], unique=False)

    op.create_table('targeted_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('creator_id', sa.Integer(), nullable=False),
    sa.Column('commission_rate', sa.Numeric(precision=5, scale=4), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['creator_id'], ['creators.user_id'], name=op.f('fk_targeted_plans_creator_id_creators')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.user_id'], name=op.f('fk_targeted_plans_merchant_id_merchants')),
    sa.ForeignKeyConstraint(['task_id'], ['live_tasks.id'], name=op.f('fk_targeted_plans_task_id_live_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_targeted_plans')),
    sa.UniqueConstraint('task_id', name=op.f('uq_targeted_plans_task_id'))
    )
    op.create_table('task_products',
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_task_products_product_id_products')),
    sa.ForeignKeyConstraint(['task_id'], ['live_tasks.id'], name=op.f('fk_task_products_task_id_live_tasks')),
    sa.PrimaryKeyConstraint('task_id', 'product_id', name=op.f('pk_task_products'))
    )
    


def downgrade() -> None:
    
    op.drop_table('task_products')
    op.drop_table('targeted_plans')
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.drop_index('ix_disputes_status')

    op.drop_table('disputes')
    op.drop_table('task_accounts')
    with op.batch_alter_table('live_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_live_tasks_status_created')
        batch_op.drop_index('ix_live_tasks_merchant_status')
        batch_op.drop_index('ix_live_tasks_creator_status')

    op.drop_table('live_tasks')
    
