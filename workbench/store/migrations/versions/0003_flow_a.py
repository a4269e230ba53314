"""flow a: carts, intents, exclusive pools, quotes, orders, stock plans, complaints, sales

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('coop_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('creator_id', sa.Integer(), nullable=False),
    sa.Column('quote_cents', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('shipped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sample_tracking', sa.String(length=64), nullable=False),
    sa.Column('window_ends_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cap_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('live_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('latest_delivery_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('close_reason', sa.String(length=300), nullable=False),
    sa.Column('return_tracking', sa.String(length=64), nullable=False),
    sa.Column('settled_cents', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('invited','declined','paid','accepted','sample_shipped','scheduled','confirmed','delivered','closed','overdue')", name=op.f('ck_coop_orders_status')),
    sa.CheckConstraint('quote_cents > 0', name=op.f('ck_coop_orders_quote')),
    sa.ForeignKeyConstraint(['creator_id'], ['creators.user_id'], name=op.f('fk_coop_orders_creator_id_creators')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.user_id'], name=op.f('fk_coop_orders_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coop_orders'))
    )
    with op.batch_alter_table('coop_orders', schema=None) as batch_op:
        batch_op.create_index('ix_coop_orders_creator_status', ['creator_id', 'status', 'id'], unique=False)
        batch_op.create_index('ix_coop_orders_merchant_status', ['merchant_id', 'status', 'id'], unique=False)
        batch_op.create_index('ix_coop_orders_status_latest', ['status', 'latest_delivery_at'], unique=False)
        batch_op.create_index('ix_coop_orders_status_window', ['status', 'window_ends_at'], unique=False)

    op.create_table('quotes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('creator_id', sa.Integer(), nullable=False),
    sa.Column('activity', sa.String(length=100), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_cents > 0', name=op.f('ck_quotes_amount')),
    sa.ForeignKeyConstraint(['creator_id'], ['creators.user_id'], name=op.f('fk_quotes_creator_id_creators')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quotes'))
    )
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quotes_creator_id'), ['creator_id'], unique=False)

    op.create_table('stock_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('creator_id', sa.Integer(), nullable=False),
    sa.Column('live_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by', sa.Integer(), nullable=True),
    sa.Column('review_reason', sa.String(length=300), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('submitted','revoked','approved','rejected','live','ended')", name=op.f('ck_stock_plans_status')),
    sa.ForeignKeyConstraint(['creator_id'], ['creators.user_id'], name=op.f('fk_stock_plans_creator_id_creators')),
    sa.ForeignKeyConstraint(['reviewed_by'], ['users.id'], name=op.f('fk_stock_plans_reviewed_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_plans'))
    )
    with op.batch_alter_table('stock_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_plans_creator_id'), ['creator_id'], unique=False)
        batch_op.create_index('ix_stock_plans_status', ['status', 'submitted_at'], unique=False)

    op.create_table('complaints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('creator_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('filed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('ruled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ruled_by', sa.Integer(), nullable=True),
    sa.Column('ruling', sa.String(length=300), nullable=False),
    sa.CheckConstraint("status IN ('open','upheld','dismissed')", name=op.f('ck_complaints_status')),
    sa.ForeignKeyConstraint(['creator_id'], ['creators.user_id'], name=op.f('fk_complaints_creator_id_creators')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.user_id'], name=op.f('fk_complaints_merchant_id_merchants')),
    sa.ForeignKeyConstraint(['order_id'], ['coop_orders.id'], name=op.f('fk_complaints_order_id_coop_orders')),
    sa.ForeignKeyConstraint(['ruled_by'], ['users.id'], name=op.f('fk_complaints_ruled_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints')),
    sa.UniqueConstraint('order_id', name=op.f('uq_complaints_order_id'))
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index('ix_complaints_status', ['status', 'filed_at'], unique=False)

    op.create_table('cart_items',
    sa.Column('creator_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['creator_id'], ['creators.user_id'], name=op.f('fk_cart_items_creator_id_creators')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_cart_items_product_id_products')),
    sa.PrimaryKeyConstraint('creator_id', 'product_id', name=op.f('pk_cart_items'))
    )
    op.create_table('exclusive_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('creator_id', sa.Integer(), nullable=False),
    sa.Column('daily_price_cents', sa.BigInteger(), nullable=False),
    sa.Column('live_price_cents', sa.BigInteger(), nullable=False),
    sa.Column('commission_rate', sa.Numeric(precision=5, scale=4), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('daily_price_cents > 0 AND live_price_cents > 0', name=op.f('ck_exclusive_items_prices')),
    sa.ForeignKeyConstraint(['creator_id'], ['creators.user_id'], name=op.f('fk_exclusive_items_creator_id_creators')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.user_id'], name=op.f('fk_exclusive_items_merchant_id_merchants')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_exclusive_items_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exclusive_items')),
    sa.UniqueConstraint('product_id', 'creator_id', name='product_creator')
    )
    with op.batch_alter_table('exclusive_items', schema=None) as batch_op:
        batch_op.create_index('ix_exclusive_items_creator', ['creator_id', 'id'], unique=False)

    op.create_table('intents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('creator_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.CheckConstraint("status IN ('open','submitted','withdrawn')", name=op.f('ck_intents_status')),
    sa.ForeignKeyConstraint(['creator_id'], ['creators.user_id'], name=op.f('fk_intents_creator_id_creators')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.user_id'], name=op.f('fk_intents_merchant_id_merchants')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_intents_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intents'))
    )
    with op.batch_alter_table('intents', schema=None) as batch_op:
        batch_op.create_index('ix_intents_merchant_status', ['merchant_id', 'status'], unique=False)

    op.create_table('sales',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('creator_id', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('paid_cents', sa.BigInteger(), nullable=False),
    sa.Column('commission_rate', sa.Numeric(precision=5, scale=4), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('paid_cents > 0', name=op.f('ck_sales_paid')),
    sa.ForeignKeyConstraint(['creator_id'], ['creators.user_id'], name=op.f('fk_sales_creator_id_creators')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.user_id'], name=op.f('fk_sales_merchant_id_merchants')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_sales_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales'))
    )
    with op.batch_alter_table('sales', schema=None) as batch_op:
        batch_op.create_index('ix_sales_creator_paid', ['creator_id', 'paid_at'], unique=False)

    op.create_table('stock_plan_items',
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('exclusive', sa.Boolean(), nullable=False),
    sa.Column('shown', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['stock_plans.id'], name=op.f('fk_stock_plan_items_plan_id_stock_plans')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_stock_plan_items_product_id_products')),
    sa.PrimaryKeyConstraint('plan_id', 'product_id', name=op.f('pk_stock_plan_items'))
    )
    op.create_table('order_products',
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('exclusive_item_id', sa.Integer(), nullable=False),
    sa.Column('shown', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['exclusive_item_id'], ['exclusive_items.id'], name=op.f('fk_order_products_exclusive_item_id_exclusive_items')),
    sa.ForeignKeyConstraint(['order_id'], ['coop_orders.id'], name=op.f('fk_order_products_order_id_coop_orders')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_order_products_product_id_products')),
    sa.PrimaryKeyConstraint('order_id', 'product_id', name=op.f('pk_order_products'))
    )
    


def downgrade() -> None:
    
    op.drop_table('order_products')
    op.drop_table('stock_plan_items')
    with op.batch_alter_table('sales', schema=None) as batch_op:
        batch_op.drop_index('ix_sales_creator_paid')

    op.drop_table('sales')
    with op.batch_alter_table('intents', schema=None) as batch_op:
        batch_op.drop_index('ix_intents_merchant_status')

    op.drop_table('intents')
    with op.batch_alter_table('exclusive_items', schema=None) as batch_op:
        batch_op.drop_index('ix_exclusive_items_creator')

    op.drop_table('exclusive_items')
    op.drop_table('cart_items')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index('ix_complaints_status')

    op.drop_table('complaints')
    with op.batch_alter_table('stock_plans', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_plans_status')
        batch_op.drop_index(batch_op.f('ix_stock_plans_creator_id'))

    op.drop_table('stock_plans')
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quotes_creator_id'))

    op.drop_table('quotes')
    with op.batch_alter_table('coop_orders', schema=None) as batch_op:
        batch_op.drop_index('ix_coop_orders_status_window')
        batch_op.drop_index('ix_coop_orders_status_latest')
        batch_op.drop_index('ix_coop_orders_merchant_status')
        batch_op.drop_index('ix_coop_orders_creator_status')

    op.drop_table('coop_orders')
    
