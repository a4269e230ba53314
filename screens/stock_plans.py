"""Stock plans (备货单): a creator's plans, revoke before review, start and end the live."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from screens.base import TableScreen
from screens.widgets.dialogs import FormDialog
from screens.widgets.form import FieldSpec
from screens.widgets.undo import Undoable
from workbench.domain.formatting import local_time
from workbench.domain.roles import Role
from workbench.i18n import N_, _
from workbench.services import consequences, stock

STYLE = {"submitted": "yellow", "approved": "green", "rejected": "red", "revoked": "dim", "live": "cyan",
         "ended": "dim"}


class StockPlansScreen(Undoable, TableScreen):
    TITLE_TEXT = N_("备货单")
    HINT = N_("n 新建 · r 撤回 · l 开播 · e 下播")
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到工作台"), id="plans.back"),
        Binding("n", "new", N_("新建备货"), tooltip=N_("选择直播时间和商品"), id="plans.new"),
        Binding("r", "revoke", N_("撤回"), tooltip=N_("审核前可以撤回"), id="plans.revoke"),
        Binding("l", "start", N_("开播"), tooltip=N_("审核通过的备货单开播"), id="plans.start"),
        Binding("e", "end", N_("下播"), tooltip=N_("结束直播: 按讲解的商品自动交付并结算"), id="plans.end"),
        Binding("u", "undo", N_("撤销"), tooltip=N_("撤销刚才的撤回 (几秒内)"), id="plans.undo"),
    ]
    NEEDS = {"revoke": "submitted", "start": "approved", "end": "live"}

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "new":
            return self.wb_app.actor.role is Role.CREATOR
        if action == "undo":
            return self.can_undo()
        status = self.NEEDS.get(action)
        if status is None:
            return True
        plan = self.current() if self.is_mounted and self.rows else None
        return plan is not None and plan.status == status and self.wb_app.actor.role is Role.CREATOR

    def on_data_table_row_highlighted(self, _event) -> None:
        self.refresh_bindings()

    def fetch(self) -> list[stock.PlanView]:
        return self.wb_app.wb.run(stock.list_plans, self.wb_app.actor)

    def columns(self) -> tuple[str, ...]:
        return ("#", _("直播时间"), _("商品"), _("专属池占比"), _("状态"), _("审核意见"))

    def cells(self, p: stock.PlanView) -> tuple:
        names = "、".join(name for _id, name, _ex, _sh in p.products)
        return (str(p.id), local_time(p.live_at, self.wb_app.actor.zone), names, p.share,
                Text(stock.status_label(p.status), style=STYLE.get(p.status, "")), p.review_reason)

    def action_new(self) -> None:
        self.wb_app.action_open("stock_plan_form")

    def action_revoke(self) -> None:
        """Revoking an unreviewed plan harms nobody: done at once, with a few seconds to undo."""
        plan = self.current()
        if plan is None:
            return
        self.wb_app.perform(stock.revoke_plan, stock.PlanRef(plan_id=plan.id, version=plan.version),
                            done=lambda _r: self.offer_undo(
                                _("已撤回备货单 #{id}").format(id=plan.id), stock.restore_plan,
                                stock.PlanRef(plan_id=plan.id),
                                _("备货单 #{id} 已恢复为待审核").format(id=plan.id)))

    def action_start(self) -> None:
        plan = self.current()
        self.wb_app.perform(stock.start_live, stock.PlanRef(plan_id=plan.id),
                            done=lambda _r: self.app.notify(_("已开播")))

    def action_end(self) -> None:
        plan = self.current()

        def done(result: dict) -> None:
            from workbench.domain.money import format_money
            self.app.notify(_("已下播: 交付 {n} 个订单, 结算 {amount}").format(
                n=result["delivered"], amount=format_money(result["paid_cents"])))

        self.app.push_screen(FormDialog(
            _("结束直播 (备货单 #{id})").format(id=plan.id),
            [FieldSpec("shown", _("讲解过的商品 (空格选择)"), multi=True,
                       choices=[(name, str(pid)) for pid, name, _ex, _sh in plan.products])],
            lambda v: (stock.end_live, stock.EndLive(plan_id=plan.id, shown_product_ids=[int(x) for x in v["shown"]])),
            preview=lambda v: (consequences.plan_end_live, consequences.EndLivePreview(
                plan_id=plan.id, shown_product_ids=[int(x) for x in v["shown"]])),
            note=_("订单按讲解的商品比例自动交付并结算"), submit=_("下播"), done=done))
