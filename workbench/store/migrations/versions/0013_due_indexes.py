"""due indexes: the indexes over orders' deadlines hold only the orders waiting for them; postings and
journals lose the indexes no query reads

Every order that moves on in its flow used to be filed again under its new state in the two indexes
of deadlines (state, schedule window) and (state, latest delivery), although only orders waiting for
that deadline are ever looked up in them: now they are partial indexes over those orders, and an order
that moves on leaves them. postings.account_id had an index of its own beside (account_id, journal_id,
amount_cents), which serves every lookup by account; journals had one on (ref_type, ref_id), which no
query reads. Each transition that falls due (ten thousand at once on a large store) wrote entries in
all of them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# As workbench.store.models writes them (models.waiting_in): a query uses a partial index only if
# its WHERE repeats this condition, so the two must not drift apart.
WINDOW_WAITING = "status = 'sample_shipped'"
DELIVERY_WAITING = "status = 'scheduled' OR status = 'confirmed'"


def upgrade() -> None:
    op.create_index('ix_coop_orders_window_due', 'coop_orders', ['status', 'window_ends_at'], unique=False,
                    sqlite_where=sa.text(WINDOW_WAITING), postgresql_where=sa.text(WINDOW_WAITING))
    op.create_index('ix_coop_orders_delivery_due', 'coop_orders', ['status', 'latest_delivery_at'], unique=False,
                    sqlite_where=sa.text(DELIVERY_WAITING), postgresql_where=sa.text(DELIVERY_WAITING))
    op.drop_index('ix_coop_orders_status_window', table_name='coop_orders')
    op.drop_index('ix_coop_orders_status_latest', table_name='coop_orders')
    op.drop_index('ix_postings_account_id', table_name='postings')
    op.drop_index('ix_journals_ref', table_name='journals')


def downgrade() -> None:
    op.create_index('ix_journals_ref', 'journals', ['ref_type', 'ref_id'], unique=False)
    op.create_index('ix_postings_account_id', 'postings', ['account_id'], unique=False)
    op.create_index('ix_coop_orders_status_latest', 'coop_orders', ['status', 'latest_delivery_at'], unique=False)
    op.create_index('ix_coop_orders_status_window', 'coop_orders', ['status', 'window_ends_at'], unique=False)
    op.drop_index('ix_coop_orders_delivery_due', table_name='coop_orders')
    op.drop_index('ix_coop_orders_window_due', table_name='coop_orders')
