"""Post-campaign report (复盘报告) figures: return on investment, punctuality and rating rules."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from workbench.domain.errors import DomainError
from workbench.i18n import _

COMMENT_MAX = 300
SCORES = (1, 2, 3, 4, 5)

# Finished cooperations, which have a report and may be rated (待评价): delivered or overdue
# orders (OrderStatus) and completed live tasks (TaskStatus).
FINISHED_ORDER = ("delivered", "overdue")
FINISHED_TASK = ("completed",)


def roi(gmv_cents: int, cost_cents: int) -> Decimal | None:
    """ROI = GMV ÷ cost, to two places; None when nothing was spent (no ratio to speak of)."""
    if cost_cents <= 0:
        return None
    return (Decimal(gmv_cents) / Decimal(cost_cents)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def on_time(done_at: datetime | None, deadline: datetime | None, grace: timedelta = timedelta(0)) -> bool:
    """Done no later than the deadline that applied (plus a grace); never done is late."""
    if done_at is None:
        return False
    if deadline is None:
        return True
    return done_at <= deadline + grace


def check_score(value: object) -> int:
    """A rating is a whole number of stars from 1 to 5."""
    text = str(value).strip() if value is not None else ""
    if isinstance(value, bool) or not text.isdecimal() or int(text) not in SCORES:
        raise DomainError(_("评分须为 1 到 5 的整数"), field="score")
    return int(text)


def check_comment(value: str) -> str:
    text = value.strip()
    if len(text) > COMMENT_MAX:
        raise DomainError(_("评价内容最多 {n} 字").format(n=COMMENT_MAX), field="comment")
    if any(not c.isprintable() and c not in "\n" for c in text):
        raise DomainError(_("评价内容含有不可显示的控制字符"), field="comment")
    return text
