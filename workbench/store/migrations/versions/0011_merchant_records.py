"""merchant records: each merchant's record counts, precomputed for ranking

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23
"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def _hours(dialect: str, later: str, earlier: str) -> str:
    """Hours from `earlier` to `later` (SQLite keeps times as text, PostgreSQL as timestamps)."""
    if dialect == "sqlite":
        return f"(julianday({later}) - julianday({earlier})) * 24"
    return f"extract(epoch from ({later} - {earlier})) / 3600"


def _windows() -> tuple[int, int]:
    """The response and payment windows of the rules in force (the record's definitions)."""
    try:
        from workbench.config import load_rules

        r = load_rules().reputation
    except Exception:   # no readable rules file here: the defaults, the periodic refresh corrects
        from workbench.config import ReputationRules

        r = ReputationRules()
    return r.response_hours, r.payment_hours


# The same grouped counts as services.reputation.merchant_counts, for every merchant at once, so an
# upgraded store ranks by its merchants' records at once.
FILL = """
INSERT INTO merchant_records (merchant_id, invitations_due, answered_in_time, checks_due, paid_in_time,
                              samples_shipped, sample_problems, ratings, rating_sum, computed_at)
SELECT m.user_id, COALESCE(o.due, 0), COALESCE(o.in_time, 0), COALESCE(t.due, 0), COALESCE(t.in_time, 0),
       COALESCE(o.shipped, 0), COALESCE(r.n, 0), COALESCE(g.n, 0), COALESCE(g.total, 0), :now
FROM merchants m
LEFT JOIN (
    SELECT merchant_id AS mid,
           SUM(CASE WHEN paid_at IS NOT NULL OR status = 'declined' OR {since_invited} > :response_hours
                    THEN 1 ELSE 0 END) AS due,
           SUM(CASE WHEN (paid_at IS NOT NULL OR status = 'declined') AND {answer_hours} <= :response_hours
                    THEN 1 ELSE 0 END) AS in_time,
           SUM(CASE WHEN shipped_at IS NOT NULL THEN 1 ELSE 0 END) AS shipped
    FROM coop_orders GROUP BY merchant_id
) o ON o.mid = m.user_id
LEFT JOIN (
    SELECT merchant_id AS mid,
           SUM(CASE WHEN status = 'completed'
                         OR (status = 'in_progress' AND sub_status = 'awaiting_check'
                             AND {since_air} > hours + :payment_hours)
                    THEN 1 ELSE 0 END) AS due,
           SUM(CASE WHEN status = 'completed' AND {check_hours} <= hours + :payment_hours
                    THEN 1 ELSE 0 END) AS in_time
    FROM live_tasks WHERE status IN ('completed', 'in_progress') GROUP BY merchant_id
) t ON t.mid = m.user_id
LEFT JOIN (
    SELECT merchant_id AS mid, COUNT(*) AS n FROM sample_reports WHERE status = 'upheld' GROUP BY merchant_id
) r ON r.mid = m.user_id
LEFT JOIN (
    SELECT ratee_id AS mid, COUNT(*) AS n, SUM(score) AS total FROM ratings GROUP BY ratee_id
) g ON g.mid = m.user_id
"""


def upgrade() -> None:
    op.create_table('merchant_records',
    sa.Column('merchant_id', sa.Integer(), nullable=False),
    sa.Column('invitations_due', sa.Integer(), nullable=False),
    sa.Column('answered_in_time', sa.Integer(), nullable=False),
    sa.Column('checks_due', sa.Integer(), nullable=False),
    sa.Column('paid_in_time', sa.Integer(), nullable=False),
    sa.Column('samples_shipped', sa.Integer(), nullable=False),
    sa.Column('sample_problems', sa.Integer(), nullable=False),
    sa.Column('ratings', sa.Integer(), nullable=False),
    sa.Column('rating_sum', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['merchant_id'], ['merchants.user_id'], name=op.f('fk_merchant_records_merchant_id_merchants')),
    sa.PrimaryKeyConstraint('merchant_id', name=op.f('pk_merchant_records'))
    )
    bind = op.get_bind()
    d = bind.dialect.name
    response_hours, payment_hours = _windows()
    sql = FILL.format(since_invited=_hours(d, ":now", "invited_at"),
                      answer_hours=_hours(d, "COALESCE(paid_at, closed_at)", "invited_at"),
                      since_air=_hours(d, ":now", "air_at"), check_hours=_hours(d, "closed_at", "air_at"))
    bind.execute(sa.text(sql).bindparams(sa.bindparam("now", datetime.now(UTC), type_=sa.DateTime(timezone=True)),
                                         response_hours=response_hours, payment_hours=payment_hours))


def downgrade() -> None:
    op.drop_table('merchant_records')
