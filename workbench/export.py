"""Writing a creator's income to an Excel workbook, with typed number and date cells."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from workbench.domain.errors import DomainError
from workbench.i18n import _
from workbench.services.income import IncomeView

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
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        book.save(path)
    except (OSError, ValueError) as exc:   # ValueError: a NUL in the name
        why = getattr(exc, "strerror", None) or str(exc)
        raise DomainError(_("无法写入 {path}: {why}").format(path=path, why=why), field="out") from None
    return path
