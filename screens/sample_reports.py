"""Sample problem reports (样品问题): support's queue to uphold or dismiss; creators and merchants see theirs."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from screens.base import TableScreen
from screens.widgets.dialogs import FormDialog
from screens.widgets.form import FieldSpec
from workbench.domain.formatting import local_time
from workbench.domain.reputation import REASONS, reason_label
from workbench.domain.roles import Role
from workbench.i18n import N_, _
from workbench.services import reputation

STYLE = {"open": "yellow", "upheld": "magenta", "dismissed": "dim"}


def report_dialog(order_id: int) -> FormDialog:
    """The creator's form for a problem with her order's sample (from the order detail)."""
    return FormDialog(
        _("报告样品问题 · 订单 #{id}").format(id=order_id),
        [FieldSpec("reason", _("问题类型"), choices=[(reason_label(r), r) for r in REASONS], value="damaged"),
         FieldSpec("detail", _("问题说明"), placeholder=_("收到了什么, 哪里不对"))],
        lambda v: (reputation.report_sample, reputation.ReportSample.parse(order_id=order_id, **v)),
        note=_("平台小二会处理; 认定成立的样品问题计入商家信誉。每个订单只能报告一次。"), submit=_("提交报告"))


class SampleReportsScreen(TableScreen):
    TITLE_TEXT = N_("样品问题")
    HINT = N_("u 成立 · d 不成立 · Enter 订单 · f 筛选")
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到工作台"), id="samples.back"),
        Binding("u", "rule(True)", N_("成立"), tooltip=N_("认定成立: 计入商家信誉"), id="samples.uphold"),
        Binding("d", "rule(False)", N_("不成立"), tooltip=N_("驳回这个报告"), id="samples.dismiss"),
        Binding("f", "focus_filter", N_("筛选"), tooltip=N_("按处理状态筛选"), id="samples.filter"),
    ]

    def filter_choices(self) -> list[tuple[str, str]]:
        return [(_("待处理"), "open"), (_("成立"), "upheld"), (_("不成立"), "dismissed"), (_("全部"), "all")]

    def on_mount(self) -> None:   # the base classes' on_mount (the first load) runs after this one
        from textual.widgets import Select

        self.query_one("#filter", Select).value = self.initial_filter or (
            "open" if self.wb_app.actor.role is Role.SUPPORT else "all")

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "rule":
            if self.wb_app.actor.role is not Role.SUPPORT:
                return False
            current = self.current()
            return None if current is None or current.status != "open" else True
        return True

    def on_data_table_row_highlighted(self, _event) -> None:
        self.refresh_bindings()

    def fetch(self) -> list[reputation.SampleReportRow]:
        status = self.filter_value() or ("open" if self.wb_app.actor.role is Role.SUPPORT else "all")
        return self.wb_app.wb.run(reputation.sample_reports, self.wb_app.actor, reputation.SampleQuery(status=status))

    def columns(self) -> tuple[str, ...]:
        return (_("订单"), _("商家"), _("主播"), _("问题"), _("说明"), _("报告时间"), _("状态"))

    def cells(self, r: reputation.SampleReportRow) -> tuple:
        detail = r.detail if len(r.detail) <= 14 else r.detail[:13] + "…"   # the whole text is in the ruling dialog
        return (f"#{r.order_id}", r.merchant, r.creator, r.reason_label, Text(detail),
                local_time(r.filed_at, self.wb_app.actor.zone), Text(r.status_label, style=STYLE.get(r.status, "")))

    def action_open_row(self) -> None:
        r = self.current()
        if r is not None:
            self.wb_app.action_open("order_detail", order_id=r.order_id)

    def action_focus_filter(self) -> None:
        self.query_one("#filter").focus()

    def action_rule(self, upheld: bool) -> None:
        r = self.current()
        if r is None or r.status != "open":
            return
        self.app.push_screen(FormDialog(
            _("样品问题成立?") if upheld else _("样品问题不成立?"), [FieldSpec("ruling", _("处理意见"))],
            lambda v: (reputation.rule_sample, reputation.RuleSample.parse(
                report_id=r.id, upheld=upheld, version=r.version, **v)),
            note=_("订单 #{order} · {reason}: {detail}").format(order=r.order_id, reason=r.reason_label,
                                                                detail=r.detail),
            consequence=_("计入商家 {name} 的信誉 (样品问题率)").format(name=r.merchant) if upheld
            else _("不计入商家信誉"),
            submit=_("确认"), danger=upheld))
