"""The fee calculator (服务费计算器): price, rate, bound or not, split → each party's share, to the fen."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Footer, Header, Input, Select, Static

from screens.base import WorkScreen
from screens.widgets.form import FieldSpec, Form
from screens.widgets.panel import Panel
from workbench.domain.agency import FeeSplit
from workbench.domain.errors import DomainError
from workbench.domain.money import format_money
from workbench.i18n import N_, _
from workbench.services import fees


class FeeCalcScreen(WorkScreen):
    DEFAULT_CSS = """
    FeeCalcScreen #calc { height: 1fr; padding: 0 1; }
    FeeCalcScreen #calc-form { width: 1fr; height: 100%; }
    FeeCalcScreen #calc-result { width: 1fr; height: 100%; }
    """
    BINDINGS = [Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到工作台"), id="fee_calc.back")]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="calc"):
            yield Panel(_("服务费计算器"), Form([
                FieldSpec("price", _("实际成交价 (元)"), value="100.00"),
                FieldSpec("rate", _("服务费率 (商家设置)"), value="20%"),
                FieldSpec("bound", _("付款时主播是否绑定机构"), choices=[(_("已绑定机构"), "yes"), (_("个人主播"), "no")]),
                FieldSpec("creator_share", _("主播分成 (剩余 70% 中)"), value="60%"),
            ]), id="calc-form")
            yield Panel(_("分配结果"), Static(id="result"), id="calc-result")
        yield Footer()

    def on_mount(self) -> None:
        self._calculate()

    def on_input_changed(self, _event: Input.Changed) -> None:
        self._calculate()

    def on_select_changed(self, _event: Select.Changed) -> None:
        self._calculate()

    def _calculate(self) -> None:
        form = self.query_one(Form)
        form.clear_errors()
        v = form.values()
        try:
            query = fees.FeeQuery.parse(price=v["price"], rate=v["rate"], bound=v["bound"] == "yes",
                                        creator_share=v["creator_share"])
        except DomainError as exc:
            form.show_error(exc.field, exc.message)
            return
        self.wb_app.perform(fees.calculate_fee, query, done=self._show)

    def _show(self, split: FeeSplit) -> None:
        grid = Table.grid(padding=(0, 2), expand=True)
        grid.add_column(style="dim")
        grid.add_column(justify="right", style="bold")
        for label, cents in ((_("服务费"), split.fee_cents), (_("平台"), split.platform_cents),
                             (_("主播"), split.creator_cents), (_("机构"), split.agency_cents)):
            grid.add_row(label, format_money(cents))
        self.query_one("#result", Static).update(grid)
