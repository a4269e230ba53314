"""Complaints (投诉): support staff uphold (the creator's record is penalised) or dismiss."""

from __future__ import annotations

from textual.binding import Binding

from screens.base import TableScreen
from screens.widgets.dialogs import FormDialog
from screens.widgets.form import FieldSpec
from workbench.domain.formatting import local_time
from workbench.i18n import N_, _
from workbench.services import consequences, orders


class ComplaintsScreen(TableScreen):
    TITLE_TEXT = N_("待处理的投诉")
    HINT = N_("u 成立 · d 不成立 · Enter 订单")
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到工作台"), id="complaints.back"),
        Binding("u", "rule(True)", N_("投诉成立"), tooltip=N_("成立: 处罚主播的合作数据"), id="complaints.uphold"),
        Binding("d", "rule(False)", N_("不成立"), tooltip=N_("驳回投诉"), id="complaints.dismiss"),
    ]

    def fetch(self) -> list[orders.ComplaintRow]:
        return self.wb_app.wb.run(orders.complaints, self.wb_app.actor)

    def columns(self) -> tuple[str, ...]:
        return (_("订单"), _("商家"), _("主播"), _("原因"), _("投诉时间"))

    def cells(self, c: orders.ComplaintRow) -> tuple:
        return (f"#{c.order_id}", c.merchant, c.creator, c.reason, local_time(c.filed_at, self.wb_app.actor.zone))

    def action_open_row(self) -> None:
        c = self.current()
        if c is not None:
            self.wb_app.action_open("order_detail", order_id=c.order_id)

    def action_rule(self, upheld: bool) -> None:
        c = self.current()
        if c is None:
            return
        self.app.push_screen(FormDialog(
            (_("投诉成立?") if upheld else _("投诉不成立?")), [FieldSpec("reason", _("处理意见"))],
            lambda v: (orders.rule_complaint, orders.RuleComplaint.parse(
                complaint_id=c.id, upheld=upheld, version=c.version, **v)),
            preview=lambda _v: (consequences.complaint_rule, consequences.ComplaintPreview(complaint_id=c.id,
                                                                                           upheld=upheld)),
            submit=_("确认"), danger=upheld))
