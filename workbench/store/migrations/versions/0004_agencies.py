"""agencies: creator and store bindings, base pool, sign-ins, secrets, fee split on sales

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    
    op.create_table('secrets',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('value', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_secrets'))
    )
    op.create_table('creator_bindings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('creator_id', sa.Integer(), nullable=False),
    sa.Column('strong', sa.Boolean(), nullable=False),
    sa.Column('creator_share', sa.Numeric(precision=5, scale=4), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('invited','active','declined','ended')", name=op.f('ck_creator_bindings_status')),
    sa.CheckConstraint('creator_share >= 0 AND creator_share <= 1', name=op.f('ck_creator_bindings_share')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.user_id'], name=op.f('fk_creator_bindings_agency_id_agencies')),
    sa.ForeignKeyConstraint(['creator_id'], ['creators.user_id'], name=op.f('fk_creator_bindings_creator_id_creators')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_creator_bindings'))
    )
    with op.batch_alter_table('creator_bindings', schema=None) as batch_op:
        batch_op.create_index('ix_creator_bindings_agency', ['agency_id', 'status'], unique=False)
        batch_op.create_index('ix_creator_bindings_creator', ['creator_id', 'status'], unique=False)

    op.create_table('sign_ins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('creator_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('signed_in_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.user_id'], name=op.f('fk_sign_ins_agency_id_agencies')),
    sa.ForeignKeyConstraint(['creator_id'], ['creators.user_id'], name=op.f('fk_sign_ins_creator_id_creators')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_ins'))
    )
    with op.batch_alter_table('sign_ins', schema=None) as batch_op:
        batch_op.create_index('ix_sign_ins_creator', ['creator_id', 'ended_at'], unique=False)

    op.create_table('store_bindings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('invited','active','declined','ended')", name=op.f('ck_store_bindings_status')),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.user_id'], name=op.f('fk_store_bindings_agency_id_agencies')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_store_bindings_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_store_bindings'))
    )
    with op.batch_alter_table('store_bindings', schema=None) as batch_op:
        batch_op.create_index('ix_store_bindings_agency', ['agency_id', 'status'], unique=False)
        batch_op.create_index('ix_store_bindings_store', ['store_id', 'status'], unique=False)

    op.create_table('base_pool',
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('listed', sa.Boolean(), nullable=False),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.user_id'], name=op.f('fk_base_pool_agency_id_agencies')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_base_pool_product_id_products')),
    sa.PrimaryKeyConstraint('agency_id', 'product_id', name=op.f('pk_base_pool'))
    )
    with op.batch_alter_table('sales', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agency_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('fee_cents', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('platform_cents', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('creator_fee_cents', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('agency_fee_cents', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_sales_agency_id_agencies'), 'agencies', ['agency_id'], ['user_id'])

    


def downgrade() -> None:
    
    with op.batch_alter_table('sales', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_sales_agency_id_agencies'), type_='foreignkey')
        batch_op.drop_column('agency_fee_cents')
        batch_op.drop_column('creator_fee_cents')
        batch_op.drop_column('platform_cents')
        batch_op.drop_column('fee_cents')
        batch_op.drop_column('agency_id')

    op.drop_table('base_pool')
    with op.batch_alter_table('store_bindings', schema=None) as batch_op:
        batch_op.drop_index('ix_store_bindings_store')
        batch_op.drop_index('ix_store_bindings_agency')

    op.drop_table('store_bindings')
    with op.batch_alter_table('sign_ins', schema=None) as batch_op:
        batch_op.drop_index('ix_sign_ins_creator')

    op.drop_table('sign_ins')
    with op.batch_alter_table('creator_bindings', schema=None) as batch_op:
        batch_op.drop_index('ix_creator_bindings_creator')
        batch_op.drop_index('ix_creator_bindings_agency')

    op.drop_table('creator_bindings')
    op.drop_table('secrets')
    
