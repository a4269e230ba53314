"""initial schema: users, profiles, products, ledger, audit, notifications

Revision ID: 0001
Revises: 
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handle', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('verified', sa.Boolean(), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=True),
    sa.Column('zone', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('merchant','creator','agency','support')", name=op.f('ck_users_role')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('handle', name=op.f('uq_users_handle'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_role'), ['role'], unique=False)

    op.create_table('accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('balance_cents', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("kind = 'external' OR balance_cents >= 0", name=op.f('ck_accounts_not_negative')),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_accounts_owner_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('owner_id', 'kind', name='owner_kind')
    )
    op.create_table('agencies',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('city', sa.String(length=50), nullable=False),
    sa.Column('registered', sa.Boolean(), nullable=False),
    sa.Column('top_annual_contract', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_agencies_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_agencies'))
    )
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('entity', sa.String(length=32), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_log_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_actor_action', ['actor_id', 'action'], unique=False)
        batch_op.create_index('ix_audit_entity', ['entity', 'entity_id'], unique=False)

    op.create_table('creators',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('nickname', sa.String(length=100), nullable=False),
    sa.Column('level_v', sa.Integer(), nullable=False),
    sa.Column('level_l', sa.Integer(), nullable=False),
    sa.Column('fans', sa.BigInteger(), nullable=False),
    sa.Column('avg_viewers', sa.BigInteger(), nullable=False),
    sa.Column('quote_cents', sa.BigInteger(), nullable=False),
    sa.Column('resting', sa.Boolean(), nullable=False),
    sa.Column('categories', sa.String(length=200), nullable=False),
    sa.Column('bio', sa.Text(), nullable=False),
    sa.CheckConstraint('level_v BETWEEN 0 AND 7 AND level_l BETWEEN 0 AND 7', name=op.f('ck_creators_levels')),
    sa.CheckConstraint('quote_cents >= 0', name=op.f('ck_creators_quote')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_creators_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_creators'))
    )
    op.create_table('journals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('memo', sa.String(length=300), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('ref_type', sa.String(length=32), nullable=True),
    sa.Column('ref_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_journals_actor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_journals'))
    )
    with op.batch_alter_table('journals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_journals_at'), ['at'], unique=False)
        batch_op.create_index('ix_journals_ref', ['ref_type', 'ref_id'], unique=False)

    op.create_table('merchants',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('company', sa.String(length=200), nullable=False),
    sa.Column('contact_name', sa.String(length=50), nullable=False),
    sa.Column('contact_phone', sa.String(length=20), nullable=False),
    sa.Column('service_fee_rate', sa.Numeric(precision=5, scale=4), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_merchants_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_merchants'))
    )
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('params', sa.Text(), nullable=False),
    sa.Column('screen', sa.String(length=64), nullable=True),
    sa.Column('ref_id', sa.Integer(), nullable=True),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_read', ['user_id', 'read_at'], unique=False)

    op.create_table('postings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('journal_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_postings_account_id_accounts')),
    sa.ForeignKeyConstraint(['journal_id'], ['journals.id'], name=op.f('fk_postings_journal_id_journals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_postings'))
    )
    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_postings_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_postings_journal_id'), ['journal_id'], unique=False)

    op.create_table('stores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('standing', sa.String(length=16), nullable=False),
    sa.CheckConstraint("platform IN ('taobao','douyin')", name=op.f('ck_stores_platform')),
    sa.CheckConstraint("standing IN ('normal','restricted')", name=op.f('ck_stores_standing')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.user_id'], name=op.f('fk_stores_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stores'))
    )
    with op.batch_alter_table('stores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stores_merchant_id'), ['merchant_id'], unique=False)

    op.create_table('top_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('journal_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("method IN ('online','bank')", name=op.f('ck_top_ups_method')),
    sa.CheckConstraint("status IN ('pending','confirmed','rejected')", name=op.f('ck_top_ups_status')),
    sa.CheckConstraint('amount_cents > 0', name=op.f('ck_top_ups_amount')),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_top_ups_decided_by_users')),
    sa.ForeignKeyConstraint(['journal_id'], ['journals.id'], name=op.f('fk_top_ups_journal_id_journals')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.user_id'], name=op.f('fk_top_ups_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_top_ups'))
    )
    with op.batch_alter_table('top_ups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_top_ups_merchant_id'), ['merchant_id'], unique=False)

    op.create_table('products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('brand', sa.String(length=100), nullable=False),
    sa.Column('price_cents', sa.BigInteger(), nullable=False),
    sa.Column('sales', sa.BigInteger(), nullable=False),
    sa.Column('commission_rate', sa.Numeric(precision=5, scale=4), nullable=False),
    sa.Column('experience_score', sa.Numeric(precision=2, scale=1), nullable=False),
    sa.Column('recommend_index', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('price_cents > 0', name=op.f('ck_products_price')),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.user_id'], name=op.f('fk_products_merchant_id_merchants')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_products_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products'))
    )
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_products_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_products_merchant_id'), ['merchant_id'], unique=False)

    


    # The two system accounts every ledger entry can reach: the outside world and platform revenue.
    accounts = sa.table("accounts", sa.column("owner_id"), sa.column("kind"), sa.column("balance_cents"))
    op.bulk_insert(accounts, [
        {"owner_id": None, "kind": "external", "balance_cents": 0},
        {"owner_id": None, "kind": "platform_revenue", "balance_cents": 0},
    ])


def downgrade() -> None:
    
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_products_merchant_id'))
        batch_op.drop_index(batch_op.f('ix_products_category'))

    op.drop_table('products')
    with op.batch_alter_table('top_ups', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_top_ups_merchant_id'))

    op.drop_table('top_ups')
    with op.batch_alter_table('stores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stores_merchant_id'))

    op.drop_table('stores')
    with op.batch_alter_table('postings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_postings_journal_id'))
        batch_op.drop_index(batch_op.f('ix_postings_account_id'))

    op.drop_table('postings')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_read')

    op.drop_table('notifications')
    op.drop_table('merchants')
    with op.batch_alter_table('journals', schema=None) as batch_op:
        batch_op.drop_index('ix_journals_ref')
        batch_op.drop_index(batch_op.f('ix_journals_at'))

    op.drop_table('journals')
    op.drop_table('creators')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entity')
        batch_op.drop_index('ix_audit_actor_action')

    op.drop_table('audit_log')
    op.drop_table('agencies')
    op.drop_table('accounts')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_role'))

    op.drop_table('users')
    
