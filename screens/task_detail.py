"""One live task (任务详情): its terms, products, timeline, and the actions its state allows."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Header, Static

from screens.base import WorkScreen
from screens.widgets.dialogs import FormDialog
from screens.widgets.form import FieldSpec
from screens.widgets.panel import Panel
from screens.tasks import STATE_STYLE
from workbench.domain.formatting import local_time
from workbench.domain.money import format_money, format_rate
from workbench.domain.tasks import LiveKind
from workbench.i18n import N_, _
from workbench.services import consequences, disputes, tasks
from workbench.services.task_views import TaskDetail, task_detail

ACTIONS = {  # binding action -> the service action name it needs in TaskDetail.actions
    "accept": "accept", "reject": "reject", "go_live": "go_live", "end_live": "end_live",
    "check": "check", "cancel": ("merchant_cancel", "creator_cancel"), "rule": "rule",
}


class TaskDetailScreen(WorkScreen):
    CSS_PATH = "task_detail.tcss"
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到任务列表"), id="task.back"),
        Binding("a", "accept", N_("接单"), tooltip=N_("接受任务"), id="task.accept"),
        Binding("x", "reject", N_("拒绝"), tooltip=N_("拒绝任务, 不会创建定向计划"), id="task.reject"),
        Binding("l", "go_live", N_("开播"), tooltip=N_("开始直播"), id="task.go_live"),
        Binding("e", "end_live", N_("下播"), tooltip=N_("结束直播, 等待商家验收"), id="task.end_live"),
        Binding("k", "check", N_("验收通过"), tooltip=N_("初验通过, 冻结费用付给达人"), id="task.check"),
        Binding("c", "cancel", N_("取消任务"), tooltip=N_("先看取消规则, 再填写原因"), id="task.cancel"),
        Binding("r", "rule", N_("裁决"), tooltip=N_("设定赔付金额"), id="task.rule"),
        Binding("f", "open_report", N_("复盘报告"), tooltip=N_("成本、GMV、ROI、是否准时与双方评价"), id="task.report"),
    ]

    def __init__(self, task_id: int) -> None:
        super().__init__()
        self.task_id = task_id
        self.detail: TaskDetail | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="task"):
            with Vertical(id="left"):
                yield Panel(_("任务"), Static(id="terms"), id="terms-panel")
                yield Panel(_("合作商品"), Static(id="products"), id="products-panel")
            yield Panel(_("时间线"), VerticalScroll(Static(id="timeline")), id="timeline-panel")
        yield Footer()

    def action_open_report(self) -> None:
        self.wb_app.action_open("report", kind="task", ref_id=self.task_id)

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "open_report":   # a report exists once the task is completed
            return self.detail is not None and self.detail.row.status == "completed"
        needed = ACTIONS.get(action)
        if needed is None:
            return True
        if self.detail is None:
            return False
        needed = needed if isinstance(needed, tuple) else (needed,)
        return any(n in self.detail.actions for n in needed)

    def fetch(self) -> TaskDetail:
        return self.wb_app.wb.run(task_detail, self.wb_app.actor, self.task_id)

    def show(self, d: TaskDetail) -> None:
        self.detail = d
        zone = self.wb_app.actor.zone
        r = d.row
        self.query_one("#terms-panel").border_title = _("任务 #{id}").format(id=r.id) + f" · {r.state}"
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column()
        rows = [
            (_("商家"), r.merchant), (_("主播"), r.creator),
            (_("播出时间"), local_time(r.air_at, zone)),
            (_("类型"), LiveKind(d.kind).label),
            (_("数量"), _("{h} 小时 × {q}").format(h=r.hours, q=format_money(d.quote_cents))),
            (_("冻结金额"), format_money(r.amount_cents)),
            (_("佣金计划"), _("定向计划 {rate}").format(rate=format_rate(d.commission_rate))
             if d.plan == "targeted" and d.commission_rate is not None else _("普通计划")),
            (_("寄回样品"), _("是") if d.return_sample else _("否")),
            (_("联系人"), f"{d.contact_name} · {d.contact_phone}"),
        ]
        if d.plan == "targeted":
            rows.append((_("定向计划"), _("已创建") if d.targeted_plan else _("达人接单时创建")))
        if d.cancel_reason:
            rows.append((_("取消原因"), d.cancel_reason))
        if d.dispute:
            rows.append((_("争议"), Text(d.dispute, style="magenta")))
        for label, value in rows:   # plain text: contacts, reasons and tracking numbers are typed by people
            grid.add_row(label, Text(value) if isinstance(value, str) else value)
        self.query_one("#terms", Static).update(grid)
        self.query_one("#products", Static).update(
            "\n".join(f"#{pid}  {name}  ({cat})" for pid, name, cat in d.products) or "—")
        timeline = Text()
        for i, e in enumerate(d.timeline):
            if i:
                timeline.append("\n\n")
            timeline.append(local_time(e.at, zone), style="dim").append("  ").append(e.who, style="bold")
            timeline.append("\n").append("● ", style=STATE_STYLE.get(d.row.status, "") if i == len(d.timeline) - 1
                                         else "dim").append(e.what)
            if e.note:
                timeline.append(f" — {e.note}", style="italic")
        self.query_one("#timeline", Static).update(timeline)
        self.refresh_bindings()

    # ---- actions -------------------------------------------------------------------------------

    def _do(self, use_case, message: str) -> None:
        self.wb_app.perform(use_case, tasks.TaskRef(task_id=self.task_id),
                            done=lambda _r: self.app.notify(message))

    def action_accept(self) -> None:
        self._do(tasks.accept_task, _("已接单"))

    def action_go_live(self) -> None:
        self._do(tasks.go_live, _("已开播"))

    def action_end_live(self) -> None:
        self._do(tasks.end_live, _("已下播, 等待商家验收"))

    def _ref(self) -> tasks.TaskRef:
        return tasks.TaskRef(task_id=self.task_id)

    def _seen(self) -> int | None:
        """The version on screen when a confirmation opens: changed since, the action is refused
        instead of doing something other than what the confirmation said."""
        return self.detail.row.version if self.detail else None

    def action_check(self) -> None:
        ref = tasks.TaskRef(task_id=self.task_id, version=self._seen())
        self.app.push_screen(FormDialog(
            _("验收通过?"), [], lambda _v: (tasks.check_task, ref),
            preview=lambda _v: (consequences.task_check, ref), submit=_("验收通过")))

    def action_reject(self) -> None:
        seen = self._seen()
        self.app.push_screen(FormDialog(
            _("拒绝任务 #{id}?").format(id=self.task_id), [FieldSpec("reason", _("原因"))],
            lambda v: (tasks.reject_task, tasks.Reasoned.parse(task_id=self.task_id, version=seen, **v)),
            preview=lambda _v: (consequences.task_reject, self._ref()), submit=_("拒绝"), danger=True))

    def action_cancel(self) -> None:
        seen = self._seen()
        self.app.push_screen(FormDialog(
            _("取消任务 #{id}?").format(id=self.task_id), [FieldSpec("reason", _("取消原因"))],
            lambda v: (tasks.cancel_task, tasks.CancelTask.parse(task_id=self.task_id, version=seen, **v)),
            preview=lambda _v: (consequences.task_cancel, self._ref()), submit=_("确认取消"), danger=True))

    def action_rule(self) -> None:
        def open_dialog(queue: list[disputes.DisputeRow]) -> None:
            row = next((d for d in queue if d.task_id == self.task_id), None)
            if row is not None:
                self.app.push_screen(rule_dialog(row))

        self.wb_app.perform(disputes.list_disputes, done=open_dialog)


def rule_dialog(row: disputes.DisputeRow) -> FormDialog:
    """Support staff set the creator's compensation out of the frozen amount, with a reason; the
    consequence follows the amount as it is typed."""
    return FormDialog(
        _("裁决任务 #{id} 的争议").format(id=row.task_id),
        [FieldSpec("compensation", _("赔付达人金额 (元)"), placeholder="0.00"),
         FieldSpec("reason", _("裁决理由"))],
        lambda v: (disputes.rule_dispute, disputes.RuleDispute.parse(dispute_id=row.id, version=row.version, **v)),
        preview=lambda v: (consequences.dispute_rule, consequences.RulingPreview.parse(
            dispute_id=row.id, compensation=v["compensation"] or "0")),
        note=_("商家 {m} · 主播 {c} · 取消原因: {why}").format(m=row.merchant, c=row.creator, why=row.reason),
        submit=_("裁决"), danger=True)
