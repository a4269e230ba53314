"""Income (收入): slot-fee bill lines and commission estimates per day and per order; export to Excel."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Header, Static

from screens.base import WorkScreen
from screens.widgets.dialogs import FormDialog
from screens.widgets.form import FieldSpec
from screens.widgets.panel import Panel
from screens.widgets.table import fill_table
from workbench.domain.formatting import local_time
from workbench.domain.money import format_money, format_rate
from workbench.i18n import N_, _
from workbench.services import income


def _export(view: income.IncomeView, zone: str, path: str):
    """A use-case-shaped step for the dialog: write the workbook (no store involved)."""
    from workbench.export import income_workbook

    def run(_uow, _actor, _cmd=None):
        return income_workbook(view, zone, Path(path).expanduser())

    run.read_only = True  # type: ignore[attr-defined]
    return run


class IncomeScreen(WorkScreen):
    CSS_PATH = "income.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到工作台"), id="income.back"),
        Binding("x", "export", N_("导出 Excel"), tooltip=N_("导出收入明细到 .xlsx"), id="income.export"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view: income.IncomeView | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="totals")
        with Horizontal(id="income"):
            yield Panel(_("坑位费账单"), DataTable(id="bill", cursor_type="row"), id="bill-panel")
            with Vertical(id="commission"):
                yield Panel(_("预估佣金 · 按日"), DataTable(id="per-day", cursor_type="row"), id="day-panel")
                yield Panel(_("预估佣金 · 按订单"), DataTable(id="per-order", cursor_type="row"), id="order-panel")
        yield Footer()

    def fetch(self) -> income.IncomeView:
        return self.wb_app.wb.run(income.income, self.wb_app.actor)

    def show(self, v: income.IncomeView) -> None:
        self.view = v
        zone = self.wb_app.actor.zone
        self.query_one("#totals", Static).update(
            _("坑位费合计 {fees}    预估佣金合计 {commission}    (佣金为预估, 以结算为准)").format(
                fees=format_money(v.slot_fees_cents), commission=format_money(v.commission_cents)))
        fill_table(self.query_one("#bill", DataTable), (_("时间"), _("类型"), _("关联"), _("金额")),
                   [(local_time(b.at, zone), b.kind, b.ref, format_money(b.amount_cents)) for b in v.bill])
        fill_table(self.query_one("#per-day", DataTable), (_("日期"), _("订单数"), _("成交额"), _("预估佣金")),
                   [(d.day.isoformat(), str(d.orders), format_money(d.paid_cents), format_money(d.estimate_cents))
                    for d in v.per_day])
        fill_table(self.query_one("#per-order", DataTable),
                   (_("订单"), _("成交时间"), _("商品"), _("实付"), _("佣金率"), _("预估佣金")),
                   [(f"#{x.sale_id}", local_time(x.paid_at, zone), x.product, format_money(x.paid_cents),
                     format_rate(x.rate), format_money(x.estimate_cents)) for x in v.per_order])

    def action_export(self) -> None:
        if self.view is None:
            return
        zone = self.wb_app.actor.zone
        self.app.push_screen(FormDialog(
            _("导出收入明细"), [FieldSpec("path", _("保存为"), value="~/收入明细.xlsx")],
            lambda v: (_export(self.view, zone, v["path"]), None),
            note=_("三张表: 坑位费账单、按日佣金、按订单佣金; 金额与日期为数值单元格。"), submit=_("导出"),
            done=lambda path: self.app.notify(_("已导出 {path}").format(path=path))))
