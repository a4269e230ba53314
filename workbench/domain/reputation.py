"""Two-sided reputation (信誉): the merchant's record, ratings, and how a record weighs in recommendations.

Seed 001 names merchants' faults as well as creators' (fake or damaged samples, slow answers), so a
merchant keeps a record as a creator does. Every figure here comes with its definition as text, shown
next to the figure; the numbers (windows, weights) come from `[reputation]` in `data/rules.toml`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from workbench.domain.errors import DomainError
from workbench.i18n import _

# Sample problems (样品问题) a creator may report.
REASONS = ("fake", "damaged", "wrong", "missing", "other")
STATUSES = ("open", "upheld", "dismissed")


_ZH = {"fake": "假货", "damaged": "破损", "wrong": "错发", "missing": "未收到", "other": "其他"}


def reason_label(reason: str) -> str:
    return {"fake": _("假货"), "damaged": _("破损"), "wrong": _("错发"), "missing": _("未收到"),
            "other": _("其他")}.get(reason, reason)


def status_label(status: str) -> str:
    return {"open": _("待处理"), "upheld": _("成立"), "dismissed": _("不成立")}.get(status, status)


def check_reason(reason: str) -> str:
    """The reason is one of the five kinds; Chinese labels are accepted too (假货, 破损...)."""
    value = reason.strip().lower()
    for r in REASONS:
        if value in (r, _ZH[r], reason_label(r).lower()):
            return r
    raise DomainError(_("问题类型应为 fake/damaged/wrong/missing/other (假货/破损/错发/未收到/其他): {value}").format(
        value=reason[:40]), field="reason")


@dataclass(frozen=True, slots=True)
class MerchantCounts:
    """What a merchant's record is computed from (all counted by the store in one query)."""

    invitations_due: int = 0     # invitations answered, or still unanswered after the window
    answered_in_time: int = 0    # paid or declined within the window
    checks_due: int = 0          # live tasks checked, or still awaiting the check after the window
    paid_in_time: int = 0        # checked (the creator paid) within the window
    samples_shipped: int = 0
    sample_problems: int = 0     # reported by creators and upheld by support
    ratings: int = 0
    rating_sum: int = 0


RECORD_FIELDS = ("invitations_due", "answered_in_time", "checks_due", "paid_in_time", "samples_shipped",
                 "sample_problems", "ratings", "rating_sum")   # MerchantCounts' fields, as stored


@dataclass(frozen=True, slots=True)
class MerchantRecord:
    response: Decimal | None          # None: nothing to judge yet
    on_time_payment: Decimal | None
    sample_problems: Decimal | None   # share of shipped samples with an upheld problem
    rating: Decimal | None            # average 1-5, one decimal
    counts: MerchantCounts


def share(part: int, whole: int) -> Decimal | None:
    return None if whole <= 0 else Decimal(part) / Decimal(whole)


def average_rating(total: int, n: int) -> Decimal | None:
    """The average of 1-5 scores, to one decimal (half up)."""
    if n <= 0:
        return None
    return (Decimal(total) / Decimal(n)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def merchant_record(c: MerchantCounts) -> MerchantRecord:
    return MerchantRecord(share(c.answered_in_time, c.invitations_due), share(c.paid_in_time, c.checks_due),
                          share(c.sample_problems, c.samples_shipped), average_rating(c.rating_sum, c.ratings), c)


@dataclass(frozen=True, slots=True)
class Weights:
    """How much each part counts in the record factor, and how much of a rank the factor can take."""

    response: Decimal
    samples: Decimal
    payment: Decimal
    rating: Decimal
    stake: Decimal        # at most this share of a product's recommendation index depends on the record
    min_cases: int        # a part with fewer cases than this is not weighed


@dataclass(frozen=True, slots=True)
class Factor:
    """The merchant's record factor (信誉系数, 0-1; 1 = spotless or not judged yet) with its parts."""

    value: Decimal
    parts: tuple[tuple[str, Decimal, Decimal], ...]    # (part key, part value 0-1, weight) of weighed parts


NEUTRAL = Factor(Decimal(1), ())


def merchant_factor(record: MerchantRecord, w: Weights) -> Factor:
    """Weighted mean of the judged parts: response rate, 1 - sample problem rate, on-time payment
    rate and (rating - 1) / 4. A part with fewer than `min_cases` cases is left out, so a new merchant
    is neither pushed down nor up (an upheld sample problem counts from the first: a fault is a fault);
    with no part judged the factor is 1."""
    c = record.counts
    parts: list[tuple[str, Decimal, Decimal]] = []
    if record.response is not None and c.invitations_due >= w.min_cases:
        parts.append(("response", record.response, w.response))
    if record.sample_problems is not None and (c.samples_shipped >= w.min_cases or c.sample_problems > 0):
        parts.append(("samples", 1 - record.sample_problems, w.samples))
    if record.on_time_payment is not None and c.checks_due >= w.min_cases:
        parts.append(("payment", record.on_time_payment, w.payment))
    if record.rating is not None and c.ratings >= w.min_cases:
        parts.append(("rating", (record.rating - 1) / 4, w.rating))
    weight = sum((p[2] for p in parts if p[2] > 0), Decimal(0))
    if weight == 0:
        return NEUTRAL
    value = sum((v * wt for _k, v, wt in parts), Decimal(0)) / weight
    return Factor(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), tuple(parts))


def composite(index: int, factor: Decimal, stake: Decimal) -> Decimal:
    """推荐分 = 推荐指数 × (1 - stake × (1 - 信誉系数)); never above the index (so a walk in index
    order can stop once the index falls below the last place taken)."""
    return (Decimal(index) * (1 - stake * (1 - factor))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@lru_cache(maxsize=8192)
def record_factor(counts: MerchantCounts, w: Weights) -> Factor:
    """A pure function of the counts and the weights, so remembered: a dashboard refresh ranks a few
    hundred merchants whose records seldom change between refreshes."""
    return merchant_factor(merchant_record(counts), w)


def factors_of(stored: dict[int, MerchantCounts], merchant_ids: Iterable[int], w: Weights) -> dict[int, Factor]:
    """The factor of each merchant from its stored counts; a merchant without a record is new (neutral)."""
    return {mid: record_factor(stored[mid], w) if mid in stored else NEUTRAL for mid in merchant_ids}


Key = tuple[int, int, int]      # (product id, merchant id, recommendation index)


def rank(fetch: Callable[[int, int], list[Key]], factors: Callable[[set[int]], dict[int, Factor]],
         want: int, stake: Decimal) -> list[tuple[Decimal, int, int, int, Factor]]:
    """The best `want` products by 推荐分, as (score, product id, merchant id, index, factor).

    `fetch(offset, limit)` reads keys in index order (highest index first); each batch goes on from
    where the last one ended. A score never exceeds its index, so the walk stops once the next
    index is below the last place taken. `factors(ids)` gives the factors of merchants not seen yet."""
    known: dict[int, Factor] = {}
    batch = max(4 * want, 50)
    scored: list[tuple[Decimal, int, int, int]] = []
    read = 0
    while True:
        rows = fetch(read, batch - read)
        read += len(rows)
        known.update(factors({mid for _pid, mid, _ix in rows} - known.keys()))
        scored = sorted(scored + [(composite(ix, known[mid].value, stake), pid, mid, ix) for pid, mid, ix in rows],
                        key=lambda x: (-x[0], x[1]))
        if read < batch or not rows or (len(scored) >= want and scored[want - 1][0] > rows[-1][2]):
            break
        batch *= 4
    return [(score, pid, mid, ix, known[mid]) for score, pid, mid, ix in scored[:want]]


def breakdown(index: int, factor: Decimal, stake: Decimal) -> str:
    """How a score was made, for the row that shows it: "80 × (1 - 30% × (1 - 0.92)) = 78.1"."""
    return "{i} × (1 - {s} × (1 - {f})) = {c}".format(
        i=index, s=f"{stake * 100:.0f}%", f=f"{factor:.2f}", c=composite(index, factor, stake))


def short_breakdown(index: int, factor: Decimal, stake: Decimal) -> str:
    """The same in a table cell: "69.7 = 80 × 0.87" (0.87 = 1 - stake × (1 - factor))."""
    multiplier = 1 - stake * (1 - factor)
    return f"{composite(index, factor, stake)} = {index} × {multiplier:.2f}"


def pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


# ---- definitions shown next to each figure ("定义: ...") -------------------------------------

def definition_response(hours: int) -> str:
    return _("定义: {h} 小时内答复 (付款或拒绝) 的邀约 / 已到期的邀约 (已答复, 或超过 {h} 小时仍未答复)").format(h=hours)


def definition_payment(hours: int) -> str:
    return _("定义: 直播结束 (开播时间 + 时长) 后 {h} 小时内验收付款的任务 / 应付款的任务 (已验收, 或超过 {h} 小时仍待验收)").format(h=hours)


def definition_samples() -> str:
    return _("定义: 主播报告且经平台认定成立的样品问题 (假货/破损/错发/未收到/其他) / 已寄出的样品")


def definition_rating() -> str:
    return _("定义: 合作结束后对方给出的评分 (1–5 分) 的平均值")


def definition_factor(w: Weights) -> str:
    return _("定义: 各项按权重平均 (响应率 {r}, 无样品问题 {s}, 按时付款 {p}, (评分-1)/4 {g}); 少于 {n} 例的项不计 (成立的样品问题从第一例起计), 都不计时为 1").format(
        r=f"{w.response:g}", s=f"{w.samples:g}", p=f"{w.payment:g}", g=f"{w.rating:g}", n=w.min_cases)


def definition_score(w: Weights) -> str:
    return _("定义: 推荐分 = 推荐指数 × (1 - {stake} × (1 - 商家信誉系数))").format(stake=f"{w.stake * 100:.0f}%")
