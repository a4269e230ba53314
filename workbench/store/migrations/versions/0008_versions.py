"""versions: a version number on every row people edit, so a stale edit is refused

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

# Orders (coop_orders), tasks (live_tasks) and delivery preferences already carry one.
TABLES = ('products', 'top_ups', 'disputes', 'stock_plans', 'complaints', 'creator_bindings', 'store_bindings')


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
