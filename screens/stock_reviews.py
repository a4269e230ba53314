"""Stock plan reviews (备货审核): support staff approve, or reject with a reason."""

from __future__ import annotations

from textual.binding import Binding

from screens.base import TableScreen
from screens.widgets.dialogs import FormDialog
from screens.widgets.form import FieldSpec
from workbench.domain.formatting import local_time
from workbench.i18n import N_, _
from workbench.services import stock


class StockReviewsScreen(TableScreen):
    TITLE_TEXT = N_("待审核的备货单")
    HINT = N_("a 通过 · x 驳回")
    BINDINGS = [
        Binding("escape", "app.pop_screen", N_("返回"), tooltip=N_("回到工作台"), id="reviews.back"),
        Binding("a", "review(True)", N_("通过"), tooltip=N_("审核通过"), id="reviews.approve"),
        Binding("x", "review(False)", N_("驳回"), tooltip=N_("驳回并写明原因"), id="reviews.reject"),
    ]

    def fetch(self) -> list[stock.PlanView]:
        return self.wb_app.wb.run(stock.plans_to_review, self.wb_app.actor)

    def columns(self) -> tuple[str, ...]:
        return ("#", _("主播"), _("直播时间"), _("商品"), _("专属池占比"), _("提交时间"))

    def cells(self, p: stock.PlanView) -> tuple:
        zone = self.wb_app.actor.zone
        return (str(p.id), p.creator, local_time(p.live_at, zone), "、".join(n for _i, n, _e, _s in p.products),
                p.share, local_time(p.submitted_at, zone))

    def action_review(self, approve: bool) -> None:
        plan = self.current()
        if plan is None:
            return
        self.app.push_screen(FormDialog(
            (_("通过备货单 #{id}?") if approve else _("驳回备货单 #{id}?")).format(id=plan.id),
            [FieldSpec("reason", _("审核意见 (驳回时必填)"))],
            lambda v: (stock.review_plan, stock.ReviewPlan.parse(plan_id=plan.id, approve=approve, **v)),
            submit=_("通过") if approve else _("驳回"), danger=not approve))
