"""The home dashboard (用户工作台): to-do, core data, guided steps, recommendations, cases."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.widgets import DataTable, Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from screens.base import WorkScreen
from screens.widgets.panel import Panel
from screens.widgets.table import fill_table
from workbench.i18n import N_, _
from workbench.services.dashboard_view import DashboardView


class DashboardScreen(WorkScreen):
    CSS_PATH = "dashboard.tcss"
    BINDINGS = [
        Binding("f", "app.open('funds')", N_("资金账户"), tooltip=N_("核心数据: 查看更多"), id="dashboard.funds"),
        Binding("n", "app.open('notifications')", N_("通知"), tooltip=N_("打开通知"), id="dashboard.notifications",
                show=False),
        Binding("c", "app.open('deadlines')", N_("截止日历"), tooltip=N_("未来 30 天的截止时间"),
                id="dashboard.deadlines", show=False),
        Binding("h", "app.open('help')", N_("帮助中心"), tooltip=N_("操作指引: 查看更多"), id="dashboard.help"),
        Binding("s", "app.open('creator_square')", N_("主播广场"), tooltip=N_("平台推荐: 查看更多"),
                id="dashboard.square"),
        Binding("t", "app.open('tasks')", N_("任务"), tooltip=N_("任务管理"), id="dashboard.tasks"),
        Binding("o", "app.open('orders')", N_("订单"), tooltip=N_("直播通订单"), id="dashboard.orders"),
        Binding("e", "app.open('reports')", N_("复盘"), tooltip=N_("已完成合作的复盘报告与评价"), id="dashboard.reports",
                show=False),   # named in the to-do panel's hint; the footer is full at 80 columns in English
        Binding("r", "refresh", N_("刷新"), tooltip=N_("重新读取五个面板"), id="dashboard.refresh", show=False),
        Binding("u", "app.switch_user", N_("切换用户"), tooltip=N_("以另一个用户身份使用"), id="dashboard.user",
                show=False),
        Binding("p", "app.open('preselect')", N_("预选品"), tooltip=N_("平台推荐: 查看更多"), id="dashboard.preselect"),
        Binding("b", "app.open('bindings')", N_("绑定"), tooltip=N_("绑定主播与店铺"), id="dashboard.bindings"),
        Binding("g", "app.open('base_pool')", N_("货品池"), tooltip=N_("基地货品池"), id="dashboard.base_pool"),
        Binding("q", "app.open('sign_in_qr')", N_("签到码"), tooltip=N_("基地签到二维码"), id="dashboard.qr"),
        Binding("d", "app.open('base_data')", N_("基地数据"), tooltip=N_("GMV 与订单"), id="dashboard.base_data"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.view: DashboardView | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Grid(id="dash"):
            reports = "reports" in self.wb_app.screens_for_actor()
            yield Panel(_("待办事项"), OptionList(id="todo"), id="todo-panel",
                        more=_("Enter 前往处理 · e 复盘") if reports else _("Enter 前往处理"))
            yield Panel(_("核心数据"), Static(id="figures"), id="core-panel", more=_("f 查看更多"))
            yield Panel(_("操作指引"), OptionList(id="steps"), id="steps-panel", more=_("h 查看更多"))
            yield Panel(_("成功案例"), VerticalScroll(Static(id="cases"), id="cases-scroll"),
                        id="cases-panel")
            yield Panel(_("平台推荐"), DataTable(id="recs", cursor_type="row", zebra_stripes=True),
                        Static(id="rec-detail"), id="recs-panel")
        yield Footer()

    def load_first(self) -> None:
        first = self.wb_app.first_view_now()
        if first is None:
            super().load_first()
        else:
            self.show(first)

    def fetch(self) -> DashboardView:
        first = self.wb_app.take_first_view()
        if first is not None:
            return first
        from workbench.services import dashboard   # with the store's libraries, after the first paint

        return self.wb_app.wb.run(dashboard.load_dashboard, self.wb_app.actor, self.wb_app.screens_for_actor())

    def action_refresh(self) -> None:
        self.reload()

    # ---- rendering ---------------------------------------------------------------------------

    def show(self, view: DashboardView) -> None:
        self.view = view
        self._show_todo(view)
        self._show_figures(view)
        self._show_steps(view)
        self._show_recommendations(view)
        self._show_cases(view)

    def _show_todo(self, view: DashboardView) -> None:
        # Only kinds with something pending are listed, most urgent kinds first (the service's order);
        # the count leads, so a long label (English) wraps without separating it from its number.
        options = []
        width = max([3] + [len(str(t.count)) for t in view.todo])   # counts right-aligned in one column
        for t in view.todo:
            if not t.count:
                continue
            line = Text(f"{t.count:>{width}}  ", style="bold cyan").append(t.label)
            if t.screen:
                line.append(" ›", style="dim")
            options.append(Option(line, id=t.key))
        if not options:
            options.append(Option(Text(_("没有待办事项"), style="dim"), id="none", disabled=True))
        self._refill(self.query_one("#todo", OptionList), options)
        total = sum(t.count for t in view.todo)
        self.query_one("#todo-panel").border_title = _("待办事项") + f" ({total})"

    def _show_figures(self, view: DashboardView) -> None:
        table = Table.grid(padding=(0, 2), expand=True)
        table.add_column(style="dim", no_wrap=True)
        table.add_column(justify="right", style="bold", no_wrap=True)
        for f in view.figures:
            table.add_row(f.label, f.value)
        self.query_one("#figures", Static).update(table)

    def _show_steps(self, view: DashboardView) -> None:
        options = []
        for i, s in enumerate(view.steps, 1):
            mark = Text("✓ ", style="bold green") if s.done else Text("○ ", style="dim")
            line = mark + Text(f"{i}. {s.title}", style="dim" if s.done else "")
            options.append(Option(line, id=f"step-{i}"))
        done = sum(s.done for s in view.steps)
        self.query_one("#steps-panel").border_title = _("操作指引") + f" {done}/{len(view.steps)}"
        self._refill(self.query_one("#steps", OptionList), options)

    def _show_recommendations(self, view: DashboardView) -> None:
        fill_table(
            self.query_one("#recs", DataTable),
            (*view.rec_headers, _("推荐理由")),
            [(Text(r.title, style="bold"), *r.columns, Text(r.reason, style="italic"))
             for r in view.recommendations],
            [str(r.ref_id) for r in view.recommendations])
        title = _("平台推荐 · 达人合作") if view.rec_kind == "creator" else _("平台推荐 · 热销商品")
        self.query_one("#recs-panel").border_title = title

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """"I want to cooperate" (我要合作): a recommended creator opens their profile page."""
        if self.view is None or event.data_table.id != "recs" or self.view.rec_kind != "creator":
            return
        rec = self.view.recommendations[event.cursor_row]
        self.wb_app.action_open("creator_profile", creator_id=rec.ref_id)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.view is None or event.data_table.id != "recs":
            return
        recs = self.view.recommendations
        detail = self.query_one("#rec-detail", Static)
        if not recs or event.cursor_row >= len(recs):
            detail.update("")
            return
        r = recs[event.cursor_row]
        text = Text()
        for label, value in r.detail:
            text.append(f"{label} ", style="dim").append(value + "   ")
        detail.update(text)

    def _show_cases(self, view: DashboardView) -> None:
        text = Text()
        for i, c in enumerate(view.cases):
            if i:
                text.append("\n\n")
            text.append(c.title, style="bold")
            text.append(f"\n{c.who}\n", style="dim")
            text.append(c.body)
        self.query_one("#cases", Static).update(text)

    def on_resize(self, _event) -> None:
        # Option lists wrap their lines for the width they had; a new size (or breakpoint) rewraps them.
        if self.view is not None:
            self._show_todo(self.view)
            self._show_steps(self.view)

    @staticmethod
    def _refill(listing: OptionList, options: list[Option]) -> None:
        highlighted = listing.highlighted
        listing.set_options(options)
        if highlighted is not None and highlighted < len(options):
            listing.highlighted = highlighted

    # ---- links -------------------------------------------------------------------------------

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if self.view is None:
            return
        if event.option_list.id == "todo":
            item = next(t for t in self.view.todo if t.key == event.option.id)
            if item.screen in ("tasks", "orders", "reports") and item.filter:
                self.wb_app.action_open(item.screen, status=item.filter)
            elif item.screen:
                self.wb_app.action_open(item.screen)
        elif event.option_list.id == "steps":
            step = self.view.steps[int(event.option.id.removeprefix("step-")) - 1]
            if step.screen:
                self.wb_app.action_open(step.screen)
            else:
                self.wb_app.action_open("help", article=step.help)
