"""Base data (基地数据): GMV and orders of bound stores' products by bound creators, with a chart."""

from __future__ import annotations

from collections import defaultdict

import plotext
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Static

from screens.base import WorkScreen
from screens.widgets.panel import Panel
from screens.widgets.table import fill_table
from workbench.domain.money import format_money
from workbench.i18n import N_, _
from workbench.services import agency


def gmv_chart(data: agency.BaseData, width: int, height: int) -> Text:
    """Daily GMV (yuan) as a bar chart drawn by plotext, in the terminal's colours."""
    per_day: dict[str, int] = defaultdict(int)
    for d in data.per_day:
        per_day[d.day.strftime("%m-%d")] += d.gmv_cents
    plotext.clf()
    plotext.plotsize(max(width, 20), max(height, 6))
    plotext.theme("clear")
    if per_day:
        days = sorted(per_day)
        plotext.bar(days, [per_day[d] / 100 for d in days])
    plotext.xlabel("")
    return Text.from_ansi(plotext.build())


class BaseDataScreen(WorkScreen):
    DEFAULT_CSS = """
    BaseDataScreen #totals { margin: 1 2 0 2; height: 1; }
    BaseDataScreen #data-row { height: 1fr; padding: 0 1; }
    BaseDataScreen #creators-panel { width: 2fr; height: 100%; }
    BaseDataScreen #chart-panel { width: 3fr; height: 100%; }
    BaseDataScreen DataTable { height: 1fr; }
    """
    BINDINGS = [Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到工作台"), id="base_data.back")]

    def __init__(self) -> None:
        super().__init__()
        self.data: agency.BaseData | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="totals")
        with Horizontal(id="data-row"):
            yield Panel(_("按主播"), DataTable(id="per-creator", cursor_type="row"), id="creators-panel")
            yield Panel(_("每日 GMV (元)"), Static(id="chart"), id="chart-panel")
        yield Footer()

    def fetch(self) -> agency.BaseData:
        return self.wb_app.wb.run(agency.base_data, self.wb_app.actor)

    def show(self, data: agency.BaseData) -> None:
        self.data = data
        self.query_one("#totals", Static).update(_("近 30 天: 订单 {n} · GMV {gmv} (绑定期间, 绑定店铺的商品, 绑定主播成交)").format(
            n=data.total_orders, gmv=format_money(data.total_gmv_cents)))
        fill_table(self.query_one("#per-creator", DataTable), (_("主播"), _("订单"), _("GMV")),
                   [(name, str(n), format_money(g)) for name, n, g in data.per_creator])
        self._draw()

    def on_resize(self, _event) -> None:
        self._draw()

    def _draw(self) -> None:
        if self.data is None:
            return
        chart = self.query_one("#chart", Static)
        panel = self.query_one("#chart-panel")
        width, height = panel.content_size.width, panel.content_size.height
        chart.update(gmv_chart(self.data, width, height))
