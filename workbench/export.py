"""Writing Excel workbooks (a creator's income, post-campaign reports), with typed number and date cells."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from workbench.domain.errors import DomainError
from workbench.i18n import _
from workbench.services.income import IncomeView
from workbench.services.reports import ReportDetail

MONEY = '"¥"#,##0.00'
RATE = "0.0%"
WHEN = "yyyy-mm-dd hh:mm"
DAY = "yyyy-mm-dd"


def _yuan(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def income_workbook(view: IncomeView, zone: str, path: Path) -> Path:
    """Three sheets: slot-fee bill, commission per day, commission per order. Times in the user's zone."""
    tz = ZoneInfo(zone)
    book = Workbook()
    bill = book.active
    bill.title = _("坑位费账单")
    sheets = [
        (bill, [_("时间"), _("类型"), _("关联"), _("金额")],
         [(b.at.astimezone(tz).replace(tzinfo=None), b.kind, b.ref, _yuan(b.amount_cents)) for b in view.bill],
         [WHEN, None, None, MONEY]),
        (book.create_sheet(_("佣金按日")), [_("日期"), _("订单数"), _("成交额"), _("预估佣金")],
         [(d.day, d.orders, _yuan(d.paid_cents), _yuan(d.estimate_cents)) for d in view.per_day],
         [DAY, "0", MONEY, MONEY]),
        (book.create_sheet(_("佣金按订单")), [_("订单"), _("成交时间"), _("商品"), _("实付"), _("佣金率"), _("预估佣金")],
         [(x.sale_id, x.paid_at.astimezone(tz).replace(tzinfo=None), x.product, _yuan(x.paid_cents), x.rate,
           _yuan(x.estimate_cents)) for x in view.per_order],
         ["0", WHEN, None, MONEY, RATE, MONEY]),
    ]
    for sheet, headers, rows, formats in sheets:
        _fill(sheet, headers, rows, formats)
    return _save(book, path)


def _fill(sheet, headers: list[str], rows: list, formats: list[str | None]) -> None:
    """A header row in bold, then the rows, with number formats per column and the header frozen."""
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for col, fmt in enumerate(formats, start=1):
        letter = get_column_letter(col)
        sheet.column_dimensions[letter].width = 20 if fmt in (WHEN, None) else 14
        if fmt:
            for cell in sheet[letter][1:]:
                cell.number_format = fmt
    sheet.freeze_panes = "A2"


def _save(book: Workbook, path: Path) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        book.save(path)
    except (OSError, ValueError) as exc:   # ValueError: a NUL in the name
        why = getattr(exc, "strerror", None) or str(exc)
        raise DomainError(_("无法写入 {path}: {why}").format(path=path, why=why), field="out") from None
    return path


def reports_workbook(details: list[ReportDetail], zone: str, path: Path) -> Path:
    """Post-campaign reports: a summary row per cooperation, GMV per day after each live, the ratings.

    Money, counts, ROI and times are typed cells (times in the user's zone); a ratio that cannot be
    computed (cost 0) is an empty cell."""
    tz = ZoneInfo(zone)

    def when(at: datetime | None) -> datetime | None:
        return at.astimezone(tz).replace(tzinfo=None) if at is not None else None

    book = Workbook()
    summary = book.active
    summary.title = _("复盘汇总")
    sides = {"merchant": _("商家"), "creator": _("主播")}
    _fill(summary,
          [_("合作"), _("商家"), _("主播"), _("状态"), _("完成时间"), _("直播开始"), _("归因截止"), _("截止时间"),
           _("准时"), _("报价"), _("坑位费"), _("佣金 (推广服务费)"), _("成本"), _("GMV"), _("成交订单"), _("ROI")],
          [(d.title, d.merchant, d.creator, d.state, when(d.finished_at), when(d.live_at), when(d.window_ends_at),
            when(d.deadline), _("准时") if d.on_time else _("逾期"), _yuan(d.quote_cents), _yuan(d.slot_fee_cents),
            _yuan(d.commission_cents), _yuan(d.cost_cents), _yuan(d.gmv_cents), d.orders, d.roi)
           for d in details],
          [None, None, None, None, WHEN, WHEN, WHEN, WHEN, None, MONEY, MONEY, MONEY, MONEY, MONEY, "0", "0.00"])
    _fill(book.create_sheet(_("每日 GMV")), [_("合作"), _("日期"), _("订单数"), _("GMV")],
          [(d.title, day.day, day.orders, _yuan(day.gmv_cents)) for d in details for day in d.per_day],
          [None, DAY, "0", MONEY])
    _fill(book.create_sheet(_("评价")), [_("合作"), _("评价方"), _("评价人"), _("被评价人"), _("评分"), _("内容"), _("时间")],
          [(d.title, sides[r.side], r.rater, r.ratee, r.score, r.comment, when(r.rated_at))
           for d in details for r in d.ratings],
          [None, None, None, None, "0", None, WHEN])
    return _save(book, path)
