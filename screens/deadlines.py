"""The deadline calendar (截止日历): the next 30 days of the user's deadlines by day, coloured by
risk; Enter on an entry opens its order, task or stock plan."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, Static, Tree

from screens import registry
from screens.base import WorkScreen
from screens.widgets.panel import Panel
from workbench.domain.formatting import local_time
from workbench.i18n import N_, _
from workbench.services.calendar import CalendarEntry, my_deadlines

STYLE = {"overdue": "bold red", "soon": "bold yellow", "later": "green"}
MARK = {"overdue": "✗", "soon": "!", "later": "·"}
REF = {"order": N_("订单 #{id}"), "task": N_("任务 #{id}"), "plan": N_("备货单 #{id}")}
WEEKDAYS = (N_("周一"), N_("周二"), N_("周三"), N_("周四"), N_("周五"), N_("周六"), N_("周日"))


def remaining(at: datetime, now: datetime) -> str:
    """"还剩 3 小时" / "已过 2 天" — the distance to a deadline in the largest sensible unit."""
    seconds = (at - now).total_seconds()
    span = abs(seconds)
    if span < 3600:
        amount = _("{n} 分钟").format(n=max(int(span // 60), 1))
    elif span < 48 * 3600:
        amount = _("{n} 小时").format(n=int(span // 3600))
    else:
        amount = _("{n} 天").format(n=int(span // 86400))
    return (_("还剩 {t}") if seconds > 0 else _("已过 {t}")).format(t=amount)


class DeadlinesScreen(WorkScreen):
    CSS_PATH = "deadlines.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到工作台"), id="deadlines.back"),
        Binding("r", "reload", N_("刷新"), tooltip=N_("重新读取截止时间"), id="deadlines.reload"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        tree: Tree[CalendarEntry | None] = Tree("", id="days")
        tree.show_root = False
        tree.guide_depth = 2
        yield Panel(_("截止日历 · 未来 30 天"), tree, Static(id="legend"), id="days-panel",
                    more=_("Enter 打开 · r 刷新"))
        yield Footer()

    def fetch(self) -> tuple[list[CalendarEntry], datetime]:
        wb = self.wb_app.wb
        return wb.run(my_deadlines, self.wb_app.actor), wb.clock.now()

    def action_reload(self) -> None:
        self.reload()

    def show(self, view: tuple[list[CalendarEntry], datetime]) -> None:
        entries, now = view
        zone = self.wb_app.actor.zone
        tree = self.query_one(Tree)
        tree.clear()
        counts = {r: sum(e.risk == r for e in entries) for r in STYLE}
        overdue, soon, later = _("已逾期"), _("24 小时内"), _("之后")
        legend = Text.assemble(
            (f"✗ {overdue} {counts['overdue']}", STYLE["overdue"]), "   ",
            (f"! {soon} {counts['soon']}", STYLE["soon"]), "   ",
            (f"· {later} {counts['later']}", STYLE["later"]))
        self.query_one("#legend", Static).update(legend)
        if not entries:
            tree.root.add_leaf(Text(_("未来 30 天没有截止事项"), style="dim"))
            return
        groups: dict[str, list[CalendarEntry]] = {}
        for e in entries:
            groups.setdefault(_("已逾期") if e.risk == "overdue" else e.day, []).append(e)
        for day, items in groups.items():
            if items[0].risk == "overdue":
                label = Text(f"{day} · {len(items)}", style=STYLE["overdue"])
            else:
                weekday = _(WEEKDAYS[datetime.fromisoformat(day).weekday()])
                label = Text.assemble((f"{day} {weekday}", "bold"), (f" · {len(items)}", "dim"))
            node = tree.root.add(label, expand=True)
            for e in items:
                when = local_time(e.at, zone)[5:] if e.risk == "overdue" else local_time(e.at, zone, with_date=False)
                node.add_leaf(Text.assemble(
                    (f"{MARK[e.risk]} ", STYLE[e.risk]), (when, "bold"), "  ",
                    (e.what[:1].upper() + e.what[1:], STYLE[e.risk]), "  ",
                    _(REF[e.ref_type]).format(id=e.ref_id), "  ",
                    (remaining(e.at, now), "dim"), "  ",
                    e.counterpart), data=e)
        self.call_after_refresh(tree.move_cursor_to_line, 1)

    def on_tree_node_selected(self, event: Tree.NodeSelected) -> None:
        entry = event.node.data
        if not isinstance(entry, CalendarEntry):
            return
        self.wb_app.action_open(entry.screen, **registry.ref_kwargs(entry.screen, entry.ref_id))
