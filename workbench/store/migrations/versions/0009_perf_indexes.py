"""perf indexes: the dashboard's counts and figures and the order list read a few index entries

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_products_category_rank', 'products', ['category', sa.text('recommend_index DESC'), 'id']),
    ('ix_products_rank', 'products', [sa.text('recommend_index DESC'), 'id', 'category']),
    ('ix_top_ups_status', 'top_ups', ['status', 'created_at']),
    ('ix_audit_at', 'audit_log', ['at']),
    ('ix_live_tasks_creator_state', 'live_tasks', ['creator_id', 'status', 'sub_status', 'air_at']),
    ('ix_live_tasks_merchant_state', 'live_tasks', ['merchant_id', 'status', 'sub_status']),
    ('ix_coop_orders_status_id', 'coop_orders', ['status', 'id']),
    ('ix_sales_agency_paid', 'sales', ['agency_id', 'paid_at']),
    ('ix_creators_viewers', 'creators', [sa.text('avg_viewers DESC'), 'user_id']),
    ('ix_creators_fans', 'creators', ['fans']),
    ('ix_postings_account_journal', 'postings', ['account_id', 'journal_id', 'amount_cents']),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
