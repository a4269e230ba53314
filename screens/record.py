"""The cooperation record (我的直播通数据): three rates, their definitions, and any freeze."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Static

from screens.base import WorkScreen
from screens.widgets.panel import Panel
from workbench.i18n import N_, _
from workbench.services import orders, reputation


class RecordScreen(WorkScreen):
    BINDINGS = [Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到工作台"), id="record.back")]
    DEFAULT_CSS = "RecordScreen #record-panel { margin: 0 1; height: 1fr; }"

    def compose(self) -> ComposeResult:
        yield Header()
        yield Panel(_("我的直播通数据"), VerticalScroll(Static(id="record")), id="record-panel")
        yield Footer()

    def fetch(self) -> tuple[orders.RecordView, list[reputation.RepFigure]]:
        actor = self.wb_app.actor
        return (self.wb_app.wb.run(orders.cooperation_record, actor),
                self.wb_app.wb.run(reputation.my_reputation, actor))

    def show(self, view: tuple[orders.RecordView, list[reputation.RepFigure]]) -> None:
        r, figures = view
        grid = Table.grid(padding=(0, 3))
        grid.add_column(style="dim")
        grid.add_column(justify="right", style="bold")
        for label, value in ((_("合作成功率"), r.success), (_("合作响应率"), r.response), (_("任务完成率"), r.completion)):
            grid.add_row(label, value)
        text = Text()
        if r.frozen_reasons:
            text.append(_("新的邀约与下单已冻结: ") + "; ".join(r.frozen_reasons) + "\n\n", style="bold red")
        text.append(_("口径") + "\n", style="bold")
        for d in r.definitions:
            text.append(f"· {d}\n", style="dim")
        labels = {"delivered": _("已交付"), "overdue": _("已逾期"), "closed": _("已关闭"), "received": _("收到订单"),
                  "answered": _("已处理"), "penalties": _("成立的投诉"), "invited": _("收到邀约"),
                  "accepted": _("主播已接"), "shipped": _("已寄样")}
        counts = "  ".join(f"{labels.get(k, k)} {v}" for k, v in r.counts.items())
        text.append("\n" + counts, style="dim")
        # The reputation figures (merchants: the record creators see on their profile; creators: ratings).
        rep = Text("\n" + _("信誉") + "\n", style="bold")
        for f in figures:
            rep.append(f"{f.label}  ", style="dim").append(f.value, style="bold").append(f"  ({f.basis})\n", style="dim")
            rep.append(f"  {f.definition}\n", style="dim italic")
        self.query_one("#record", Static).update(Group(grid, Text(""), text, rep))
