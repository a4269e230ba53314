"""income slots: money credited to each available account per UTC quarter-hour, for the month's income

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


# The quarter-hour each journal falls in (SQLite keeps times as text 'YYYY-MM-DD HH:MM:SS.ffffff').
SLOT = {
    "sqlite": "substr(j.at, 1, 14) || printf('%02d', (CAST(substr(j.at, 15, 2) AS INTEGER) / 15) * 15)"
              " || '\\:00.000000'",   # the colon escaped from sa.text's bind parameters
    "postgresql": "to_timestamp(floor(extract(epoch from j.at) / 900) * 900)",
}

# What services.ledger writes with each posting, for the postings already there.
FILL = """
INSERT INTO income_slots (account_id, slot_at, amount_cents)
SELECT p.account_id, {slot}, SUM(p.amount_cents)
FROM postings p JOIN journals j ON j.id = p.journal_id JOIN accounts a ON a.id = p.account_id
WHERE a.kind = 'available' AND p.amount_cents > 0 AND j.kind <> 'top_up'
GROUP BY p.account_id, {slot}
"""


def upgrade() -> None:
    op.create_table('income_slots',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('slot_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_income_slots_account_id_accounts')),
    sa.PrimaryKeyConstraint('account_id', 'slot_at', name=op.f('pk_income_slots'))
    )
    bind = op.get_bind()
    bind.execute(sa.text(FILL.format(slot=SLOT[bind.dialect.name])))


def downgrade() -> None:
    op.drop_table('income_slots')
